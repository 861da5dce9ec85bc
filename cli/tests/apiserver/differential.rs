//! The validation differential: netfence's verdict against the API server's on the same
//! object.
//!
//! Every document of the validation fixtures (`core/tests/fixtures/validate/`), of every test
//! vector (`tests/vectors/*/*/request.json`) and of the examples, and a few thousand generated
//! policies (valid ones, and each mutated in one place: ports, endPort, protocols, named ports,
//! CIDRs and excepts, peers, selectors, label keys and values, names, annotations, unknown
//! fields, policyTypes, field types, apiVersions) is
//!
//! - validated by netfence (`api::validate` on that one document): it rejects the object when
//!   it reports an error finding or cannot read it;
//! - created on the server with `dryRun=All&fieldValidation=Strict` (what `kubectl apply`
//!   sends): 2xx accepts, 4xx rejects.
//!
//! For the kinds netfence validates ([`validated`]) the verdicts must agree on every object, and
//! every path of a netfence error must be among the fields the server names (equal, or one
//! inside the other). The cluster-scoped kinds of network-policy-api (v1alpha1
//! AdminNetworkPolicy and BaselineAdminNetworkPolicy, v1alpha2 ClusterNetworkPolicy) are generated
//! too and held to the same agreement (`NF029`–`NF039` and the name rules); other versions of that
//! group are recorded in their own table. A field `<nil>` in the server's answer is a rule of the
//! whole object (a CRD's top-level CEL rule): every path is in it.
//!
//! The tables are in `docs/apiserver.md`; the test fails when they differ from what it measured
//! (run it with `NETFENCE_BLESS=1` to write them).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use futures::StreamExt;
use netfence::api::{self, Source, ValidateRequest};
use netfence::model::Severity;
use serde_json::{Value, json};

use crate::common::{Ctx, post, send};

/// Whether netfence validates objects of this apiVersion and kind.
fn validated(api_version: &str, kind: &str) -> bool {
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    (kind == "NetworkPolicy" && matches!(group, "networking.k8s.io" | "extensions"))
        || (group == "policy.networking.k8s.io"
            && matches!(
                (api_version, kind),
                ("policy.networking.k8s.io/v1alpha1", "AdminNetworkPolicy" | "BaselineAdminNetworkPolicy")
                    | ("policy.networking.k8s.io/v1alpha2", "ClusterNetworkPolicy")
            ))
}

/// Where a case comes from (a row of the tables).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Family(String);

struct Case {
    family: Family,
    /// Where it comes from, for messages.
    label: String,
    object: Value,
}

/// What the server said.
#[derive(Debug)]
struct ServerVerdict {
    accepts: bool,
    code: u16,
    /// The fields its causes name (`spec.ingress[0].ports[1].port`).
    fields: Vec<String>,
    message: String,
}

/// What netfence said.
#[derive(Debug)]
struct NetfenceVerdict {
    rejects: bool,
    /// Each error: id (or error code) and field path.
    errors: Vec<(String, String)>,
}

// ---------------------------------------------------------------------------------------------
// cases from the repository

fn documents_of(text: &str, name: &str) -> Vec<Value> {
    let options = netfence::source::ParseOptions::default();
    match netfence::source::parse_text(text, name, &options) {
        Ok(parsed) => parsed.documents.iter().map(|d| d.root.to_json()).collect(),
        Err(_) => Vec::new(),
    }
}

/// Policy-like documents (a string apiVersion and kind; a `kind: List`'s items too).
fn policies_in(value: Value, out: &mut Vec<Value>) {
    let kind = value.get("kind").and_then(Value::as_str).unwrap_or_default().to_owned();
    if kind.ends_with("List") {
        if let Some(Value::Array(items)) = value.get("items") {
            for item in items.clone() {
                policies_in(item, out);
            }
        }
        return;
    }
    let is_object =
        value.get("apiVersion").is_some_and(Value::is_string) && value.get("kind").is_some_and(Value::is_string);
    if is_object && (kind.ends_with("NetworkPolicy")) {
        out.push(value);
    }
}

fn files_under(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn repository_cases(root: &Path) -> Vec<Case> {
    let mut cases = Vec::new();
    let mut add = |family: &str, label: String, text: &str| {
        let mut found = Vec::new();
        for document in documents_of(text, &label) {
            policies_in(document, &mut found);
        }
        for (i, object) in found.into_iter().enumerate() {
            cases.push(Case { family: Family(family.to_owned()), label: format!("{label}#{i}"), object });
        }
    };
    let mut files = Vec::new();
    files_under(&root.join("core/tests/fixtures/validate"), &mut files);
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        add("validation fixtures", file.strip_prefix(root).unwrap_or(file).display().to_string(), &text);
    }
    let mut files = Vec::new();
    files_under(&root.join("tests/vectors"), &mut files);
    for file in files.iter().filter(|f| f.file_name().is_some_and(|n| n == "request.json")) {
        let request: Value =
            serde_json::from_str(&std::fs::read_to_string(file).unwrap_or_default()).unwrap_or_default();
        let label = file.strip_prefix(root).unwrap_or(file).display().to_string();
        for key in ["sources", "base", "head"] {
            for source in request.get(key).and_then(Value::as_array).into_iter().flatten() {
                if let Some(text) = source.get("text").and_then(Value::as_str) {
                    add("test vectors", label.clone(), text);
                }
            }
        }
    }
    let mut files = Vec::new();
    files_under(&root.join("examples"), &mut files);
    for file in files.iter().filter(|f| f.extension().is_some_and(|e| e == "yaml")) {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        add("examples", file.strip_prefix(root).unwrap_or(file).display().to_string(), &text);
    }
    cases
}

// ---------------------------------------------------------------------------------------------
// generated cases

/// xorshift64*: a fixed seed gives the same cases on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % (n.max(1) as u64)).unwrap_or(0)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())].clone()
    }

    fn port(&mut self) -> u64 {
        1 + self.next() % 65535
    }
}

const KEYS: &[&str] = &["app", "tier", "team", "app.kubernetes.io/name", "example.com/role", "k8s.io/part", "env"];
const VALUES: &[&str] = &["web", "api", "db", "a-b_c.d", "", "v1", "frontend", "x"];
const NAMESPACES: &[&str] = &["shop", "data", "payments", "default"];
const NAMED_PORTS: &[&str] = &["http", "https", "grpc", "metrics", "db-port", "a1"];

fn selector(rng: &mut Rng) -> Value {
    let mut s = serde_json::Map::new();
    if rng.chance(70) {
        let mut labels = serde_json::Map::new();
        for _ in 0..rng.below(3) {
            labels.insert(rng.pick(KEYS).to_owned(), json!(rng.pick(VALUES)));
        }
        s.insert("matchLabels".into(), Value::Object(labels));
    }
    if rng.chance(35) {
        let mut expressions = Vec::new();
        for _ in 0..1 + rng.below(2) {
            let operator = rng.pick(&["In", "NotIn", "Exists", "DoesNotExist"]);
            let mut e = json!({"key": rng.pick(KEYS), "operator": operator});
            if operator == "In" || operator == "NotIn" {
                let values: Vec<&str> = (0..1 + rng.below(3)).map(|_| rng.pick(VALUES)).collect();
                e["values"] = json!(values);
            }
            expressions.push(e);
        }
        s.insert("matchExpressions".into(), Value::Array(expressions));
    }
    Value::Object(s)
}

fn cidr(rng: &mut Rng) -> (String, Vec<String>) {
    if rng.chance(75) {
        let prefix = rng.pick(&[8u32, 12, 16, 20, 24, 32, 0]);
        let a = rng.pick(&[10u32, 172, 192, 203, 100]);
        let b = u32::try_from(rng.below(256)).unwrap_or(0);
        let address = (a << 24) | (b << 16);
        let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) };
        let network = address & mask;
        let text = |n: u32, p: u32| format!("{}.{}.{}.{}/{p}", n >> 24, (n >> 16) & 255, (n >> 8) & 255, n & 255);
        let mut except = Vec::new();
        if prefix <= 24 && rng.chance(40) {
            let longer = prefix + 1 + u32::try_from(rng.below(usize::try_from(32 - prefix).unwrap_or(1))).unwrap_or(0);
            let sub = network | ((u32::try_from(rng.below(2)).unwrap_or(0)) << (32 - longer));
            let sub_mask = u32::MAX << (32 - longer);
            except.push(text(sub & sub_mask, longer));
        }
        (text(network, prefix), except)
    } else {
        let prefix = rng.pick(&[32u32, 48, 64, 128]);
        let block = rng.below(0xffff);
        let mut except = Vec::new();
        let cidr =
            if prefix == 128 { format!("2001:db8:{block:x}::1/128") } else { format!("2001:db8:{block:x}::/{prefix}") };
        if prefix == 48 && rng.chance(40) {
            except.push(format!("2001:db8:{block:x}:1::/64"));
        }
        if prefix == 32 {
            return (
                "2001:db8::/32".to_owned(),
                if rng.chance(40) { vec!["2001:db8:1::/48".to_owned()] } else { vec![] },
            );
        }
        (cidr, except)
    }
}

fn peer(rng: &mut Rng) -> Value {
    match rng.below(4) {
        0 => json!({"podSelector": selector(rng)}),
        1 => json!({"namespaceSelector": selector(rng)}),
        2 => json!({"podSelector": selector(rng), "namespaceSelector": selector(rng)}),
        _ => {
            let (cidr, except) = cidr(rng);
            if except.is_empty() {
                json!({"ipBlock": {"cidr": cidr}})
            } else {
                json!({"ipBlock": {"cidr": cidr, "except": except}})
            }
        }
    }
}

fn port(rng: &mut Rng) -> Value {
    let mut p = serde_json::Map::new();
    if rng.chance(60) {
        p.insert("protocol".into(), json!(rng.pick(&["TCP", "UDP", "SCTP"])));
    }
    if rng.chance(85) {
        if rng.chance(25) {
            p.insert("port".into(), json!(rng.pick(NAMED_PORTS)));
        } else {
            let number = rng.port();
            p.insert("port".into(), json!(number));
            if rng.chance(30) {
                let end = number + rng.next() % (65536 - number);
                p.insert("endPort".into(), json!(end));
            }
        }
    }
    Value::Object(p)
}

fn rule(rng: &mut Rng, peers_key: &str) -> Value {
    let mut r = serde_json::Map::new();
    if rng.chance(80) {
        let peers: Vec<Value> = (0..1 + rng.below(3)).map(|_| peer(rng)).collect();
        r.insert(peers_key.into(), Value::Array(peers));
    }
    if rng.chance(70) {
        let ports: Vec<Value> = (0..1 + rng.below(3)).map(|_| port(rng)).collect();
        r.insert("ports".into(), Value::Array(ports));
    }
    Value::Object(r)
}

fn valid_policy(rng: &mut Rng, n: usize) -> Value {
    let mut metadata = json!({"name": format!("policy-{n}"), "namespace": rng.pick(NAMESPACES)});
    if rng.chance(30) {
        metadata["labels"] = json!({rng.pick(KEYS): rng.pick(VALUES)});
    }
    if rng.chance(20) {
        metadata["annotations"] = json!({"example.com/owner": "team a", "note": "any text: 80/TCP"});
    }
    let mut spec = json!({"podSelector": selector(rng)});
    let (ingress, egress) = match rng.below(4) {
        0 => (true, false),
        1 => (false, true),
        _ => (true, true),
    };
    if ingress && rng.chance(85) {
        spec["ingress"] = Value::Array((0..rng.below(3)).map(|_| rule(rng, "from")).collect());
    }
    if egress && rng.chance(85) {
        spec["egress"] = Value::Array((0..rng.below(3)).map(|_| rule(rng, "to")).collect());
    }
    if rng.chance(70) {
        let mut types = Vec::new();
        if ingress {
            types.push("Ingress");
        }
        if egress {
            types.push("Egress");
        }
        spec["policyTypes"] = json!(types);
    }
    json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": metadata, "spec": spec})
}

/// A valid policy with one ingress rule holding one peer and one port, to mutate in place.
fn mutable_policy(rng: &mut Rng, n: usize) -> Value {
    let mut policy = valid_policy(rng, n);
    policy["spec"]["ingress"] = json!([{"from": [peer(rng)], "ports": [{"protocol": "TCP", "port": 8080}]}]);
    policy["spec"]["policyTypes"] = json!(["Ingress"]);
    policy.as_object_mut().map(|o| o.remove("status"));
    policy
}

const LABEL_KEYS: &[&str] = &[
    "app",
    "a/b",
    "example.com/app",
    "Example.com/app",
    "-app",
    "app-",
    "a..b",
    "a/",
    "/a",
    "a/b/c",
    "",
    "app_1",
    "_app",
    "APP",
    "app name",
    "kubernetes.io/x",
    "ÄPP",
    "a.b",
    "1app",
    "app.",
    "example..com/app",
    "example.com/-x",
    "x/app",
    "example_com/app",
];
const LABEL_VALUES: &[&str] =
    &["", "web", "-web", "web-", "a.b_c-d", "a b", "a/b", "ü", "1", "_a", "a_", ".a", "A", "a:b", "a@b"];
const NAMES: &[&str] = &[
    "web", "web-1", "web.1", "Web", "web_1", "-web", "web-", "", ".web", "web..1", "1web", "web.", "a b", "w", "web/1",
    "web:1", "ü",
];
const NAMESPACE_NAMES: &[&str] =
    &["shop", "Shop", "shop_1", "shop.1", "", "-shop", "1shop", "shop-", "s", "shop-2", "kube-system", "a b"];
const PORT_VALUES: &[&str] = &[
    "0",
    "1",
    "65535",
    "65536",
    "-1",
    "80",
    "100000",
    "\"80\"",
    "\"http\"",
    "\"\"",
    "\"HTTP\"",
    "\"a-b\"",
    "\"a--b\"",
    "\"-ab\"",
    "\"ab-\"",
    "\"abcdefghijklmno\"",
    "\"abcdefghijklmnop\"",
    "\"1a\"",
    "\"123\"",
    "\"web_1\"",
    "\"wéb\"",
    "\"a\"",
    "\"0\"",
    "\"8080\"",
    "\"http-\"",
    "\"h-t-t-p\"",
    "\"-\"",
    "\" http\"",
];
const PROTOCOLS: &[&str] =
    &["\"TCP\"", "\"UDP\"", "\"SCTP\"", "\"tcp\"", "\"Udp\"", "\"HTTP\"", "\"\"", "\"ICMP\"", "null", "\"TCP \""];
const CIDRS: &[&str] = &[
    "10.0.0.0/8",
    "10.0.0.1/8",
    "10.0.0.0/33",
    "10.0.0.0/-1",
    "10.0.0.0",
    "10.0.0.0/",
    "/8",
    "300.0.0.0/8",
    "010.0.0.0/8",
    "10.0.0.0/08",
    "0.0.0.0/0",
    "::/0",
    "2001:db8::/32",
    "2001:db8::1/32",
    "2001:db8::/129",
    "::ffff:10.0.0.0/104",
    "fe80::%eth0/64",
    "10.0.0.0/8 ",
    " 10.0.0.0/8",
    "",
    "abc",
    "1.2.3.4/32",
    "2001:DB8::/32",
    "10.0.0.0/8/8",
    "10.0.0.0/+8",
    "1.2.3.4/0",
    "::ffff:1.2.3.4/128",
    "2001:db8:0:0::/64",
    "2001:0db8::/32",
    "10.0.0.0/ 8",
];
const EXCEPTS: &[&str] = &[
    "10.1.0.0/16",
    "10.0.0.0/8",
    "10.0.0.0/7",
    "11.0.0.0/16",
    "10.1.0.1/16",
    "2001:db8::/64",
    "bad",
    "",
    "10.0.0.0/9",
    "10.255.255.255/32",
    "10.1.0.0/33",
    "010.1.0.0/16",
    "0.0.0.0/0",
    "10.1.0.0",
];
const OPERATORS: &[&str] = &["In", "NotIn", "Exists", "DoesNotExist", "in", "Equals", "", "Gt", "exists"];
const POLICY_TYPES: &[&str] = &[
    "[\"Ingress\"]",
    "[\"Egress\"]",
    "[\"Ingress\",\"Egress\"]",
    "[\"Egress\",\"Ingress\"]",
    "[]",
    "[\"Ingress\",\"Ingress\"]",
    "[\"ingress\"]",
    "[\"Other\"]",
    "[\"Ingress\",\"Egress\",\"Ingress\"]",
    "\"Ingress\"",
    "[\"Egress\",\"Egress\"]",
    "[\"\"]",
    "null",
];

fn parse(json_text: &str) -> Value {
    serde_json::from_str(json_text).unwrap_or(Value::Null)
}

fn long(c: char, n: usize) -> String {
    std::iter::repeat_n(c, n).collect()
}

/// Long and boundary strings built on demand.
fn long_label_key(rng: &mut Rng) -> String {
    match rng.below(6) {
        0 => long('a', 63),
        1 => long('a', 64),
        2 => format!("{}/app", long('a', 253)),
        3 => format!("{}/app", long('a', 254)),
        4 => format!("{}/{}", "example.com", long('b', 63)),
        _ => format!("{}.com/x", long('a', 63)),
    }
}

fn pointer_set(value: &mut Value, pointer: &str, new: Value) {
    if let Some(slot) = value.pointer_mut(pointer) {
        *slot = new;
    }
}

/// One mutation of `family` applied to a valid policy.
fn mutate(family: &str, rng: &mut Rng, policy: &mut Value) {
    let rule = "/spec/ingress/0";
    match family {
        "ports" => pointer_set(policy, &format!("{rule}/ports/0/port"), parse(rng.pick(PORT_VALUES))),
        "endPort" => {
            let port = rng.port();
            let (port_value, end) = match rng.below(8) {
                0 => (json!(port), json!(port.saturating_sub(1))),
                1 => (json!(port), json!(port)),
                2 => (json!(port), json!(65536)),
                3 => (json!("http"), json!(port)),
                4 => (Value::Null, json!(port)),
                5 => (json!(port), json!(0)),
                6 => (json!(port), json!(format!("{port}"))),
                _ => (json!(port), json!((port + 1).min(65535))),
            };
            let mut p = json!({"protocol": "TCP", "endPort": end});
            if !port_value.is_null() {
                p["port"] = port_value;
            }
            pointer_set(policy, &format!("{rule}/ports/0"), p);
        }
        "protocols" => pointer_set(policy, &format!("{rule}/ports/0/protocol"), parse(rng.pick(PROTOCOLS))),
        "CIDRs" => {
            let cidr = rng.pick(CIDRS);
            pointer_set(policy, &format!("{rule}/from/0"), json!({"ipBlock": {"cidr": cidr}}));
        }
        "excepts" => {
            let (cidr, excepts): (&str, Vec<&str>) = if rng.chance(80) {
                ("10.0.0.0/8", (0..1 + rng.below(2)).map(|_| rng.pick(EXCEPTS)).collect())
            } else {
                (
                    "2001:db8::/32",
                    vec![rng.pick(&[
                        "2001:db8::/48",
                        "2001:db8::/32",
                        "2001:db9::/48",
                        "10.0.0.0/8",
                        "2001:db8::1/48",
                    ])],
                )
            };
            pointer_set(policy, &format!("{rule}/from/0"), json!({"ipBlock": {"cidr": cidr, "except": excepts}}));
        }
        "peers" => {
            let (cidr, _) = cidr(rng);
            let peer = match rng.below(9) {
                0 => json!({}),
                1 => json!({"ipBlock": {"cidr": cidr}, "podSelector": {}}),
                2 => json!({"ipBlock": {"cidr": cidr}, "namespaceSelector": {"matchLabels": {"a": "b"}}}),
                3 => json!({"ipBlock": {}}),
                4 => json!({"ipBlock": {"except": ["10.1.0.0/16"]}}),
                5 => json!({"podSelector": {}}),
                6 => json!({"namespaceSelector": {}, "podSelector": {}}),
                7 => json!({"ipBlock": {"cidr": cidr}, "podSelector": {}, "namespaceSelector": {}}),
                _ => json!({"ipBlock": null}),
            };
            pointer_set(policy, &format!("{rule}/from/0"), peer);
            if rng.chance(15) {
                pointer_set(policy, &format!("{rule}/from"), json!([]));
            }
        }
        "selectors" => {
            let operator = rng.pick(OPERATORS);
            let mut expression = json!({"key": rng.pick(KEYS), "operator": operator});
            match rng.below(4) {
                0 => expression["values"] = json!([]),
                1 => expression["values"] = json!(["a"]),
                2 => expression["values"] = json!([rng.pick(LABEL_VALUES)]),
                _ => {}
            }
            if rng.chance(10) {
                expression.as_object_mut().map(|e| e.remove("operator"));
            }
            if rng.chance(10) {
                expression["key"] = json!(rng.pick(LABEL_KEYS));
            }
            let at = rng.pick(&["/spec/podSelector", "/spec/ingress/0/from/0"]);
            let target = if at == "/spec/podSelector" {
                json!({"matchExpressions": [expression]})
            } else {
                json!({"namespaceSelector": {"matchExpressions": [expression]}})
            };
            pointer_set(policy, at, target);
        }
        "label keys and values" => {
            let key = if rng.chance(25) { long_label_key(rng) } else { rng.pick(LABEL_KEYS).to_owned() };
            let value = if rng.chance(15) { long('v', 63 + rng.below(2)) } else { rng.pick(LABEL_VALUES).to_owned() };
            match rng.below(3) {
                0 => policy["metadata"]["labels"] = json!({key: value}),
                1 => pointer_set(policy, "/spec/podSelector", json!({"matchLabels": {key: value}})),
                _ => pointer_set(
                    policy,
                    &format!("{rule}/from/0"),
                    json!({"podSelector": {"matchLabels": {key: value}}}),
                ),
            }
        }
        "names" => match rng.below(6) {
            0 => policy["metadata"]["name"] = json!(long('a', 253 + rng.below(2))),
            1 => policy["metadata"]["name"] = json!(format!("{}.{}", long('a', 63), long('b', 63 + rng.below(2)))),
            2 => {
                policy["metadata"].as_object_mut().map(|m| m.remove("name"));
                if rng.chance(60) {
                    policy["metadata"]["generateName"] = json!(rng.pick(&["web-", "Web-", "web", "-web-", ""]));
                }
            }
            _ => policy["metadata"]["name"] = json!(rng.pick(NAMES)),
        },
        "namespaces" => match rng.below(5) {
            0 => policy["metadata"]["namespace"] = json!(long('n', 63 + rng.below(2))),
            1 => {
                policy["metadata"].as_object_mut().map(|m| m.remove("namespace"));
            }
            _ => policy["metadata"]["namespace"] = json!(rng.pick(NAMESPACE_NAMES)),
        },
        "annotations" => match rng.below(4) {
            0 => {
                let size = 262_144 - 8 + rng.below(16);
                policy["metadata"]["annotations"] = json!({"big": long('x', size.saturating_sub(3))});
            }
            1 => policy["metadata"]["annotations"] = json!({long_label_key(rng): "v"}),
            _ => policy["metadata"]["annotations"] = json!({rng.pick(LABEL_KEYS): "any value, even with spaces"}),
        },
        "unknown fields" => {
            let (at, key) = rng.pick(&[
                ("", "specs"),
                ("", "status"),
                ("/metadata", "lables"),
                ("/spec", "podselector"),
                ("/spec", "egres"),
                (rule, "form"),
                (rule, "port"),
                ("/spec/ingress/0/from/0", "namespaceSelecter"),
                ("/spec/ingress/0/from/0", "ipblock"),
                ("/spec/ingress/0/ports/0", "portt"),
                ("/spec/ingress/0/ports/0", "endport"),
                ("/spec/podSelector", "matchlabels"),
                ("/spec/ingress/0/ports/0", "name"),
                ("/metadata", "clusterName"),
            ]);
            if let Some(Value::Object(map)) = policy.pointer_mut(at) {
                let value = if rng.chance(25) {
                    Value::Null
                } else if key == "status" {
                    json!({})
                } else {
                    json!({"x": 1})
                };
                map.insert(key.to_owned(), value);
            }
        }
        "policyTypes" => {
            policy["spec"]["policyTypes"] = parse(rng.pick(POLICY_TYPES));
            if rng.chance(50) {
                policy["spec"]["egress"] = json!([{"to": [{"podSelector": {}}]}]);
            }
            if rng.chance(20) {
                policy["spec"].as_object_mut().map(|s| s.remove("ingress"));
            }
            if rng.chance(15) {
                policy["spec"].as_object_mut().map(|s| s.remove("podSelector"));
            }
        }
        "field types" => {
            let (at, value) = rng.pick(&[
                ("/spec/ingress/0/ports/0/port", json!([80])),
                ("/spec/ingress/0/ports/0/port", json!(80.5)),
                ("/spec/ingress/0/ports/0/port", json!(true)),
                ("/spec/podSelector", json!("x")),
                ("/spec/podSelector", json!([])),
                ("/spec/ingress", json!({})),
                ("/spec/ingress/0/from", json!({})),
                ("/spec/podSelector", json!({"matchLabels": {"a": 1}})),
                ("/spec/podSelector", json!({"matchLabels": {"a": true}})),
                ("/spec/podSelector", json!({"matchLabels": {"a": null}})),
                ("/metadata/name", json!(5)),
                ("/spec/ingress/0/ports/0/protocol", json!(6)),
                ("/spec/ingress/0/ports", json!("80")),
                ("/spec/ingress/0/ports/0", json!(80)),
                ("/spec", json!([])),
                ("/spec/podSelector", Value::Null),
                ("/spec/ingress/0/from/0", json!({"ipBlock": {"cidr": 10}})),
                ("/spec/ingress/0/from/0", json!({"ipBlock": {"cidr": "10.0.0.0/8", "except": "10.1.0.0/16"}})),
                ("/spec/ingress/0/ports/0", json!({"port": 80, "endPort": "90"})),
                ("/spec/ingress/0/ports/0", json!({"port": 80, "endPort": 90.0})),
                ("/metadata/labels", json!("x")),
            ]);
            pointer_set(policy, at, value);
        }
        "apiVersions" => {
            policy["apiVersion"] = json!(rng.pick(&[
                "networking.k8s.io/v1",
                "networking.k8s.io/v1beta1",
                "extensions/v1beta1",
                "networking.k8s.io/v2",
                "networking.k8s.io/V1",
            ]));
        }
        _ => {}
    }
}

/// The NetworkPolicy families of mutations.
const FAMILIES: &[&str] = &[
    "ports",
    "endPort",
    "protocols",
    "CIDRs",
    "excepts",
    "peers",
    "selectors",
    "label keys and values",
    "names",
    "namespaces",
    "annotations",
    "unknown fields",
    "policyTypes",
    "field types",
    "apiVersions",
];

/// Cases per mutation family, and valid policies.
const PER_FAMILY: usize = 100;
const VALID: usize = 500;

fn subject(rng: &mut Rng, pods_need_namespace: bool) -> Value {
    if rng.chance(50) {
        json!({"namespaces": selector(rng)})
    } else if pods_need_namespace || rng.chance(50) {
        json!({"pods": {"namespaceSelector": selector(rng), "podSelector": selector(rng)}})
    } else {
        json!({"pods": {"podSelector": selector(rng)}})
    }
}

fn anp_ports(rng: &mut Rng) -> Value {
    let ports: Vec<Value> = (0..1 + rng.below(2))
        .map(|_| match rng.below(3) {
            0 => json!({"portNumber": {"protocol": rng.pick(&["TCP", "UDP", "SCTP"]), "port": rng.port()}}),
            1 => json!({"namedPort": rng.pick(NAMED_PORTS)}),
            _ => {
                let start = 1 + rng.next() % 60000;
                json!({"portRange": {"protocol": "TCP", "start": start, "end": start + 1 + rng.next() % 5000}})
            }
        })
        .collect();
    Value::Array(ports)
}

/// A valid cluster-scoped policy of `kind`.
fn cluster_policy(kind: &str, rng: &mut Rng, n: usize) -> Value {
    match kind {
        "AdminNetworkPolicy" | "BaselineAdminNetworkPolicy" => {
            let baseline = kind == "BaselineAdminNetworkPolicy";
            let actions: &[&str] = if baseline { &["Allow", "Deny"] } else { &["Allow", "Deny", "Pass"] };
            let ingress: Vec<Value> = (0..rng.below(3))
                .map(|i| {
                    let mut r =
                        json!({"name": format!("rule-{i}"), "action": rng.pick(actions), "from": [subject(rng, true)]});
                    if rng.chance(50) {
                        r["ports"] = anp_ports(rng);
                    }
                    r
                })
                .collect();
            let egress: Vec<Value> = (0..rng.below(3))
                .map(|_| {
                    let to = if rng.chance(30) { json!({"networks": [cidr(rng).0]}) } else { subject(rng, true) };
                    json!({"action": rng.pick(actions), "to": [to]})
                })
                .collect();
            let mut spec = json!({"subject": subject(rng, true), "ingress": ingress, "egress": egress});
            if !baseline {
                spec["priority"] = json!(rng.below(1001));
            }
            let name = if baseline { "default".to_owned() } else { format!("anp-{n}") };
            json!({"apiVersion": "policy.networking.k8s.io/v1alpha1", "kind": kind, "metadata": {"name": name}, "spec": spec})
        }
        _ => {
            let protocols = |rng: &mut Rng| -> Value {
                let protocol = rng.pick(&["tcp", "udp", "sctp"]);
                let port = rng.port();
                json!([{protocol: {"destinationPort": {"number": port}}}])
            };
            let ingress: Vec<Value> = (0..rng.below(3))
                .map(|_| {
                    let mut r = json!({"action": rng.pick(&["Accept", "Deny", "Pass"]), "from": [subject(rng, false)]});
                    if rng.chance(50) {
                        r["protocols"] = protocols(rng);
                    }
                    r
                })
                .collect();
            let egress: Vec<Value> = (0..rng.below(3))
                .map(|_| {
                    let to = if rng.chance(30) { json!({"networks": [cidr(rng).0]}) } else { subject(rng, false) };
                    json!({"action": rng.pick(&["Accept", "Deny", "Pass"]), "to": [to]})
                })
                .collect();
            json!({"apiVersion": "policy.networking.k8s.io/v1alpha2", "kind": "ClusterNetworkPolicy",
                "metadata": {"name": format!("cnp-{n}")},
                "spec": {"tier": rng.pick(&["Admin", "Baseline"]), "priority": rng.below(1001),
                    "subject": subject(rng, false), "ingress": ingress, "egress": egress}})
        }
    }
}

/// One mutation of a cluster-scoped policy.
fn mutate_cluster(rng: &mut Rng, policy: &mut Value) {
    let cnp = policy["kind"] == "ClusterNetworkPolicy";
    let peers = if cnp { "protocols" } else { "ports" };
    policy["spec"]["ingress"] = json!([{"action": if cnp { "Accept" } else { "Allow" }, "from": [{"namespaces": {}}]}]);
    match rng.below(10) {
        0 => policy["spec"]["priority"] = json!(rng.pick(&[-1i64, 1000, 1001, 50])),
        1 => policy["spec"]["ingress"][0]["action"] = json!(rng.pick(&["Allow", "Deny", "Pass", "Accept", "allow"])),
        2 => {
            policy["spec"]["subject"] =
                rng.pick(&[json!({}), json!({"namespaces": {}, "pods": {"podSelector": {}}}), Value::Null])
        }
        3 => {
            policy["spec"]["egress"] = json!([{"action": "Deny", "to": [{"networks": [rng.pick(CIDRS)]}]}]);
        }
        4 => {
            let start = rng.port();
            policy["spec"]["ingress"][0][peers] = if cnp {
                json!([{"tcp": {"destinationPort": {"range": {"start": start, "end": rng.port()}}}}])
            } else {
                json!([{"portRange": {"protocol": "TCP", "start": start, "end": rng.port()}}])
            };
        }
        5 => policy["spec"]["ingress"][0]["name"] = json!(long('r', 99 + rng.below(3))),
        6 => {
            policy["spec"]["ingress"] = Value::Array(
                (0..if cnp { 24 + rng.below(3) } else { 99 + rng.below(3) })
                    .map(|_| json!({"action": "Deny", "from": [{"namespaces": {}}]}))
                    .collect(),
            )
        }
        7 => policy["metadata"]["name"] = json!(rng.pick(&["default", "other", "Bad_Name", "x"])),
        8 => {
            policy["spec"]["ingress"][0]["from"] =
                rng.pick(&[json!([]), json!([{}]), json!([{"namespaces": {}, "pods": {"podSelector": {}}}])]);
        }
        _ => {
            policy["spec"]["egress"] = json!([{"action": "Deny", "to": [{"nodes": {}}], peers: if cnp {
                json!([{"tcp": {"destinationPort": {"number": 80}}}])
            } else {
                json!([{"portNumber": {"protocol": "TCP", "port": 80}}])
            }}]);
        }
    }
}

fn generated_cases() -> Vec<Case> {
    let mut rng = Rng(0x6e65_7466_656e_6365);
    let mut cases = Vec::new();
    for n in 0..VALID {
        let object = valid_policy(&mut rng, n);
        cases.push(Case { family: Family("generated: valid".to_owned()), label: format!("valid #{n}"), object });
    }
    for family in FAMILIES {
        for n in 0..PER_FAMILY {
            let mut object = mutable_policy(&mut rng, n);
            mutate(family, &mut rng, &mut object);
            cases.push(Case {
                family: Family(format!("generated: {family}")),
                label: format!("{family} #{n}"),
                object,
            });
        }
    }
    for kind in ["AdminNetworkPolicy", "BaselineAdminNetworkPolicy", "ClusterNetworkPolicy"] {
        for n in 0..150 {
            let mut object = cluster_policy(kind, &mut rng, n);
            let family = if n < 50 {
                "valid"
            } else {
                mutate_cluster(&mut rng, &mut object);
                "mutated"
            };
            cases.push(Case {
                family: Family(format!("{kind}: {family}")),
                label: format!("{kind} {family} #{n}"),
                object,
            });
        }
    }
    cases
}

// ---------------------------------------------------------------------------------------------
// verdicts

fn netfence_verdict(case: &Case) -> NetfenceVerdict {
    let text = serde_json::to_string_pretty(&case.object).unwrap_or_default();
    let request =
        ValidateRequest { sources: vec![Source::named(case.label.clone(), text)], ..ValidateRequest::default() };
    let response = match api::validate(&request) {
        Ok(r) => r,
        Err(e) => return NetfenceVerdict { rejects: true, errors: vec![(e.code.as_str().to_owned(), String::new())] },
    };
    let mut errors: Vec<(String, String)> = response
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| (f.id.clone(), f.location.as_ref().map(|l| l.pointer.clone()).unwrap_or_default()))
        .collect();
    errors.extend(
        response
            .errors
            .iter()
            .map(|e| (e.code.as_str().to_owned(), e.location.as_ref().map(|l| l.pointer.clone()).unwrap_or_default())),
    );
    NetfenceVerdict { rejects: !response.valid, errors }
}

/// A path segment of a URL.
fn segment(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Where the object is created: its apiVersion's collection, in its namespace (or `default`)
/// for namespaced kinds.
fn collection(object: &Value) -> String {
    let api_version = object["apiVersion"].as_str().unwrap_or_default();
    let kind = object["kind"].as_str().unwrap_or_default();
    let lower = kind.to_lowercase();
    let plural = match lower.strip_suffix('y') {
        Some(stem) => format!("{stem}ies"),
        None => format!("{lower}s"),
    };
    let prefix = if api_version.contains('/') { format!("/apis/{api_version}") } else { format!("/api/{api_version}") };
    if kind == "NetworkPolicy" {
        let namespace = object
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .unwrap_or("default");
        format!("{prefix}/namespaces/{}/{plural}", segment(namespace))
    } else {
        format!("{prefix}/{plural}")
    }
}

/// The fields a rejection names: its causes, and the fields of a strict decoding error's
/// message (`unknown field "spec.x"`).
fn fields_of(status: &Value) -> (Vec<String>, String) {
    let message = status["message"].as_str().unwrap_or_default().to_owned();
    let mut fields: Vec<String> = status
        .pointer("/details/causes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| c["field"].as_str().map(str::to_owned))
        .filter(|f| !f.is_empty())
        .collect();
    for part in message.split("unknown field \"").skip(1) {
        if let Some(end) = part.find('"') {
            fields.push(part[..end].to_owned());
        }
    }
    // `cannot unmarshal X into Go struct field NetworkPolicyPort.spec.ingress.ports.port of type`
    for part in message.split("Go struct field ").skip(1) {
        if let Some(end) = part.find(" of type") {
            let path = &part[..end];
            fields.push(path.split_once('.').map_or(path, |(_, p)| p).to_owned());
        }
    }
    for part in message.split("duplicate field \"").skip(1) {
        if let Some(end) = part.find('"') {
            fields.push(part[..end].to_owned());
        }
    }
    (fields, message)
}

/// A JSON pointer as the server writes a field: `/spec/ingress/0/ports` is
/// `spec.ingress[0].ports`.
fn field_path(pointer: &str) -> String {
    let mut out = String::new();
    for part in pointer.split('/').skip(1) {
        let part = part.replace("~1", "/").replace("~0", "~");
        if !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{part}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&part);
        }
    }
    out
}

/// `a` is `b` or inside it (`b` followed by `.` or `[`).
fn within(a: &str, b: &str) -> bool {
    a == b || (a.starts_with(b) && matches!(a.as_bytes().get(b.len()), Some(b'.' | b'[')))
}

/// A path without its list indices: decoding errors name fields that way
/// (`spec.ingress.ports.port`).
fn without_indices(path: &str) -> String {
    let mut out = String::new();
    let mut in_index = false;
    for c in path.chars() {
        match c {
            '[' => in_index = true,
            ']' => in_index = false,
            _ if !in_index => out.push(c),
            _ => {}
        }
    }
    out
}

/// Whether a netfence path is among the server's fields.
fn path_matches(path: &str, fields: &[String]) -> bool {
    let bare = without_indices(path);
    // `<nil>`: a rule of the whole object (a CRD's top-level CEL rule), which every path is in
    fields.iter().any(|f| f == "<nil>" || within(path, f) || within(f, path) || within(&bare, f) || within(f, &bare))
}

/// The agreement of one table row.
#[derive(Default)]
struct Row {
    cases: usize,
    server_accepts: usize,
    server_rejects: usize,
    agree: usize,
    /// netfence errors whose path the server names, and those checked.
    paths_matched: usize,
    paths_checked: usize,
    /// netfence errors on a rejection whose response names no fields (404: not served).
    paths_unnamed: usize,
}

/// How the server's rejection lets the paths be checked.
fn checkable(code: u16) -> bool {
    matches!(code, 400 | 422)
}

pub fn netfence_agrees_with_the_apiserver(ctx: &Ctx) {
    let root = netfence_testkit::build::repo_root();
    let mut cases = repository_cases(&root);
    let from_repository = cases.len();
    cases.extend(generated_cases());
    let generated_policies = cases[from_repository..]
        .iter()
        .filter(|c| {
            validated(c.object["apiVersion"].as_str().unwrap_or(""), "NetworkPolicy")
                && c.object["kind"] == "NetworkPolicy"
        })
        .count();
    assert!(generated_policies >= 2000, "only {generated_policies} generated NetworkPolicies");
    // the namespaces the objects name, created where the server accepts the name
    let namespaces: BTreeSet<String> = cases
        .iter()
        .filter_map(|c| c.object.pointer("/metadata/namespace").and_then(Value::as_str).map(str::to_owned))
        .collect();
    let mut created = 0;
    for name in &namespaces {
        let namespace = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}});
        if ctx.send(post("/api/v1/namespaces", &namespace, "")).is_ok() {
            created += 1;
        }
    }
    assert!(created >= NAMESPACES.len() - 1, "could not create the namespaces the cases use");
    // the server's verdicts, 16 requests at a time
    let client = ctx.client.clone();
    let requests: Vec<(usize, String, Value)> =
        cases.iter().enumerate().map(|(i, c)| (i, collection(&c.object), c.object.clone())).collect();
    let mut server: Vec<(usize, ServerVerdict)> = ctx.runtime.block_on(async move {
        futures::stream::iter(requests)
            .map(|(i, collection, object)| {
                let client = client.clone();
                async move {
                    let verdict = match send(&client, post(&collection, &object, "dryRun=All&fieldValidation=Strict"))
                        .await
                    {
                        Ok(_) => ServerVerdict { accepts: true, code: 201, fields: Vec::new(), message: String::new() },
                        Err((code, status)) => {
                            let (fields, message) = fields_of(&status);
                            ServerVerdict { accepts: false, code, fields, message }
                        }
                    };
                    (i, verdict)
                }
            })
            .buffer_unordered(16)
            .collect()
            .await
    });
    server.sort_by_key(|(i, _)| *i);
    let mut rows: BTreeMap<Family, Row> = BTreeMap::new();
    let mut cluster_rows: BTreeMap<Family, Row> = BTreeMap::new();
    let mut problems = Vec::new();
    for (case, (_, server)) in cases.iter().zip(&server) {
        assert!(
            server.code == 201 || (400..500).contains(&server.code),
            "{}: the server failed ({} {})",
            case.label,
            server.code,
            server.message
        );
        let api_version = case.object["apiVersion"].as_str().unwrap_or_default();
        let kind = case.object["kind"].as_str().unwrap_or_default();
        let netfence = netfence_verdict(case);
        let is_validated = validated(api_version, kind);
        let row = if is_validated {
            rows.entry(case.family.clone()).or_default()
        } else {
            cluster_rows.entry(case.family.clone()).or_default()
        };
        row.cases += 1;
        if server.accepts {
            row.server_accepts += 1;
        } else {
            row.server_rejects += 1;
        }
        if !is_validated {
            // netfence does not validate this kind: the server's verdict is recorded only
            continue;
        }
        let agree = netfence.rejects != server.accepts;
        if agree {
            row.agree += 1;
        } else {
            problems.push(format!(
                "{} [{}]: netfence {} ({:?}), the server {} ({} {})\n    {}",
                case.label,
                case.family.0,
                if netfence.rejects { "rejects" } else { "accepts" },
                netfence.errors,
                if server.accepts { "accepts" } else { "rejects" },
                server.code,
                server.message,
                case.object
            ));
            continue;
        }
        if server.accepts {
            continue;
        }
        for (id, pointer) in &netfence.errors {
            if !checkable(server.code) {
                row.paths_unnamed += 1;
                continue;
            }
            // a decoding error (400) stops before validation: only what decoding checks is named
            let decoding = server.code == 400;
            let decoded_kind = id == "NF001" || id.starts_with("NF-E");
            if decoding && !decoded_kind {
                row.paths_unnamed += 1;
                continue;
            }
            row.paths_checked += 1;
            let path = field_path(pointer);
            if path_matches(&path, &server.fields) {
                row.paths_matched += 1;
            } else {
                problems.push(format!(
                    "{} [{}]: netfence's {id} at `{path}` is not among the server's fields {:?} ({} {})\n    {}",
                    case.label, case.family.0, server.fields, server.code, server.message, case.object
                ));
            }
        }
    }
    let tables = tables(&rows, &cluster_rows);
    let doc_path = root.join("docs/apiserver.md");
    let doc = std::fs::read_to_string(&doc_path).unwrap_or_default();
    let (start, end) = ("<!-- differential:start -->\n", "<!-- differential:end -->");
    let stale = match (doc.find(start), doc.find(end)) {
        (Some(a), Some(b)) if a < b => doc[a + start.len()..b] != tables,
        _ => true,
    };
    if stale && std::env::var("NETFENCE_BLESS").is_ok_and(|v| v == "1") {
        if let (Some(a), Some(b)) = (doc.find(start), doc.find(end)) {
            let updated = format!("{}{tables}{}", &doc[..a + start.len()], &doc[b..]);
            std::fs::write(&doc_path, updated).unwrap();
        }
    } else if stale {
        problems.push(format!(
            "docs/apiserver.md: the differential tables differ from this run (NETFENCE_BLESS=1 writes them):\n{tables}"
        ));
    }
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}

fn tables(rows: &BTreeMap<Family, Row>, cluster_rows: &BTreeMap<Family, Row>) -> String {
    let mut out = String::from(
        "| NetworkPolicies | cases | server accepts | server rejects | netfence agrees | netfence error paths the server names |\n\
         |---|---:|---:|---:|---:|---:|\n",
    );
    let mut total = Row::default();
    for (family, row) in rows {
        let paths = if row.paths_checked == 0 {
            "—".to_owned()
        } else {
            format!("{}/{}", row.paths_matched, row.paths_checked)
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {paths} |",
            family.0, row.cases, row.server_accepts, row.server_rejects, row.agree
        );
        total.cases += row.cases;
        total.server_accepts += row.server_accepts;
        total.server_rejects += row.server_rejects;
        total.agree += row.agree;
        total.paths_matched += row.paths_matched;
        total.paths_checked += row.paths_checked;
        total.paths_unnamed += row.paths_unnamed;
    }
    let _ = writeln!(
        out,
        "| **all** | **{}** | **{}** | **{}** | **{}** | **{}/{}** |",
        total.cases, total.server_accepts, total.server_rejects, total.agree, total.paths_matched, total.paths_checked
    );
    let _ = writeln!(
        out,
        "\nnetfence errors on rejections whose response names no field (a 404 for an apiVersion the server does not serve, \
         or a decoding error that stops before validation): {}.\n",
        total.paths_unnamed
    );
    out.push_str(
        "| kinds netfence does not validate | cases | server accepts | server rejects |\n\
         |---|---:|---:|---:|\n",
    );
    for (family, row) in cluster_rows {
        let _ = writeln!(out, "| {} | {} | {} | {} |", family.0, row.cases, row.server_accepts, row.server_rejects);
    }
    out
}
