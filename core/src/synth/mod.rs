//! A deterministic synthetic-cluster generator for benchmarks and property tests: namespaces,
//! workloads with realistic label sets, their pods, and policies of every shape, from a seed.

use std::fmt::Write;

pub mod kubectl;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What to generate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct SynthConfig {
    /// Seed; the same seed and sizes give the same text.
    pub seed: u64,
    /// Namespaces.
    pub namespaces: usize,
    /// Total pods (spread over workloads with `replicas` pods each, plus bare pods).
    pub pods: usize,
    /// Pods per workload.
    pub replicas: usize,
    /// One pod in this many is a bare pod (no owner); 0 for none.
    pub bare_pod_every: usize,
    /// Total NetworkPolicies (default-deny per namespace included).
    pub policies: usize,
}

impl Default for SynthConfig {
    fn default() -> Self {
        Self { seed: 1, namespaces: 10, pods: 1_000, replicas: 5, bare_pod_every: 20, policies: 100 }
    }
}

/// splitmix64: small, fast, deterministic on every target.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        let i = self.below(items.len());
        items.get(i).copied().unwrap_or("")
    }
}

const APPS: &[&str] =
    &["web", "api", "cart", "checkout", "search", "auth", "billing", "queue", "cache", "db", "worker", "gateway"];
const TIERS: &[&str] = &["frontend", "backend", "data"];
const TEAMS: &[&str] = &["payments", "growth", "platform", "identity", "catalog"];
const ENVS: &[&str] = &["prod", "staging"];
const PORTS: &[(&str, u16, &str)] = &[
    ("http", 8080, "TCP"),
    ("grpc", 9090, "TCP"),
    ("metrics", 9100, "TCP"),
    ("dns", 5353, "UDP"),
    ("pg", 5432, "TCP"),
];

struct Workload {
    namespace: usize,
    app: String,
    tier: &'static str,
}

/// Generates a multi-document YAML manifest.
#[must_use]
pub fn generate(config: &SynthConfig) -> String {
    let mut rng = Rng(config.seed);
    let mut out = String::with_capacity(config.pods * 700 + config.policies * 600);
    let namespaces = config.namespaces.max(1);
    for ns in 0..namespaces {
        let team = rng.pick(TEAMS);
        let env = rng.pick(ENVS);
        let _ = write!(
            out,
            "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-{ns}\n  labels: {{team: {team}, env: {env}}}\n"
        );
    }
    let replicas = config.replicas.max(1);
    let mut workloads: Vec<Workload> = Vec::new();
    let mut pod = 0usize;
    while pod < config.pods {
        let namespace = rng.below(namespaces);
        let bare = config.bare_pod_every > 0 && rng.below(config.bare_pod_every) == 0;
        let app = format!("{}-{}", rng.pick(APPS), workloads.len());
        let tier = TIERS.get(rng.below(TIERS.len())).copied().unwrap_or("backend");
        let version = rng.pick(&["v1", "v2", "v3"]);
        let (name_a, port_a, proto_a) = PORTS.get(rng.below(PORTS.len())).copied().unwrap_or(("http", 8080, "TCP"));
        let ports = format!(
            "[{{name: {name_a}, containerPort: {port_a}, protocol: {proto_a}}}, {{name: health, containerPort: 8081}}]"
        );
        let labels = format!("{{app: {app}, tier: {tier}, version: {version}}}");
        if bare {
            let _ = write!(
                out,
                "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: {app}\n  namespace: ns-{namespace}\n  labels: {labels}\nspec:\n  containers:\n    - name: main\n      image: example/{app}\n      ports: {ports}\n"
            );
            pod += 1;
        } else {
            let _ = write!(
                out,
                "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {app}\n  namespace: ns-{namespace}\nspec:\n  replicas: {replicas}\n  selector: {{matchLabels: {{app: {app}}}}}\n  template:\n    metadata:\n      labels: {labels}\n    spec:\n      containers:\n        - name: main\n          image: example/{app}\n          ports: {ports}\n"
            );
            let hash = format!("{:08x}", rng.next() & 0xffff_ffff);
            for r in 0..replicas.min(config.pods - pod) {
                let _ = write!(
                    out,
                    "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: {app}-{hash}-{r}\n  namespace: ns-{namespace}\n  labels: {{app: {app}, tier: {tier}, version: {version}, pod-template-hash: '{hash}'}}\n  ownerReferences: [{{apiVersion: apps/v1, kind: ReplicaSet, name: {app}-{hash}, uid: u{pod}, controller: true}}]\nspec:\n  containers:\n    - name: main\n      image: example/{app}\n      ports: {ports}\nstatus:\n  podIP: 10.{}.{}.{}\n",
                    (pod >> 16) & 255,
                    (pod >> 8) & 255,
                    pod & 255
                );
                pod += 1;
            }
        }
        workloads.push(Workload { namespace, app, tier });
    }
    for p in 0..config.policies {
        let ns = p % namespaces;
        if p < namespaces {
            let _ = write!(
                out,
                "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: default-deny, namespace: ns-{ns}}}\nspec:\n  podSelector: {{}}\n  policyTypes: [Ingress, Egress]\n"
            );
            continue;
        }
        let target = workloads.get(rng.below(workloads.len()));
        let (target_app, target_ns) = target.map_or(("web-0".to_owned(), ns), |w| (w.app.clone(), w.namespace));
        let peer = workloads.get(rng.below(workloads.len()));
        let (peer_app, peer_tier) = peer.map_or(("api-1".to_owned(), "backend"), |w| (w.app.clone(), w.tier));
        let team = rng.pick(TEAMS);
        let (port_name, port, _) = PORTS.get(rng.below(PORTS.len())).copied().unwrap_or(("http", 8080, "TCP"));
        let rule = match rng.below(8) {
            0 => format!("  ingress:\n    - from: [{{podSelector: {{matchLabels: {{app: {peer_app}}}}}}}]\n      ports: [{{port: {port}}}]\n"),
            1 => format!("  ingress:\n    - from: [{{namespaceSelector: {{matchLabels: {{team: {team}}}}}}}]\n      ports: [{{port: {port_name}}}]\n"),
            2 => format!("  ingress:\n    - from: [{{namespaceSelector: {{matchExpressions: [{{key: env, operator: In, values: [prod]}}]}}, podSelector: {{matchLabels: {{tier: {peer_tier}}}}}}}]\n      ports: [{{port: 8000, endPort: 9000}}]\n"),
            3 => format!("  egress:\n    - to: [{{ipBlock: {{cidr: 10.{}.0.0/16, except: [10.{}.1.0/24]}}}}]\n      ports: [{{port: 443}}]\n", p % 250, p % 250),
            4 => "  ingress:\n    - from: [{podSelector: {matchExpressions: [{key: tier, operator: NotIn, values: [data]}]}}]\n".to_owned(),
            5 => format!("  egress:\n    - to: [{{namespaceSelector: {{}}, podSelector: {{matchLabels: {{app: {peer_app}}}}}}}]\n      ports: [{{port: {port}, protocol: TCP}}, {{port: 53, protocol: UDP}}]\n"),
            6 => format!("  ingress:\n    - from: [{{ipBlock: {{cidr: 192.{}.0.0/16}}}}, {{podSelector: {{matchExpressions: [{{key: version, operator: Exists}}]}}}}]\n      ports: [{{protocol: UDP}}]\n", p % 250),
            _ => "  ingress:\n    - {}\n".to_owned(),
        };
        let types = if rule.starts_with("  egress") { "[Egress]" } else { "[Ingress]" };
        let _ = write!(
            out,
            "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: p-{p}, namespace: ns-{target_ns}}}\nspec:\n  podSelector: {{matchLabels: {{app: {target_app}}}}}\n  policyTypes: {types}\n{rule}"
        );
    }
    out
}
