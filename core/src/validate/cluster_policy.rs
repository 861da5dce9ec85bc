//! Cluster-scoped policies (v1alpha1 `AdminNetworkPolicy` and `BaselineAdminNetworkPolicy`,
//! v1alpha2 `ClusterNetworkPolicy`): what their CRDs' schemas and CEL rules reject, read from
//! the document as written (`tests/crds/network-policy-api`). Selectors and metadata are checked
//! as for NetworkPolicies elsewhere; these rules cover the policy's own fields.

use super::RuleMeta;
use crate::inventory::{ClusterPolicyResource, ResourceSet};
use crate::model::cidr::Cidr;
use crate::model::{Category, Draft, Finding, Severity};
use crate::source::yaml_write::yaml_string;
use crate::source::{Node, Value};

/// `NF029`: `priority` missing or outside 0–1000.
pub(crate) const INVALID_CLUSTER_POLICY_PRIORITY: RuleMeta = RuleMeta {
    id: "NF029",
    name: "invalid-cluster-policy-priority",
    severity: Severity::Error,
    category: Category::Validation,
    since: "0.1.0",
    summary: "an AdminNetworkPolicy or ClusterNetworkPolicy has a `priority` from 0 to 1000",
};

pub(crate) const INVALID_CLUSTER_POLICY_PRIORITY_DOCS: &str = r#"
## What it flags
An `AdminNetworkPolicy` or a `ClusterNetworkPolicy` without `spec.priority`, or with a priority
below 0 or above 1000.

## Why it matters
The API server rejects the object: `spec.priority: Invalid value: 1001: spec.priority in body
should be less than or equal to 1000` (or `Required value`). Priorities order the admin tier:
lower numbers are evaluated first.

## Example
```yaml
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: protect-sensitive}
spec:
  priority: 5000
  subject: {namespaces: {matchLabels: {tier: sensitive}}}
  ingress:
  - {action: Deny, from: [{namespaces: {}}]}
```

## How to fix
Use a priority from 0 to 1000; leave room between policies for later ones:
```yaml
  priority: 50
```
"#;

/// `NF030`: a list shorter or longer than the CRD allows.
pub(crate) const INVALID_CLUSTER_POLICY_LIST_LENGTH: RuleMeta = RuleMeta {
    id: "NF030",
    name: "invalid-cluster-policy-list-length",
    severity: Severity::Error,
    category: Category::Validation,
    since: "0.1.0",
    summary: "rules, peers, ports, networks and domain names of a cluster-scoped policy are within their list limits",
};

pub(crate) const INVALID_CLUSTER_POLICY_LIST_LENGTH_DOCS: &str = r#"
## What it flags
A list of a cluster-scoped policy outside its limits: more than 25 `ingress` or `egress` rules,
peers (`from`, `to`) or `protocols` in a v1alpha2 `ClusterNetworkPolicy` (100 in v1alpha1
`AdminNetworkPolicy` and `BaselineAdminNetworkPolicy`, also for `ports`); more than 25
`networks` or `domainNames` in a peer; or an empty `from`, `to`, `ports`, `protocols`,
`networks` or `domainNames` (each needs at least one entry).

## Why it matters
The API server rejects the object: `spec.egress: Too many: 26: must have at most 25 items`, or
`spec.ingress[0].from: Invalid value: 0: spec.ingress[0].from in body should have at least 1
items`. An empty `ports` list does not mean "every port": leave the field out for that.

## Example
```yaml
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: platform}
spec:
  tier: Admin
  priority: 10
  subject: {namespaces: {}}
  ingress:
  - {action: Accept, from: []}
```

## How to fix
Name at least one peer (`namespaces: {}` for every pod), leave optional lists out instead of
empty, and split long lists across rules or policies.
```yaml
  - {action: Accept, from: [{namespaces: {matchLabels: {team: platform}}}]}
```
"#;

/// `NF031`: a BaselineAdminNetworkPolicy not named `default`.
pub(crate) const BASELINE_POLICY_NOT_DEFAULT: RuleMeta = RuleMeta {
    id: "NF031",
    name: "baseline-policy-not-default",
    severity: Severity::Error,
    category: Category::Validation,
    since: "0.1.0",
    summary: "a BaselineAdminNetworkPolicy is named `default`",
};

pub(crate) const BASELINE_POLICY_NOT_DEFAULT_DOCS: &str = r#"
## What it flags
A v1alpha1 `BaselineAdminNetworkPolicy` whose `metadata.name` is not `default`.

## Why it matters
The API server rejects it: `Only one baseline admin network policy with metadata.name="default"
can be created in the cluster`. The baseline is a singleton in v1alpha1; v1alpha2
`ClusterNetworkPolicy` with `tier: Baseline` allows several, ordered by priority.

## Example
```yaml
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {name: cluster-baseline}
spec:
  subject: {namespaces: {}}
  ingress:
  - {action: Deny, from: [{namespaces: {}}]}
```

## How to fix
Name it `default`, and merge other baselines into it:
```yaml
metadata: {name: default}
```
"#;

/// `NF032`: an action the tier or version does not have.
pub(crate) const INVALID_CLUSTER_POLICY_ACTION: RuleMeta = RuleMeta {
    id: "NF032",
    name: "invalid-cluster-policy-action",
    severity: Severity::Error,
    category: Category::Validation,
    since: "0.1.0",
    summary: "rule actions are `Allow`/`Deny`/`Pass` (v1alpha1 admin), `Allow`/`Deny` (baseline), `Accept`/`Deny`/`Pass` (v1alpha2)",
};

pub(crate) const INVALID_CLUSTER_POLICY_ACTION_DOCS: &str = r#"
## What it flags
A rule whose `action` is missing or not one its kind accepts: `Allow`, `Deny` or `Pass` in an
`AdminNetworkPolicy`; `Allow` or `Deny` in a `BaselineAdminNetworkPolicy`; `Accept`, `Deny` or
`Pass` in a v1alpha2 `ClusterNetworkPolicy`. Values are case-sensitive. `Allow` in v1alpha2
gets `Accept` as the fix, and `Accept` in v1alpha1 gets `Allow`.

## Why it matters
The API server rejects the object: `spec.ingress[0].action: Unsupported value: "Allow":
supported values: "Accept", "Deny", "Pass"`. v1alpha2 renamed `Allow` to `Accept` when it
replaced AdminNetworkPolicy, so policies converted by hand often keep the old word.

## Example
```yaml
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: platform}
spec:
  tier: Admin
  priority: 10
  subject: {namespaces: {}}
  ingress:
  - {action: Allow, from: [{namespaces: {matchLabels: {team: platform}}}]}
```

## How to fix
Use the word of the policy's version:
```yaml
  - {action: Accept, from: [{namespaces: {matchLabels: {team: platform}}}]}
```
"#;

/// `NF033`: a subject or peer with no field or several, or an egress-only peer in ingress.
pub(crate) const INVALID_CLUSTER_POLICY_PEER: RuleMeta = RuleMeta {
    id: "NF033",
    name: "invalid-cluster-policy-peer",
    severity: Severity::Error,
    category: Category::Validation,
    since: "0.1.0",
    summary: "a subject or peer sets exactly one field, and `nodes`, `networks`, `domainNames` only in egress",
};

pub(crate) const INVALID_CLUSTER_POLICY_PEER_DOCS: &str = r#"
## What it flags
A `subject` or a peer (`from`, `to`) of a cluster-scoped policy that sets no field or more than
one (`namespaces`, `pods`, and for egress peers `nodes`, `networks`, `domainNames`); an
ingress peer with `nodes`, `networks` or `domainNames` (egress only); `domainNames` in a
`BaselineAdminNetworkPolicy`, which does not have it; `pods` without `podSelector` (and in
v1alpha1 without `namespaceSelector`).

## Why it matters
The API server rejects the object (`must have at most 1 items` on the peer's properties,
`Required value`, or `unknown field` with strict field validation). A peer with two fields is
not "both": write two peers.

## Example
```yaml
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: dns}
spec:
  priority: 10
  subject: {namespaces: {}}
  egress:
  - action: Allow
    to:
    - namespaces: {matchLabels: {kubernetes.io/metadata.name: kube-system}}
      networks: [10.96.0.10/32]
```

## How to fix
One field per peer:
```yaml
    to:
    - namespaces: {matchLabels: {kubernetes.io/metadata.name: kube-system}}
    - networks: [10.96.0.10/32]
```
"#;

/// `NF034`: a `networks` entry that is not a CIDR.
pub(crate) const INVALID_CLUSTER_POLICY_CIDR: RuleMeta = RuleMeta {
    id: "NF034",
    name: "invalid-cluster-policy-cidr",
    severity: Severity::Error,
    category: Category::Validation,
    since: "0.1.0",
    summary: "`networks` entries are IPv4 or IPv6 CIDRs of at most 43 characters",
};

pub(crate) const INVALID_CLUSTER_POLICY_CIDR_DOCS: &str = r#"
## What it flags
An entry of a `networks` peer that is not a CIDR (an address with a `/` and a prefix length
of its family), has leading zeros, or is longer than 43 characters. A single address gets the
`/32` (or `/128`) form as the fix.

## Why it matters
The API server rejects the object: `Invalid CIDR format provided` (the CRD's `isCIDR` rule).

## Example
```yaml
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: no-metadata-server}
spec:
  priority: 1
  subject: {namespaces: {}}
  egress:
  - {action: Deny, to: [{networks: [169.254.169.254]}]}
```

## How to fix
Write the prefix length:
```yaml
  - {action: Deny, to: [{networks: [169.254.169.254/32]}]}
```
"#;

/// `NF035`: a port outside 1–65535, an empty or reversed range, or a named port towards
/// addresses.
pub(crate) const INVALID_CLUSTER_POLICY_PORT: RuleMeta = RuleMeta {
    id: "NF035",
    name: "invalid-cluster-policy-port",
    severity: Severity::Error,
    category: Category::Validation,
    since: "0.1.0",
    summary: "ports of cluster-scoped policies are 1–65535, ranges are ordered, named ports only towards pods",
};

pub(crate) const INVALID_CLUSTER_POLICY_PORT_DOCS: &str = r#"
## What it flags
In the `ports` (v1alpha1) or `protocols` (v1alpha2) of a rule: a port, range start or range
end outside 1–65535; a v1alpha2 range whose `start` is not below its `end`; an entry that sets
no field or several (`portNumber`, `portRange`, `namedPort`; `tcp`, `udp`, `sctp`,
`destinationNamedPort`; `number`, `range`); a named port in an egress rule whose peers include
`networks`, `nodes` or `domainNames`.

## Why it matters
The API server rejects the object: `Start port must be less than End port`, `should be less
than or equal to 65535`, or `networks/nodes/domainNames peer cannot be set with namedPorts since
there are no namedPorts for networks/nodes/domainNames`.

## Example
```yaml
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: high-ports}
spec:
  tier: Admin
  priority: 20
  subject: {namespaces: {}}
  egress:
  - action: Deny
    to: [{networks: [0.0.0.0/0]}]
    protocols: [{tcp: {destinationPort: {range: {start: 9000, end: 8000}}}}]
```

## How to fix
Order the range (`start` below `end`; a single port is `number`):
```yaml
    protocols: [{tcp: {destinationPort: {range: {start: 8000, end: 9000}}}}]
```
"#;

/// `NF036`: a `domainNames` entry that is not a domain name.
pub(crate) const INVALID_DOMAIN_NAME: RuleMeta = RuleMeta {
    id: "NF036",
    name: "invalid-domain-name",
    severity: Severity::Error,
    category: Category::Validation,
    since: "0.1.0",
    summary: "`domainNames` are domain names, with an optional leading `*.`",
};

pub(crate) const INVALID_DOMAIN_NAME_DOCS: &str = r#"
## What it flags
An entry of a `domainNames` peer that does not match the CRD's pattern: labels of letters,
digits, `-` and `_` (not starting or ending with `-` or `_`) separated by dots, at least two
labels, an optional `*.` in front and an optional final dot. A URL (`https://...`) or a name
with a path gets the bare name as the fix.

## Why it matters
The API server rejects the object (`should match '^(\*\.)?...'`). netfence cannot resolve domain
names offline either way: rules with them are reported by `NF-W004` in connectivity answers.

## Example
```yaml
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: github}
spec:
  tier: Admin
  priority: 30
  subject: {namespaces: {}}
  egress:
  - {action: Accept, to: [{domainNames: ['https://github.com/']}]}
```

## How to fix
Write the host name only:
```yaml
  - {action: Accept, to: [{domainNames: [github.com]}]}
```
"#;

/// `NF037`: a ClusterNetworkPolicy whose `tier` is not `Admin` or `Baseline`.
pub(crate) const INVALID_CLUSTER_POLICY_TIER: RuleMeta = RuleMeta {
    id: "NF037",
    name: "invalid-cluster-policy-tier",
    severity: Severity::Error,
    category: Category::Validation,
    since: "0.1.0",
    summary: "a ClusterNetworkPolicy's `tier` is `Admin` or `Baseline`",
};

pub(crate) const INVALID_CLUSTER_POLICY_TIER_DOCS: &str = r#"
## What it flags
A v1alpha2 `ClusterNetworkPolicy` without `spec.tier`, or whose tier is not `Admin` or
`Baseline` (case-sensitive: `admin` gets `Admin` as the fix).

## Why it matters
The API server rejects the object: `spec.tier: Unsupported value: "admin": supported values:
"Admin", "Baseline"`. The tier decides whether the policy is evaluated before NetworkPolicies
(`Admin`) or after them (`Baseline`); netfence does not evaluate a policy without one.

## Example
```yaml
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: platform}
spec:
  tier: admin
  priority: 10
  subject: {namespaces: {}}
  ingress:
  - {action: Accept, from: [{namespaces: {matchLabels: {team: platform}}}]}
```

## How to fix
```yaml
  tier: Admin
```
"#;

/// `NF038`: a field the kind's schema does not have.
pub(crate) const UNKNOWN_CLUSTER_POLICY_FIELD: RuleMeta = RuleMeta {
    id: "NF038",
    name: "unknown-cluster-policy-field",
    severity: Severity::Error,
    category: Category::Validation,
    since: "0.1.0",
    summary: "fields of a cluster-scoped policy are part of its kind's schema",
};

pub(crate) const UNKNOWN_CLUSTER_POLICY_FIELD_DOCS: &str = r#"
## What it flags
A field in the `spec`, `subject`, a rule, or a port entry of a cluster-scoped policy that its
kind and version do not have: `priority` in a `BaselineAdminNetworkPolicy`, `tier` outside
v1alpha2, `ports` in a v1alpha2 rule (it has `protocols`) or `protocols` in a v1alpha1 rule, a
misspelt key. The fix names the field meant when one is near.

## Why it matters
With strict field validation (what `kubectl apply` sends) the API server rejects the object:
`strict decoding error: unknown field "spec.priority"`; without it the field is dropped
silently, and the policy does something other than what it says.

## Example
```yaml
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {name: default}
spec:
  priority: 100
  subject: {namespaces: {}}
  ingress:
  - {action: Deny, from: [{namespaces: {}}]}
```

## How to fix
Remove the field (the baseline has no priority in v1alpha1), or write the policy as a v1alpha2
`ClusterNetworkPolicy` with `tier: Baseline`, which has one.
```yaml
spec:
  subject: {namespaces: {}}
```
"#;

/// `NF039`: a rule name longer than 100 characters.
pub(crate) const CLUSTER_POLICY_RULE_NAME_TOO_LONG: RuleMeta = RuleMeta {
    id: "NF039",
    name: "cluster-policy-rule-name-too-long",
    severity: Severity::Error,
    category: Category::Validation,
    since: "0.1.0",
    summary: "rule names of cluster-scoped policies have at most 100 characters",
};

pub(crate) const CLUSTER_POLICY_RULE_NAME_TOO_LONG_DOCS: &str = r#"
## What it flags
The `name` of an ingress or egress rule of a cluster-scoped policy longer than 100 bytes.

## Why it matters
The API server rejects the object: `spec.ingress[0].name: Too long: may not be more than 100
bytes`. Rule names appear in explanations and in the policy's status; a short name that says
what the rule is for is easier to read there.

## Example
```yaml
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: platform}
spec:
  tier: Admin
  priority: 10
  subject: {namespaces: {}}
  ingress:
  - name: allow-monitoring-from-the-platform-team-namespaces-to-every-pod-on-the-metrics-port-agreed-in-the-2024-review
    action: Accept
    from: [{namespaces: {matchLabels: {team: platform}}}]
```

## How to fix
Shorten it (and keep the long story in an annotation):
```yaml
  - name: allow-platform-monitoring
```
"#;

/// The fields of each part of a cluster-scoped policy, per kind.
fn known_fields(part: &str, kind: &str) -> &'static [&'static str] {
    let v2 = kind == "ClusterNetworkPolicy";
    match part {
        "spec" if v2 => &["tier", "priority", "subject", "ingress", "egress"],
        "spec" if kind == "BaselineAdminNetworkPolicy" => &["subject", "ingress", "egress"],
        "spec" => &["priority", "subject", "ingress", "egress"],
        "ingress" if v2 => &["name", "action", "from", "protocols"],
        "egress" if v2 => &["name", "action", "to", "protocols"],
        "ingress" => &["name", "action", "from", "ports"],
        "egress" => &["name", "action", "to", "ports"],
        "port" => &["portNumber", "portRange", "namedPort"],
        "portNumber" => &["protocol", "port"],
        "portRange" => &["protocol", "start", "end"],
        "protocol" => &["tcp", "udp", "sctp", "destinationNamedPort"],
        "transport" => &["destinationPort"],
        "destinationPort" => &["number", "range"],
        "range" => &["start", "end"],
        _ => &[],
    }
}

fn check_fields(ctx: &mut ClusterCtx<'_>, node: Option<&Node>, pointer: &str, part: &str) {
    let Some(node) = node else { return };
    let kind = ctx.resource.policy.kind.clone();
    let known = known_fields(part, &kind);
    for key in keys(node) {
        if known.contains(&key) {
            continue;
        }
        let fix = crate::suggest::closest(key, known.iter().copied());
        let help = fix.map_or_else(
            || {
                format!(
                    "remove it; `{part}` has {}",
                    known.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
                )
            },
            |f| format!("did you mean `{f}`?"),
        );
        let draft: Draft = UNKNOWN_CLUSTER_POLICY_FIELD.finding(
            ctx.resource.source.locate_key(pointer, key),
            format!("unknown field `{key}` in `{part}` of a `{kind}`"),
            help,
        );
        let mut finding = draft.finding;
        finding.resource = Some(ctx.name.clone());
        ctx.findings.push(finding);
    }
}

/// Findings of one cluster-scoped policy.
struct ClusterCtx<'a> {
    resource: &'a ClusterPolicyResource,
    name: String,
    findings: Vec<Finding>,
}

impl ClusterCtx<'_> {
    fn report(&mut self, rule: &RuleMeta, pointer: &str, message: String, help: &str, fix: Option<String>) {
        let draft: Draft = rule.finding(self.resource.source.locate(pointer), message, help);
        let mut finding = draft.fix(fix).finding;
        finding.resource = Some(self.name.clone());
        self.findings.push(finding);
    }
}

/// The mapping entries of `node` (none when it is not a mapping).
fn keys(node: &Node) -> Vec<&str> {
    match &node.value {
        Value::Map(entries) => entries.iter().map(|(k, _)| k.name.as_str()).collect(),
        _ => Vec::new(),
    }
}

fn items(node: Option<&Node>) -> &[Node] {
    match node.map(|n| &n.value) {
        Some(Value::Seq(items)) => items,
        _ => &[],
    }
}

fn int(node: Option<&Node>) -> Option<i128> {
    match node.map(|n| &n.value) {
        Some(Value::Int(i)) => Some(*i),
        _ => None,
    }
}

/// Whether `text` matches the CRD's domain name pattern
/// `^(\*\.)?([a-zA-z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.)+[a-zA-z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.?$`
/// (its `A-z` admits the ASCII characters between `Z` and `a` as a label's first character).
fn is_domain_name(text: &str) -> bool {
    let text = text.strip_prefix("*.").unwrap_or(text);
    let text = text.strip_suffix('.').unwrap_or(text);
    let labels: Vec<&str> = text.split('.').collect();
    let first = |c: char| c.is_ascii_alphanumeric() || ('Z'..='a').contains(&c);
    let inner = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    labels.len() >= 2
        && labels.iter().all(|label| {
            let mut chars = label.chars();
            let Some(head) = chars.next() else { return false };
            let rest: Vec<char> = chars.collect();
            first(head) && rest.iter().all(|c| inner(*c)) && rest.last().is_none_or(|c| c.is_ascii_alphanumeric())
        })
}

/// The bare host of a URL-like domain entry, when that is a valid domain name.
fn domain_fix(text: &str) -> Option<String> {
    let host = text.split_once("://").map_or(text, |(_, rest)| rest);
    let host = host.split(['/', ':', '?']).next().unwrap_or(host).to_ascii_lowercase();
    (host != text && is_domain_name(&host)).then(|| yaml_string(&host))
}

struct Limits {
    v2: bool,
    /// rules, peers, ports/protocols
    list: usize,
}

fn check_length(ctx: &mut ClusterCtx<'_>, node: Option<&Node>, pointer: &str, max: usize) {
    let Some(node) = node else { return };
    let Value::Seq(list) = &node.value else { return };
    if list.is_empty() {
        ctx.report(
            &INVALID_CLUSTER_POLICY_LIST_LENGTH,
            pointer,
            format!("`{}` is empty: it needs at least one entry", pointer.rsplit('/').next().unwrap_or(pointer)),
            "add an entry, or leave the field out where it is optional",
            None,
        );
    } else if list.len() > max {
        ctx.report(
            &INVALID_CLUSTER_POLICY_LIST_LENGTH,
            pointer,
            format!("`{}` has {} entries, more than {max}", pointer.rsplit('/').next().unwrap_or(pointer), list.len()),
            "split the list across rules or policies",
            None,
        );
    }
}

fn check_selector_pair(ctx: &mut ClusterCtx<'_>, pods: &Node, pointer: &str, v2: bool) {
    let required: &[&str] = if v2 { &["podSelector"] } else { &["namespaceSelector", "podSelector"] };
    for key in required {
        if pods.get(key).is_none() {
            ctx.report(
                &INVALID_CLUSTER_POLICY_PEER,
                pointer,
                format!("`pods` has no `{key}`"),
                "write `{}` to select every namespace or pod",
                None,
            );
        }
    }
}

fn check_peer(ctx: &mut ClusterCtx<'_>, peer: &Node, pointer: &str, egress: bool, kind: &str, limits: &Limits) {
    let fields = keys(peer);
    let allowed: &[&str] = match (egress, kind) {
        (false, _) => &["namespaces", "pods"],
        (true, "BaselineAdminNetworkPolicy") => &["namespaces", "pods", "nodes", "networks"],
        (true, _) => &["namespaces", "pods", "nodes", "networks", "domainNames"],
    };
    let side = if egress { "egress" } else { "ingress" };
    for field in &fields {
        if !allowed.contains(field) {
            ctx.report(
                &INVALID_CLUSTER_POLICY_PEER,
                &format!("{pointer}/{field}"),
                format!("`{field}` is not a field of {side} peers of `{kind}`"),
                &format!("use one of {}", allowed.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", ")),
                None,
            );
        }
    }
    if fields.len() != 1 {
        let message = if fields.is_empty() {
            "peer sets no field: it must set exactly one".to_owned()
        } else {
            format!("peer sets {} fields ({}): it must set exactly one", fields.len(), fields.join(", "))
        };
        ctx.report(&INVALID_CLUSTER_POLICY_PEER, pointer, message, "write one peer per field", None);
    }
    if let Some(pods) = peer.get("pods") {
        check_selector_pair(ctx, pods, &format!("{pointer}/pods"), limits.v2);
    }
    let networks = peer.get("networks");
    check_length(ctx, networks, &format!("{pointer}/networks"), 25);
    for (i, cidr) in items(networks).iter().enumerate() {
        let at = format!("{pointer}/networks/{i}");
        let text = cidr.as_str().unwrap_or_default();
        let parsed = Cidr::parse(text).filter(|c| !c.leading_zeros && !text.trim().is_empty() && text == text.trim());
        if parsed.is_none() || text.len() > 43 || !text.contains('/') {
            let fix = (!text.contains('/'))
                .then(|| text.parse::<std::net::IpAddr>().ok())
                .flatten()
                .map(|ip| yaml_string(&format!("{ip}/{}", if ip.is_ipv4() { 32 } else { 128 })));
            ctx.report(
                &INVALID_CLUSTER_POLICY_CIDR,
                &at,
                format!("`{text}` is not a CIDR"),
                "write an address and a prefix length, e.g. `10.0.0.0/8` or `fd00::/8`",
                fix,
            );
        }
    }
    let domains = peer.get("domainNames");
    check_length(ctx, domains, &format!("{pointer}/domainNames"), 25);
    for (i, name) in items(domains).iter().enumerate() {
        let text = name.as_str().unwrap_or_default();
        if !is_domain_name(text) {
            ctx.report(
                &INVALID_DOMAIN_NAME,
                &format!("{pointer}/domainNames/{i}"),
                format!("`{text}` is not a domain name"),
                "write a host name such as `example.com` or `*.example.com`",
                domain_fix(text),
            );
        }
    }
}

fn check_port_number(ctx: &mut ClusterCtx<'_>, node: Option<&Node>, pointer: &str) {
    if let Some(n) = int(node)
        && !(1..=65535).contains(&n)
    {
        ctx.report(
            &INVALID_CLUSTER_POLICY_PORT,
            pointer,
            format!("port `{n}` is not between 1 and 65535"),
            "use a port number from 1 to 65535",
            None,
        );
    }
}

fn one_field(ctx: &mut ClusterCtx<'_>, node: &Node, pointer: &str, what: &str) {
    let fields = keys(node);
    if fields.len() != 1 {
        ctx.report(
            &INVALID_CLUSTER_POLICY_PORT,
            pointer,
            format!("{what} sets {} fields: it must set exactly one", fields.len()),
            "write one entry per port, range or name",
            None,
        );
    }
}

fn check_ports(ctx: &mut ClusterCtx<'_>, rule: &Node, pointer: &str, limits: &Limits) -> bool {
    let mut named = false;
    if limits.v2 {
        let protocols = rule.get("protocols");
        check_length(ctx, protocols, &format!("{pointer}/protocols"), limits.list);
        for (i, entry) in items(protocols).iter().enumerate() {
            let at = format!("{pointer}/protocols/{i}");
            one_field(ctx, entry, &at, "protocol entry");
            check_fields(ctx, Some(entry), &at, "protocol");
            for protocol in ["tcp", "udp", "sctp"] {
                let transport = entry.get(protocol);
                check_fields(ctx, transport, &format!("{at}/{protocol}"), "transport");
                let destination = transport.and_then(|t| t.get("destinationPort"));
                check_fields(ctx, destination, &format!("{at}/{protocol}/destinationPort"), "destinationPort");
                let range = destination.and_then(|d| d.get("range"));
                check_fields(ctx, range, &format!("{at}/{protocol}/destinationPort/range"), "range");
            }
            named |= entry.get("destinationNamedPort").is_some();
            for protocol in ["tcp", "udp", "sctp"] {
                if let Some(transport) = entry.get(protocol)
                    && keys(transport).is_empty()
                {
                    ctx.report(
                        &INVALID_CLUSTER_POLICY_PORT,
                        &format!("{at}/{protocol}"),
                        format!("`{protocol}` sets no `destinationPort`"),
                        "name a port (`number`) or a range (`range: {start: 1, end: 65535}` for every port)",
                        None,
                    );
                }
                let Some(destination) = entry.get(protocol).and_then(|p| p.get("destinationPort")) else { continue };
                let at = format!("{at}/{protocol}/destinationPort");
                one_field(ctx, destination, &at, "`destinationPort`");
                check_port_number(ctx, destination.get("number"), &format!("{at}/number"));
                if let Some(range) = destination.get("range") {
                    let (start, end) = (int(range.get("start")), int(range.get("end")));
                    check_port_number(ctx, range.get("start"), &format!("{at}/range/start"));
                    check_port_number(ctx, range.get("end"), &format!("{at}/range/end"));
                    if let (Some(s), Some(e)) = (start, end)
                        && s >= e
                    {
                        let fix = (s > e).then(|| format!("{{start: {e}, end: {s}}}"));
                        ctx.report(
                            &INVALID_CLUSTER_POLICY_PORT,
                            &format!("{at}/range"),
                            format!("range start `{s}` is not below its end `{e}`"),
                            "put the lower port in `start`; a single port is `number`",
                            fix,
                        );
                    }
                }
            }
        }
    } else {
        let ports = rule.get("ports");
        check_length(ctx, ports, &format!("{pointer}/ports"), limits.list);
        for (i, entry) in items(ports).iter().enumerate() {
            let at = format!("{pointer}/ports/{i}");
            one_field(ctx, entry, &at, "port entry");
            check_fields(ctx, Some(entry), &at, "port");
            check_fields(ctx, entry.get("portNumber"), &format!("{at}/portNumber"), "portNumber");
            check_fields(ctx, entry.get("portRange"), &format!("{at}/portRange"), "portRange");
            named |= entry.get("namedPort").is_some();
            if let Some(number) = entry.get("portNumber") {
                check_port_number(ctx, number.get("port"), &format!("{at}/portNumber/port"));
            }
            if let Some(range) = entry.get("portRange") {
                check_port_number(ctx, range.get("start"), &format!("{at}/portRange/start"));
                check_port_number(ctx, range.get("end"), &format!("{at}/portRange/end"));
            }
        }
    }
    named
}

fn check_rule(ctx: &mut ClusterCtx<'_>, rule: &Node, pointer: &str, egress: bool, kind: &str, limits: &Limits) {
    let actions: &[&str] = match kind {
        "BaselineAdminNetworkPolicy" => &["Allow", "Deny"],
        "ClusterNetworkPolicy" => &["Accept", "Deny", "Pass"],
        _ => &["Allow", "Deny", "Pass"],
    };
    let action = rule.get("action").and_then(Node::as_str);
    if !action.is_some_and(|a| actions.contains(&a)) {
        let written = action.unwrap_or_default();
        let fix = match (written, limits.v2) {
            ("Allow", true) if actions.contains(&"Accept") => Some("Accept"),
            ("Accept", false) => Some("Allow"),
            (other, _) => actions.iter().copied().find(|a| a.eq_ignore_ascii_case(other)),
        };
        let supported = actions.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ");
        let (at, message) = match action {
            Some(a) => (format!("{pointer}/action"), format!("action `{a}` is not supported by a `{kind}`")),
            None => (pointer.to_owned(), "rule has no `action`".to_owned()),
        };
        ctx.report(&INVALID_CLUSTER_POLICY_ACTION, &at, message, &format!("use {supported}"), fix.map(yaml_string));
    }
    check_fields(ctx, Some(rule), pointer, if egress { "egress" } else { "ingress" });
    if let Some(name) = rule.get("name").and_then(Node::as_str)
        && name.len() > 100
    {
        ctx.report(
            &CLUSTER_POLICY_RULE_NAME_TOO_LONG,
            &format!("{pointer}/name"),
            format!("rule name has {} characters, more than 100", name.len()),
            "shorten it; keep longer notes in an annotation",
            None,
        );
    }
    let key = if egress { "to" } else { "from" };
    let peers = rule.get(key);
    if peers.is_none() {
        ctx.report(
            &INVALID_CLUSTER_POLICY_LIST_LENGTH,
            pointer,
            format!("rule has no `{key}`: it needs at least one peer"),
            "add a peer (`namespaces: {}` for every pod)",
            None,
        );
    }
    check_length(ctx, peers, &format!("{pointer}/{key}"), limits.list);
    let mut addresses = false;
    for (i, peer) in items(peers).iter().enumerate() {
        addresses |= ["networks", "nodes", "domainNames"].iter().any(|f| peer.get(f).is_some());
        check_peer(ctx, peer, &format!("{pointer}/{key}/{i}"), egress, kind, limits);
    }
    let named = check_ports(ctx, rule, pointer, limits);
    if egress && named && addresses {
        let field = if limits.v2 { "protocols" } else { "ports" };
        ctx.report(
            &INVALID_CLUSTER_POLICY_PORT,
            &format!("{pointer}/{field}"),
            "a named port cannot be used with `networks`, `nodes` or `domainNames` peers: they have no named ports"
                .to_owned(),
            "use port numbers, or move the pod peers with the named port to their own rule",
            None,
        );
    }
}

/// `metadata.name`: present, and a DNS-1123 subdomain (`NF004`, `NF005`, as for NetworkPolicies).
fn check_name(ctx: &mut ClusterCtx<'_>, node: &Node) {
    let meta = node.get("metadata");
    let name = meta.and_then(|m| m.get("name")).and_then(Node::as_str).filter(|n| !n.is_empty());
    let generate = meta.and_then(|m| m.get("generateName")).and_then(Node::as_str).filter(|n| !n.is_empty());
    match name {
        Some(name) => {
            if let Some(problem) = super::syntax::dns1123_subdomain_problem(name) {
                let fix = super::syntax::dns_repair(name, true);
                let help = fix.as_deref().map_or_else(
                    || "use lowercase letters, digits, `-` and `.`".to_owned(),
                    |f| format!("did you mean `{f}`?"),
                );
                ctx.report(
                    &super::names::INVALID_NAME,
                    "/metadata/name",
                    format!("name `{name}` {problem}"),
                    &help,
                    fix,
                );
            }
        }
        None if generate.is_none() => {
            let at = if meta.is_some() { "/metadata" } else { "" };
            ctx.report(
                &super::names::MISSING_NAME,
                at,
                "policy has no `metadata.name`".to_owned(),
                "name the policy: cluster-scoped policies are referred to by name",
                None,
            );
        }
        None => {}
    }
}

/// Validates one cluster-scoped policy as the API server would (with its CRD).
#[must_use]
pub(crate) fn validate_cluster_policy(resource: &ClusterPolicyResource) -> Vec<Finding> {
    let policy = &resource.policy;
    let kind = policy.kind.as_str();
    let mut ctx = ClusterCtx { resource, name: policy.resource(), findings: Vec::new() };
    let node = resource.source.node();
    let v2 = kind == "ClusterNetworkPolicy";
    let limits = Limits { v2, list: if v2 { 25 } else { 100 } };
    if kind == "BaselineAdminNetworkPolicy" && policy.name != "default" {
        let at = if node.get("metadata").and_then(|m| m.get("name")).is_some() { "/metadata/name" } else { "" };
        ctx.report(
            &BASELINE_POLICY_NOT_DEFAULT,
            at,
            format!("a `BaselineAdminNetworkPolicy` is named `{}`: it must be `default`", policy.name),
            "the baseline is a singleton: name it `default` and merge other baselines into it",
            Some("default".to_owned()),
        );
    }
    check_name(&mut ctx, node);
    let Some(spec) = node.get("spec").filter(|s| matches!(s.value, Value::Map(_))) else {
        ctx.report(
            &INVALID_CLUSTER_POLICY_PEER,
            "",
            "policy has no `spec`".to_owned(),
            "write a `spec` with a `subject`",
            None,
        );
        return ctx.findings;
    };
    check_fields(&mut ctx, Some(spec), "/spec", "spec");
    if v2 {
        let tier = spec.get("tier").and_then(Node::as_str);
        if !matches!(tier, Some("Admin" | "Baseline")) {
            let fix = tier.and_then(|t| ["Admin", "Baseline"].into_iter().find(|a| a.eq_ignore_ascii_case(t)));
            let (at, message) = match tier {
                Some(t) => ("/spec/tier", format!("tier `{t}` is not supported")),
                None => ("/spec", "policy has no `tier`".to_owned()),
            };
            ctx.report(&INVALID_CLUSTER_POLICY_TIER, at, message, "use `Admin` or `Baseline`", fix.map(yaml_string));
        }
    }
    if kind != "BaselineAdminNetworkPolicy" {
        match spec.get("priority") {
            None => ctx.report(
                &INVALID_CLUSTER_POLICY_PRIORITY,
                "/spec",
                "policy has no `priority`".to_owned(),
                "set a priority from 0 to 1000 (lower first)",
                None,
            ),
            Some(p) => {
                if let Some(n) = int(Some(p))
                    && !(0..=1000).contains(&n)
                {
                    let fix = Some(n.clamp(0, 1000).to_string());
                    ctx.report(
                        &INVALID_CLUSTER_POLICY_PRIORITY,
                        "/spec/priority",
                        format!("priority `{n}` is not between 0 and 1000"),
                        "use a priority from 0 to 1000 (lower first)",
                        fix,
                    );
                }
            }
        }
    }
    match spec.get("subject") {
        None => ctx.report(
            &INVALID_CLUSTER_POLICY_PEER,
            "/spec",
            "policy has no `subject`".to_owned(),
            "select the pods it applies to: `subject: {namespaces: {}}` for every pod",
            None,
        ),
        Some(subject) => {
            let fields = keys(subject);
            if fields.len() != 1 || !fields.iter().all(|f| matches!(*f, "namespaces" | "pods")) {
                ctx.report(
                    &INVALID_CLUSTER_POLICY_PEER,
                    "/spec/subject",
                    format!("`subject` sets {} fields: it must set exactly one of `namespaces`, `pods`", fields.len()),
                    "select by `namespaces` or by `pods`, not both",
                    None,
                );
            }
            if let Some(pods) = subject.get("pods") {
                check_selector_pair(&mut ctx, pods, "/spec/subject/pods", v2);
            }
        }
    }
    for (key, egress) in [("ingress", false), ("egress", true)] {
        let rules = spec.get(key);
        if let Some(Value::Seq(list)) = rules.map(|r| &r.value)
            && list.len() > limits.list
        {
            check_length(&mut ctx, rules, &format!("/spec/{key}"), limits.list);
        }
        for (i, rule) in items(rules).iter().enumerate() {
            check_rule(&mut ctx, rule, &format!("/spec/{key}/{i}"), egress, kind, &limits);
        }
    }
    let mut findings = ctx.findings;
    findings.sort_by_key(|f| f.location.as_ref().map(|l| (l.line, l.column)));
    findings
}

/// Validates every cluster-scoped policy of a resource set, in input order.
#[must_use]
pub(crate) fn validate_cluster_policies(set: &ResourceSet) -> Vec<Finding> {
    set.cluster_policies.iter().flat_map(validate_cluster_policy).collect()
}

#[cfg(test)]
mod tests {
    use super::is_domain_name;

    #[test]
    fn domain_names_follow_the_crd_pattern() {
        for ok in ["example.com", "*.example.com", "a.b.c.", "my_host.example.org", "x1.y2"] {
            assert!(is_domain_name(ok), "{ok}");
        }
        for bad in ["example", "https://example.com", "-a.com", "a-.com", "*.", "a..b", "*.*.a.com", ""] {
            assert!(!is_domain_name(bad), "{bad}");
        }
    }
}
