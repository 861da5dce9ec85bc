//! A deterministic synthetic flow generator: Hubble JSON (`hubble observe -o json`) for the
//! endpoints of any compiled cluster (for instance one from [`crate::synth::generate`]), from a
//! seed, for benchmarks and tests of large inputs.

use std::fmt::Write as _;
use std::io::Write;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::engine::{CompiledCluster, Endpoint};
use crate::model::Protocol;

/// What to generate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct FlowSynthConfig {
    /// Seed; the same seed, sizes and cluster give the same text.
    pub seed: u64,
    /// Flow records (lines) to write, replies and duplicates included.
    pub records: usize,
    /// Distinct conversations `(source, destination, protocol, port)` to draw records from.
    pub conversations: usize,
    /// One conversation in this many goes to an external address (0: none).
    pub external_every: usize,
    /// One record in this many is dropped (0: none).
    pub drop_every: usize,
    /// One record in this many is followed by its reply (0: none).
    pub reply_every: usize,
    /// One record in this many is also observed at the destination's ingress (0: none).
    pub ingress_copy_every: usize,
    /// Time of the first record, Unix seconds.
    pub start: i64,
}

impl Default for FlowSynthConfig {
    fn default() -> Self {
        Self {
            seed: 1,
            records: 10_000,
            conversations: 1_000,
            external_every: 10,
            drop_every: 50,
            reply_every: 3,
            ingress_copy_every: 2,
            start: 1_714_550_400,
        }
    }
}

/// xorshift64*: small and deterministic on every target.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x2545_F491_4F6C_DD1D) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }

    /// Skewed towards small indexes, as real traffic is towards a few hot paths.
    fn skewed(&mut self, n: usize) -> usize {
        let a = self.below(n);
        let b = self.below(n);
        a.min(b)
    }
}

struct Conversation {
    src: usize,
    /// Destination endpoint, or an external address.
    dst: Result<usize, String>,
    protocol: Protocol,
    port: u16,
}

fn pod_name(e: &Endpoint, n: usize) -> String {
    if e.kind == "Pod" { e.workload.clone() } else { format!("{}-5d8f7c{:04x}-{:05}", e.workload, n % 7, n % 3) }
}

fn pod_ip(index: usize, n: usize) -> String {
    format!("10.{}.{}.{}", 64 + (index >> 14) % 64, (index >> 6) & 255, ((index & 63) << 2) + n % 3 + 1)
}

fn side_json(out: &mut String, e: &Endpoint, index: usize, pod: usize) {
    let mut labels: Vec<String> = e.labels.iter().map(|(k, v)| format!("\"k8s:{k}={v}\"")).collect();
    labels.push(format!("\"k8s:io.kubernetes.pod.namespace={}\"", e.namespace));
    labels.push("\"k8s:io.cilium.k8s.policy.cluster=default\"".to_owned());
    let workloads = if e.kind == "Pod" {
        String::new()
    } else {
        format!(",\"workloads\":[{{\"name\":\"{}\",\"kind\":\"{}\"}}]", e.workload, e.kind)
    };
    let _ = write!(
        out,
        "{{\"ID\":{},\"identity\":{},\"namespace\":\"{}\",\"labels\":[{}],\"pod_name\":\"{}\"{workloads}}}",
        1000 + index,
        20_000 + index,
        e.namespace,
        labels.join(","),
        pod_name(e, pod)
    );
}

/// Writes `config.records` Hubble JSON lines for the cluster's endpoints to `out`. An empty
/// cluster writes nothing.
///
/// # Errors
/// Only the writer's errors.
pub fn write_hubble<W: Write>(cluster: &CompiledCluster, config: &FlowSynthConfig, out: &mut W) -> std::io::Result<()> {
    let endpoints: Vec<&Endpoint> = cluster.endpoints().collect();
    if endpoints.is_empty() {
        return Ok(());
    }
    let mut rng = Rng::new(config.seed);
    let mut conversations = Vec::with_capacity(config.conversations.max(1));
    for c in 0..config.conversations.max(1) {
        let src = rng.below(endpoints.len());
        let external = config.external_every > 0 && c.is_multiple_of(config.external_every);
        let dst = if external {
            Err(format!("203.0.{}.{}", 113 + rng.below(3), 1 + rng.below(250)))
        } else {
            Ok(rng.below(endpoints.len()))
        };
        let named =
            dst.as_ref().ok().and_then(|d| endpoints.get(*d)).map(|e| e.named_ports.clone()).unwrap_or_default();
        let (protocol, port) = match named.get(rng.below(named.len().max(1))) {
            Some(p) if !external => (p.protocol, p.port),
            _ => (Protocol::Tcp, [443, 8080, 5432, 9090].get(rng.below(4)).copied().unwrap_or(443)),
        };
        conversations.push(Conversation { src, dst, protocol, port });
    }
    let mut line = String::with_capacity(2048);
    let mut written = 0usize;
    let mut record = 0usize;
    while written < config.records {
        record += 1;
        let Some(conv) = conversations.get(rng.skewed(conversations.len())) else { break };
        let Some(src) = endpoints.get(conv.src) else { break };
        let pod = rng.below(5);
        let src_port = 32_768 + rng.below(28_000);
        let dropped = config.drop_every > 0 && record.is_multiple_of(config.drop_every);
        let time = config.start + (record / 50) as i64;
        let nanos = (record % 50) * 20_000_000 + rng.below(1000);
        let copies = if !dropped && config.ingress_copy_every > 0 && record.is_multiple_of(config.ingress_copy_every) {
            2
        } else {
            1
        };
        let reply = !dropped && config.reply_every > 0 && record.is_multiple_of(config.reply_every);
        let (dst_ip, dst_index) = match &conv.dst {
            Ok(d) => (pod_ip(*d, pod), Some(*d)),
            Err(ip) => (ip.clone(), None),
        };
        let src_ip = pod_ip(conv.src, pod);
        let proto = conv.protocol.as_str();
        for copy in 0..copies + usize::from(reply) {
            if written >= config.records {
                break;
            }
            let is_reply = copy == copies;
            line.clear();
            let (verdict, direction, point) = match (dropped, copy) {
                (true, _) => ("DROPPED", "EGRESS", "TO_ENDPOINT"),
                (false, 0) => ("FORWARDED", "EGRESS", "TO_STACK"),
                (false, _) if is_reply => ("FORWARDED", "INGRESS", "TO_ENDPOINT"),
                (false, _) => ("FORWARDED", "INGRESS", "TO_ENDPOINT"),
            };
            let (a_ip, b_ip, a_port, b_port) = if is_reply {
                (dst_ip.as_str(), src_ip.as_str(), usize::from(conv.port), src_port)
            } else {
                (src_ip.as_str(), dst_ip.as_str(), src_port, usize::from(conv.port))
            };
            let flags = if conv.protocol == Protocol::Tcp {
                if is_reply { ",\"flags\":{\"SYN\":true,\"ACK\":true}" } else { ",\"flags\":{\"SYN\":true}" }
            } else {
                ""
            };
            let _ = write!(
                line,
                "{{\"flow\":{{\"time\":\"{}.{nanos:09}Z\",\"uuid\":\"{:016x}-{record:08x}\",\"verdict\":\"{verdict}\",\
\"ethernet\":{{\"source\":\"aa:bb:cc:00:{:02x}:01\",\"destination\":\"aa:bb:cc:00:{:02x}:02\"}},\
\"IP\":{{\"source\":\"{a_ip}\",\"destination\":\"{b_ip}\",\"ipVersion\":\"IPv4\"}},\
\"l4\":{{\"{proto}\":{{\"source_port\":{a_port},\"destination_port\":{b_port}{flags}}}}},",
                super::time::format_rfc3339(time * 1_000_000_000).trim_end_matches('Z'),
                config.seed,
                conv.src % 256,
                dst_index.unwrap_or(0) % 256,
            );
            let world = |out: &mut String, ip: &str| {
                let _ = write!(out, "{{\"ID\":0,\"identity\":2,\"labels\":[\"reserved:world\"],\"ip\":\"{ip}\"}}");
            };
            let dst_endpoint = dst_index.and_then(|d| endpoints.get(d).map(|e| (d, *e)));
            let mut sides = [String::new(), String::new()];
            let [first, second] = &mut sides;
            side_json(first, src, conv.src, pod);
            match dst_endpoint {
                Some((d, e)) => side_json(second, e, d, pod),
                None => world(second, &dst_ip),
            }
            if is_reply {
                std::mem::swap(first, second);
            }
            let [source, destination] = &sides;
            let drop = if dropped { ",\"drop_reason\":133,\"drop_reason_desc\":\"POLICY_DENIED\"" } else { "" };
            let _ = write!(
                line,
                "\"source\":{source},\"destination\":{destination},\"Type\":\"L3_L4\",\"node_name\":\"node-{}\",\
\"event_type\":{{\"type\":{}}},\"traffic_direction\":\"{direction}\",\"trace_observation_point\":\"{point}\",\
\"is_reply\":{is_reply}{drop},\"Summary\":\"{proto} Flags: SYN\"}},\"node_name\":\"node-{}\"}}",
                conv.src % 7,
                if dropped { 1 } else { 4 },
                conv.src % 7,
            );
            line.push('\n');
            out.write_all(line.as_bytes())?;
            written += 1;
        }
    }
    Ok(())
}

/// Generates Hubble JSON lines as text (for small sizes; use [`write_hubble`] for files).
#[must_use]
pub fn generate_hubble(cluster: &CompiledCluster, config: &FlowSynthConfig) -> String {
    let mut out: Vec<u8> = Vec::new();
    // writing to a Vec cannot fail
    let _ = write_hubble(cluster, config, &mut out);
    String::from_utf8(out).unwrap_or_default()
}
