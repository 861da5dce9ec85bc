//! What every check reads: the resources, the compiled cluster, the configuration, and
//! shared queries on them (endpoints per namespace, what a peer matches, effective rules).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use k8s_openapi::api::networking::v1::NetworkPolicyPeer;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::CheckConfig;
use crate::engine::checks_support::{CoveredRule, LabelMatcher, RuleId, policy_types};
use crate::engine::{CompiledCluster, Direction, Endpoint};
use crate::inventory::{PolicyResource, ResourceSet};
use crate::source::Location;
use crate::validate::suggest::closest;
use crate::validate::walk::{Rule, rules};
use crate::validate::yaml_string;

/// The input of every check.
pub(crate) struct CheckContext<'a> {
    /// The resources.
    pub(crate) resources: &'a ResourceSet,
    /// Their compiled form.
    pub(crate) cluster: &'a CompiledCluster,
    /// The configuration.
    pub(crate) config: &'a CheckConfig,
    endpoints: Vec<&'a Endpoint>,
    /// Every namespace used or defined, with its labels.
    namespaces: Vec<(String, BTreeMap<String, String>)>,
    covered: OnceLock<Vec<CoveredRule>>,
}

/// How many peer comparisons the redundancy analysis may make before it stops.
const COVERAGE_BUDGET: usize = 5_000_000;

/// A rule of a direction the policy isolates.
pub(crate) struct PolicyRule<'a> {
    /// Ingress or egress.
    pub(crate) direction: Direction,
    /// The rule, with its pointer.
    pub(crate) rule: Rule<'a>,
}

/// A peer of a rule of a direction its policy isolates.
pub(crate) struct PolicyPeer<'a> {
    /// Index of the policy in the resource set.
    pub(crate) index: usize,
    /// The policy.
    pub(crate) policy: &'a PolicyResource,
    /// Ingress or egress.
    pub(crate) direction: Direction,
    /// Pointer of the peer, e.g. `/spec/ingress/0/from/1`.
    pub(crate) pointer: String,
    /// The peer.
    pub(crate) peer: &'a NetworkPolicyPeer,
}

/// A selector that matches nothing but nearly matches: one label key or value is a near miss
/// of one that exists.
pub(crate) struct NearMiss {
    /// Where the misspelt key or value is.
    pub(crate) location: Location,
    /// What was written.
    pub(crate) written: String,
    /// The existing key or value it is close to.
    pub(crate) suggestion: String,
}

impl NearMiss {
    /// `did you mean `x`?`.
    pub(crate) fn help(&self) -> String {
        format!("did you mean `{}` instead of `{}`?", self.suggestion, self.written)
    }

    /// The replacement YAML.
    pub(crate) fn fix(&self) -> Option<String> {
        Some(yaml_string(&self.suggestion))
    }
}

impl<'a> CheckContext<'a> {
    pub(crate) fn new(resources: &'a ResourceSet, cluster: &'a CompiledCluster, config: &'a CheckConfig) -> Self {
        let namespaces =
            resources.namespace_names().into_iter().map(|n| (n.clone(), resources.namespace_labels(&n))).collect();
        Self {
            resources,
            cluster,
            config,
            endpoints: cluster.endpoints().collect(),
            namespaces,
            covered: OnceLock::new(),
        }
    }

    /// In-cluster endpoints, sorted by name (indices match the engine's).
    pub(crate) fn endpoints(&self) -> &[&'a Endpoint] {
        &self.endpoints
    }

    /// Endpoints of `namespace`, with their indices.
    pub(crate) fn endpoints_in<'s>(&'s self, namespace: &'s str) -> impl Iterator<Item = (usize, &'a Endpoint)> + 's {
        self.endpoints.iter().copied().enumerate().filter(move |(_, e)| e.namespace == namespace)
    }

    /// Whether the inventory has endpoints in `namespace` (so a selector there can be judged).
    pub(crate) fn has_endpoints(&self, namespace: &str) -> bool {
        self.endpoints_in(namespace).next().is_some()
    }

    /// Namespaces (used or defined) whose labels `selector` matches.
    pub(crate) fn namespaces_matching(&self, selector: &LabelSelector) -> Vec<&str> {
        let matcher = LabelMatcher::new(selector);
        self.namespaces.iter().filter(|(_, labels)| matcher.matches(labels)).map(|(n, _)| n.as_str()).collect()
    }

    /// Labels of every namespace.
    pub(crate) fn namespace_labels(&self) -> Vec<&BTreeMap<String, String>> {
        self.namespaces.iter().map(|(_, l)| l).collect()
    }

    /// Endpoints (indices) of `namespaces` (`None`: every namespace) that `selector` matches.
    pub(crate) fn pods_matching(&self, selector: &LabelSelector, namespaces: Option<&[&str]>) -> Vec<usize> {
        let matcher = LabelMatcher::new(selector);
        let wanted: Option<BTreeSet<&str>> = namespaces.map(|n| crate::util::btree_set(n.iter().copied()));
        self.endpoints
            .iter()
            .enumerate()
            .filter(|(_, e)| {
                wanted.as_ref().is_none_or(|w| w.contains(e.namespace.as_str())) && matcher.matches(&e.labels)
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// The in-cluster endpoints a peer of a policy in `namespace` matches (an ipBlock matches
    /// none: in the default mode ipBlocks never match pods).
    pub(crate) fn peer_endpoints(&self, namespace: &str, peer: &NetworkPolicyPeer) -> Vec<usize> {
        if peer.ip_block.is_some() {
            return Vec::new();
        }
        match (&peer.pod_selector, &peer.namespace_selector) {
            (None, None) => Vec::new(),
            (Some(pods), None) => self.pods_matching(pods, Some(&[namespace])),
            (pods, Some(namespaces)) => {
                let namespaces = self.namespaces_matching(namespaces);
                self.pods_matching(pods.as_ref().unwrap_or(&LabelSelector::default()), Some(&namespaces))
            }
        }
    }

    /// The rules of the directions `policy` isolates, ingress first.
    pub(crate) fn rules(&self, policy: &'a PolicyResource) -> Vec<PolicyRule<'a>> {
        let spec = policy.object.spec.as_ref();
        let (ingress, egress) = policy_types(spec);
        rules(spec)
            .into_iter()
            .filter_map(|rule| {
                let direction = if rule.peers_key == "from" { Direction::Ingress } else { Direction::Egress };
                let applies = match direction {
                    Direction::Ingress => ingress,
                    Direction::Egress => egress,
                };
                applies.then_some(PolicyRule { direction, rule })
            })
            .collect()
    }

    /// Every peer of every rule of the directions its policy isolates, in input order.
    pub(crate) fn peers(&self) -> Vec<PolicyPeer<'a>> {
        let mut out = Vec::new();
        for (index, policy) in self.policies() {
            for PolicyRule { direction, rule } in self.rules(policy) {
                for (j, peer) in rule.peers.iter().enumerate() {
                    let pointer = format!("{}/{}/{j}", rule.pointer, rule.peers_key);
                    out.push(PolicyPeer { index, policy, direction, pointer, peer });
                }
            }
        }
        out
    }

    /// Policies with their index, in input order.
    pub(crate) fn policies(&self) -> impl Iterator<Item = (usize, &'a PolicyResource)> {
        self.resources.policies.iter().enumerate()
    }

    /// The policy at `index`.
    pub(crate) fn policy(&self, index: usize) -> Option<&'a PolicyResource> {
        self.resources.policies.get(index)
    }

    /// `Deployment shop/web` for an endpoint.
    pub(crate) fn endpoint_resource(endpoint: &Endpoint) -> String {
        format!("{} {}/{}", endpoint.kind, endpoint.namespace, endpoint.workload)
    }

    /// Where an endpoint is defined.
    pub(crate) fn endpoint_location(endpoint: &Endpoint) -> Location {
        endpoint.location.clone().unwrap_or_default()
    }

    /// Rules that other rules already cover, proven on the inventory (computed once).
    pub(crate) fn covered_rules(&self) -> &[CoveredRule] {
        self.covered.get_or_init(|| self.cluster.covered_rules(COVERAGE_BUDGET))
    }

    /// The pointer of a rule, e.g. `/spec/ingress/2`.
    pub(crate) fn rule_pointer(rule: RuleId) -> String {
        let (_, direction, index) = rule;
        format!("/spec/{}/{index}", direction.as_str().to_ascii_lowercase())
    }

    /// Where a rule is.
    pub(crate) fn rule_location(&self, rule: RuleId) -> Option<Location> {
        self.policy(rule.0).map(|p| p.source.locate(&Self::rule_pointer(rule)))
    }

    /// `rule 2 of ingress in `shop/web``-style text for a rule.
    pub(crate) fn rule_text(&self, rule: RuleId) -> String {
        let (policy, direction, index) = rule;
        let name = self.policy(policy).map(|p| format!("{}/{}", p.namespace, p.name)).unwrap_or_default();
        format!("{} rule {index} of `{name}`", direction.as_str().to_ascii_lowercase())
    }

    /// Where a policy is (its document), for related locations.
    pub(crate) fn policy_location(&self, index: usize) -> Option<Location> {
        self.policy(index).map(|p| p.source.locate_key("", "metadata"))
    }

    /// A near miss in `selector` (at `pointer` in `policy`) against the label maps of the
    /// objects it could have meant: a key no object has that is close to one that exists, or a
    /// value the key never has that is close to one it has.
    pub(crate) fn near_miss(
        &self,
        policy: &PolicyResource,
        pointer: &str,
        selector: &LabelSelector,
        candidates: &[&BTreeMap<String, String>],
    ) -> Option<NearMiss> {
        let keys: BTreeSet<&str> = crate::util::btree_set(candidates.iter().flat_map(|l| l.keys().map(String::as_str)));
        let values = |key: &str| -> BTreeSet<&str> {
            crate::util::btree_set(candidates.iter().filter_map(|l| l.get(key).map(String::as_str)))
        };
        let miss = |location: Location, written: &str, suggestion: &str| NearMiss {
            location,
            written: written.to_owned(),
            suggestion: suggestion.to_owned(),
        };
        let labels_at = format!("{pointer}/matchLabels");
        for (key, value) in selector.match_labels.iter().flatten() {
            if !keys.contains(key.as_str()) {
                if let Some(s) = closest(key, keys.iter().copied()) {
                    return Some(miss(policy.source.locate_key(&labels_at, key), key, s));
                }
                continue;
            }
            let known = values(key);
            if !known.contains(value.as_str())
                && let Some(s) = closest(value, known.iter().copied())
            {
                let at = format!("{labels_at}/{}", crate::source::escape_pointer(key));
                return Some(miss(policy.source.locate(&at), value, s));
            }
        }
        for (i, expression) in selector.match_expressions.iter().flatten().enumerate() {
            let at = format!("{pointer}/matchExpressions/{i}");
            if !keys.contains(expression.key.as_str()) {
                if let Some(s) = closest(&expression.key, keys.iter().copied()) {
                    return Some(miss(policy.source.locate(&format!("{at}/key")), &expression.key, s));
                }
                continue;
            }
            if expression.operator != "In" {
                continue;
            }
            let known = values(&expression.key);
            for (j, value) in expression.values.iter().flatten().enumerate() {
                if !known.contains(value.as_str())
                    && let Some(s) = closest(value, known.iter().copied())
                {
                    return Some(miss(policy.source.locate(&format!("{at}/values/{j}")), value, s));
                }
            }
        }
        None
    }
}

/// A selector in `kubectl` form: `app=web,tier in (a,b)`; `{}` for the empty selector.
pub(crate) fn selector_text(selector: &LabelSelector) -> String {
    let mut parts: Vec<String> = selector.match_labels.iter().flatten().map(|(k, v)| format!("{k}={v}")).collect();
    for e in selector.match_expressions.iter().flatten() {
        let values = e.values.as_deref().unwrap_or_default().join(",");
        parts.push(match e.operator.as_str() {
            "In" => format!("{} in ({values})", e.key),
            "NotIn" => format!("{} notin ({values})", e.key),
            "Exists" => e.key.clone(),
            "DoesNotExist" => format!("!{}", e.key),
            other => format!("{} {other} ({values})", e.key),
        });
    }
    if parts.is_empty() { "{}".to_owned() } else { parts.join(",") }
}

/// Whether a selector is empty (`{}` or absent fields): it matches everything.
pub(crate) fn is_empty_selector(selector: &LabelSelector) -> bool {
    selector.match_labels.as_ref().is_none_or(BTreeMap::is_empty)
        && selector.match_expressions.as_ref().is_none_or(Vec::is_empty)
}

/// `a`, `b` and `c` (each in backticks), at most `limit` then `and N more`.
pub(crate) fn list(items: &[String], limit: usize) -> String {
    let shown: Vec<String> = items.iter().take(limit).map(|i| format!("`{i}`")).collect();
    let rest = items.len().saturating_sub(limit);
    let mut text = match shown.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    };
    if rest > 0 {
        text = format!("{}, and {rest} more", shown.join(", "));
    }
    text
}
