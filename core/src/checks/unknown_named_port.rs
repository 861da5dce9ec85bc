//! `NF304 unknown-named-port`: a named port that no destination of the rule defines (or
//! defines only with another protocol).

use crate::sorted::btree_set;
use std::collections::BTreeSet;

use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::context::{PolicyRule, list};
use super::{Category, Check, CheckContext, Draft};
use crate::checks::InPolicy;
use crate::engine::Direction;
use crate::inventory::PolicyResource;
use crate::model::Protocol;
use crate::model::RuleMeta;
use crate::model::Severity;
use crate::source::yaml_write::yaml_string;
use crate::suggest::closest;

const META: RuleMeta = RuleMeta {
    id: "NF304",
    name: "unknown-named-port",
    severity: Severity::Warning,
    category: Category::Ineffective,
    since: "0.1.0",
    summary: "a named port is defined by none of the rule's destinations, or with another protocol",
};

const DOCS: &str = r#"
## What it flags
A port given by name (`port: http`) that none of the rule's destinations defines as a
container port with the same protocol: for an ingress rule the pods the policy selects, for
an egress rule the pods its peers match. Also a named port in an egress rule whose peers are
only `ipBlock`s: a name never resolves on an address outside the cluster.

## Why it matters
A named port resolves against each destination's container ports, by name *and* protocol. A
name nobody defines — or defines as UDP while the rule says TCP (the default) — matches no
port at all: the rule allows nothing.

## Example
```yaml
ingress:
- ports:
  - port: dns           # protocol defaults to TCP; the pods define `dns` as UDP 53
```

## How to fix
Use the name the container ports define (the suggested fix), set the protocol the container
port has, or give the port by number.
"#;

pub(super) const CHECK: Check = Check { meta: META, docs: DOCS, run };

fn run(ctx: &CheckContext<'_>, out: &mut Vec<Draft>) {
    for (i, policy) in ctx.policies() {
        for rule in ctx.rules(policy) {
            check_rule(ctx, i, policy, &rule, out);
        }
    }
}

fn check_rule(
    ctx: &CheckContext<'_>,
    index: usize,
    policy: &PolicyResource,
    rule: &PolicyRule<'_>,
    out: &mut Vec<Draft>,
) {
    let named: Vec<(usize, &str, Option<Protocol>)> = rule
        .rule
        .ports
        .iter()
        .enumerate()
        .filter_map(|(j, p)| match &p.port {
            Some(IntOrString::String(name)) => {
                Some((j, name.as_str(), p.protocol.as_deref().map_or(Some(Protocol::Tcp), Protocol::parse)))
            }
            _ => None,
        })
        .collect();
    if named.is_empty() {
        return;
    }
    let peers = rule.rule.peers;
    let destinations: BTreeSet<usize> = match rule.direction {
        Direction::Ingress => btree_set(ctx.selected_endpoints(index).iter().copied()),
        Direction::Egress if peers.is_empty() => btree_set(0..ctx.endpoints().len()),
        Direction::Egress => btree_set(peers.iter().flat_map(|p| ctx.peer_endpoints(&policy.namespace, p))),
    };
    let external_only =
        rule.direction == Direction::Egress && !peers.is_empty() && peers.iter().all(|p| p.ip_block.is_some());
    for (j, name, protocol) in named {
        let Some(protocol) = protocol else { continue };
        let at = format!("{}/ports/{j}", rule.rule.pointer);
        if external_only {
            let draft = META.finding(
                policy.source.locate(&format!("{at}/port")),
                format!("named port `{name}` never matches: the rule's peers are all `ipBlock`s, and names resolve only on pods"),
                "give the port by number for destinations outside the cluster",
            );
            out.push(draft.in_policy(index, policy));
            continue;
        }
        let ports: Vec<_> =
            destinations.iter().filter_map(|d| ctx.endpoints().get(*d)).flat_map(|e| e.named_ports.iter()).collect();
        if destinations.is_empty() || ports.iter().any(|p| p.name == name && p.protocol == protocol) {
            continue;
        }
        let side = if rule.direction == Direction::Ingress { "selected pod" } else { "destination" };
        let others: BTreeSet<&str> = btree_set(ports.iter().filter(|p| p.name == name).map(|p| p.protocol.as_str()));
        let draft = if let Some(other) = others.first().filter(|_| others.len() == 1) {
            META.finding(
                policy.source.locate(&format!("{at}/protocol")),
                format!(
                    "named port `{name}` is `{other}` on every {side} that defines it, but the rule says `{}`",
                    protocol.as_str()
                ),
                format!("set `protocol: {other}`, or add the port with this protocol to the containers"),
            )
            .fix(Some((*other).to_owned()))
        } else {
            let names: BTreeSet<&str> =
                btree_set(ports.iter().filter(|p| p.protocol == protocol).map(|p| p.name.as_str()));
            let suggestion = closest(name, names.iter().copied());
            let known: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
            let help = match suggestion {
                Some(s) => format!("did you mean `{s}`?"),
                None if known.is_empty() => {
                    format!("no {side} defines a named {} port; give the port by number", protocol.as_str())
                }
                None => format!("the {side}s define {}", list(&known, 5)),
            };
            META.finding(
                policy.source.locate(&format!("{at}/port")),
                format!("no {side} defines a {} container port named `{name}`", protocol.as_str()),
                help,
            )
            .fix(suggestion.map(yaml_string))
        };
        out.push(draft.in_policy(index, policy));
    }
}
