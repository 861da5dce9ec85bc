//! What every check reads: the resources, the compiled cluster, the configuration, and
//! shared queries on them (endpoints per namespace, what a peer matches, effective rules).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use k8s_openapi::api::networking::v1::NetworkPolicyPeer;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::CheckConfig;
use crate::engine::{CompiledCluster, Direction, Endpoint};
use crate::engine::{CoveredRule, LabelMatcher, RuleId, policy_types};
use crate::inventory::{PolicyResource, ResourceSet};
use crate::model::walk::{Rule, rules};
use crate::sorted::CompactSort;
use crate::source::Location;
use crate::source::yaml_write::yaml_string;
use crate::suggest::closest;

/// The input of every check.
pub(crate) struct CheckContext<'a> {
    /// The resources.
    pub(crate) resources: &'a ResourceSet,
    /// Their compiled form.
    pub(crate) cluster: &'a CompiledCluster,
    /// The configuration.
    pub(crate) config: &'a CheckConfig,
    endpoints: Vec<&'a Endpoint>,
    /// Each namespace with endpoints, by name, with their indices (ascending): the
    /// per-namespace queries of every policy and peer look here instead of scanning every
    /// endpoint (at 150,000 pods and 10,000 policies the scans made the checks take half a
    /// minute).
    by_namespace: Vec<(&'a str, Vec<usize>)>,
    /// The namespace of each endpoint, as its position in `by_namespace`.
    namespace_of: Vec<usize>,
    /// Every label of every endpoint as `(key, value, endpoint)`, sorted, so the endpoints with
    /// one label are one run: a selector with an equality (`matchLabels`, `In`) is tested only
    /// on the endpoints that carry it.
    labels: Vec<(&'a str, &'a str, usize)>,
    /// Every namespace used or defined, with its labels.
    namespaces: Vec<(String, BTreeMap<String, String>)>,
    covered: OnceLock<Vec<CoveredRule>>,
    /// For each policy, the endpoints it selects (made on first use).
    selected: OnceLock<Vec<Vec<usize>>>,
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
        let endpoints: Vec<&'a Endpoint> = cluster.endpoints().collect();
        let mut by_namespace: Vec<(&'a str, Vec<usize>)> = Vec::new();
        let mut namespace_of = vec![0; endpoints.len()];
        let mut order: Vec<(&'a str, usize)> =
            endpoints.iter().enumerate().map(|(i, e)| (e.namespace.as_str(), i)).collect();
        order.sort_compact();
        for (namespace, i) in order {
            match by_namespace.last_mut() {
                Some((last, members)) if *last == namespace => members.push(i),
                _ => by_namespace.push((namespace, vec![i])),
            }
            if let Some(slot) = namespace_of.get_mut(i) {
                *slot = by_namespace.len().saturating_sub(1);
            }
        }
        let mut labels: Vec<(&'a str, &'a str, usize)> = endpoints
            .iter()
            .enumerate()
            .flat_map(|(i, e)| e.labels.iter().map(move |(k, v)| (k.as_str(), v.as_str(), i)))
            .collect();
        labels.sort_compact();
        Self {
            resources,
            cluster,
            config,
            endpoints,
            by_namespace,
            namespace_of,
            labels,
            namespaces,
            covered: OnceLock::new(),
            selected: OnceLock::new(),
        }
    }

    /// In-cluster endpoints, sorted by name (indices match the engine's).
    pub(crate) fn endpoints(&self) -> &[&'a Endpoint] {
        &self.endpoints
    }

    /// Endpoints of `namespace`, with their indices.
    pub(crate) fn endpoints_in<'s>(&'s self, namespace: &'s str) -> impl Iterator<Item = (usize, &'a Endpoint)> + 's {
        self.members(namespace).iter().filter_map(|&i| self.endpoints.get(i).map(|e| (i, *e)))
    }

    /// The labels of the endpoints of `namespaces` (each namespace once).
    pub(crate) fn labels_in(&self, namespaces: &[&str]) -> Vec<&'a BTreeMap<String, String>> {
        let namespaces: BTreeSet<&str> = crate::sorted::btree_set(namespaces.iter().copied());
        namespaces.iter().flat_map(|n| self.endpoints_in(n)).map(|(_, e)| &e.labels).collect()
    }

    /// Whether the inventory has endpoints in `namespace` (so a selector there can be judged).
    pub(crate) fn has_endpoints(&self, namespace: &str) -> bool {
        !self.members(namespace).is_empty()
    }

    /// The endpoints of `namespace`, ascending.
    fn members(&self, namespace: &str) -> &[usize] {
        match self.by_namespace.binary_search_by(|(n, _)| (*n).cmp(namespace)) {
            Ok(at) => self.by_namespace.get(at).map_or(&[], |(_, m)| m.as_slice()),
            Err(_) => &[],
        }
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
    /// Ascending.
    pub(crate) fn pods_matching(&self, selector: &LabelSelector, namespaces: Option<&[&str]>) -> Vec<usize> {
        let mut found = self.select(selector, namespaces, false);
        // each namespace's indices ascend, the namespaces need not
        found.sort_compact();
        found
    }

    /// Whether `selector` matches an endpoint of `namespaces` (`None`: every namespace); stops
    /// at the first.
    pub(crate) fn pods_match_any(&self, selector: &LabelSelector, namespaces: Option<&[&str]>) -> bool {
        !self.select(selector, namespaces, true).is_empty()
    }

    /// The matches, each namespace's ascending; only the first one with `first`. Tests the
    /// fewest endpoints: those with the selector's rarest label, or those of the wanted
    /// namespaces, or (neither known) all.
    fn select(&self, selector: &LabelSelector, namespaces: Option<&[&str]>, first: bool) -> Vec<usize> {
        let matcher = LabelMatcher::new(selector);
        // the wanted namespaces by position in `by_namespace` (the others have no endpoint)
        let mut wanted: Vec<bool> = Vec::new();
        let mut in_wanted = 0;
        if let Some(names) = namespaces {
            // sorted, so a selector of every namespace costs n log n, not n²
            let mut names = names.to_vec();
            names.sort_compact();
            for (name, members) in &self.by_namespace {
                let yes = names.binary_search(name).is_ok();
                wanted.push(yes);
                in_wanted += if yes { members.len() } else { 0 };
            }
        }
        // label candidates only when fewer than the wanted namespaces' endpoints
        let limit = if namespaces.is_some() { in_wanted } else { usize::MAX };
        let pool = match self.label_candidates(selector, limit) {
            Some(candidates) => candidates,
            None if namespaces.is_some() => {
                let mut pool = Vec::with_capacity(in_wanted);
                for ((_, members), yes) in self.by_namespace.iter().zip(&wanted) {
                    if *yes {
                        pool.extend_from_slice(members);
                    }
                }
                pool
            }
            _ => (0..self.endpoints.len()).collect(),
        };
        let mut out = Vec::new();
        for i in pool {
            let in_namespace =
                namespaces.is_none() || self.namespace_of.get(i).and_then(|&n| wanted.get(n)).copied().unwrap_or(false);
            if in_namespace && self.endpoints.get(i).is_some_and(|e| matcher.matches(&e.labels)) {
                out.push(i);
                if first {
                    break;
                }
            }
        }
        out
    }

    /// The endpoints that carry the label of the selector's most selective equality (a
    /// `matchLabels` entry, or an `In` expression's values), ascending: every endpoint the
    /// selector matches is among them. `None` when the selector has no equality, or none that
    /// leaves at most `limit` endpoints (nothing longer is copied).
    fn label_candidates(&self, selector: &LabelSelector, limit: usize) -> Option<Vec<usize>> {
        let mut best: Option<Vec<usize>> = None;
        let fewer = |best: &Option<Vec<usize>>, n: usize| n <= limit && best.as_ref().is_none_or(|b| n < b.len());
        for (key, value) in selector.match_labels.iter().flatten() {
            let run = self.postings(key, value);
            if fewer(&best, run.len()) {
                best = Some(run.iter().map(|(_, _, i)| *i).collect());
            }
        }
        for expression in selector.match_expressions.iter().flatten().filter(|e| e.operator == "In") {
            let values = expression.values.iter().flatten();
            if !fewer(&best, values.clone().map(|v| self.postings(&expression.key, v).len()).sum()) {
                continue;
            }
            let mut union = Vec::new();
            for value in values {
                union.extend(self.postings(&expression.key, value).iter().map(|(_, _, i)| *i));
            }
            union.sort_compact();
            union.dedup();
            best = Some(union);
        }
        best
    }

    /// The run of `labels` with the label `key=value` (endpoints ascending).
    fn postings(&self, key: &str, value: &str) -> &[(&'a str, &'a str, usize)] {
        let start = self.labels.partition_point(|(k, v, _)| (*k, *v) < (key, value));
        let rest = self.labels.get(start..).unwrap_or_default();
        let len = rest.partition_point(|(k, v, _)| (*k, *v) == (key, value));
        rest.get(..len).unwrap_or_default()
    }

    /// The in-cluster endpoints a peer of a policy in `namespace` matches (an ipBlock matches
    /// none: in the default mode ipBlocks never match pods).
    pub(crate) fn peer_endpoints(&self, namespace: &str, peer: &NetworkPolicyPeer) -> Vec<usize> {
        self.peer_select(namespace, peer, false)
    }

    /// Whether a peer of a policy in `namespace` matches an in-cluster endpoint.
    pub(crate) fn peer_matches_any(&self, namespace: &str, peer: &NetworkPolicyPeer) -> bool {
        !self.peer_select(namespace, peer, true).is_empty()
    }

    fn peer_select(&self, namespace: &str, peer: &NetworkPolicyPeer, first: bool) -> Vec<usize> {
        let select = |selector: &LabelSelector, namespaces: &[&str]| {
            if first {
                self.select(selector, Some(namespaces), true)
            } else {
                self.pods_matching(selector, Some(namespaces))
            }
        };
        if peer.ip_block.is_some() {
            return Vec::new();
        }
        match (&peer.pod_selector, &peer.namespace_selector) {
            (None, None) => Vec::new(),
            (Some(pods), None) => select(pods, &[namespace]),
            (pods, Some(namespaces)) => {
                let namespaces = self.namespaces_matching(namespaces);
                select(pods.as_ref().unwrap_or(&LabelSelector::default()), &namespaces)
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

    /// The endpoints policy `policy` (index in the resource set) selects for the directions it
    /// isolates, ascending.
    pub(crate) fn selected_endpoints(&self, policy: usize) -> &[usize] {
        self.selected
            .get_or_init(|| self.cluster.selected_by_policy(self.resources.policies.len()))
            .get(policy)
            .map_or(&[], Vec::as_slice)
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
        let keys: BTreeSet<&str> =
            crate::sorted::btree_set(candidates.iter().flat_map(|l| l.keys().map(String::as_str)));
        let values = |key: &str| -> BTreeSet<&str> {
            crate::sorted::btree_set(candidates.iter().filter_map(|l| l.get(key).map(String::as_str)))
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

// whether a selector is empty (`{}` or absent fields): one definition, in the engine
pub(crate) use crate::engine::is_empty_selector;

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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelectorRequirement;

    use super::*;
    use crate::engine::EngineOptions;
    use crate::source::ParseOptions;

    /// Three namespaces of workloads whose labels overlap in every way a selector can test.
    fn inventory() -> ResourceSet {
        let mut text = String::new();
        for (n, namespace) in ["alpha", "beta", "gamma"].iter().enumerate() {
            text.push_str(&format!("apiVersion: v1\nkind: Namespace\nmetadata: {{name: {namespace}}}\n---\n"));
            for w in 0..6 {
                let tier = ["web", "api", "db"][(w + n) % 3];
                let extra = if w % 2 == 0 { ", canary: 'true'" } else { "" };
                text.push_str(&format!(
                    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: w{w}, namespace: {namespace}}}\n\
                     spec:\n  selector: {{matchLabels: {{app: w{w}}}}}\n  template:\n    metadata: {{labels: {{app: w{w}, tier: {tier}{extra}}}}}\n    spec: {{containers: [{{name: c}}]}}\n---\n"
                ));
            }
        }
        // policies: one per direction mix, one that selects nothing
        for (name, namespace, spec) in [
            ("web-in", "alpha", "{podSelector: {matchLabels: {tier: web}}, policyTypes: [Ingress]}"),
            ("db-both", "beta", "{podSelector: {matchLabels: {tier: db}}, policyTypes: [Ingress, Egress]}"),
            (
                "canary-out",
                "beta",
                "{podSelector: {matchExpressions: [{key: canary, operator: Exists}]}, egress: [{}]}",
            ),
            ("ghost", "gamma", "{podSelector: {matchLabels: {app: ghost}}}"),
        ] {
            text.push_str(&format!(
                "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: {name}, namespace: {namespace}}}\nspec: {spec}\n---\n"
            ));
        }
        let mut set = ResourceSet::default();
        set.add_text(&text, "t.yaml", &ParseOptions::default()).unwrap();
        set
    }

    fn selector(labels: &[(&str, &str)], expressions: &[(&str, &str, &[&str])]) -> LabelSelector {
        LabelSelector {
            match_labels: (!labels.is_empty())
                .then(|| labels.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()),
            match_expressions: (!expressions.is_empty()).then(|| {
                expressions
                    .iter()
                    .map(|(key, operator, values)| LabelSelectorRequirement {
                        key: (*key).to_owned(),
                        operator: (*operator).to_owned(),
                        values: (!values.is_empty()).then(|| values.iter().map(|v| (*v).to_owned()).collect()),
                    })
                    .collect()
            }),
        }
    }

    /// The indexed queries answer what testing every endpoint answers.
    #[test]
    fn indexed_selection_equals_a_scan_of_every_endpoint() {
        let set = inventory();
        let cluster = CompiledCluster::compile(&set, &EngineOptions::default());
        let config = CheckConfig::default();
        let ctx = CheckContext::new(&set, &cluster, &config);
        assert_eq!(ctx.endpoints().len(), 18);
        let selectors = [
            selector(&[], &[]),
            selector(&[("tier", "web")], &[]),
            selector(&[("tier", "web"), ("canary", "true")], &[]),
            selector(&[("app", "w3"), ("tier", "db")], &[]),
            selector(&[("app", "nothing")], &[]),
            selector(&[], &[("tier", "In", &["web", "db"])]),
            selector(&[("canary", "true")], &[("tier", "In", &["api", "missing"])]),
            selector(&[], &[("tier", "NotIn", &["web"])]),
            selector(&[], &[("canary", "Exists", &[])]),
            selector(&[], &[("canary", "DoesNotExist", &[])]),
            selector(&[("tier", "web")], &[("tier", "Bogus", &["web"])]),
        ];
        let namespace_lists: [Option<&[&str]>; 5] =
            [None, Some(&["alpha"]), Some(&["beta", "alpha"]), Some(&["missing"]), Some(&[])];
        for s in &selectors {
            let matcher = LabelMatcher::new(s);
            for namespaces in namespace_lists {
                let scan: Vec<usize> = (0..ctx.endpoints().len())
                    .filter(|&i| {
                        let e = ctx.endpoints()[i];
                        namespaces.is_none_or(|n| n.contains(&e.namespace.as_str())) && matcher.matches(&e.labels)
                    })
                    .collect();
                assert_eq!(ctx.pods_matching(s, namespaces), scan, "{s:?} in {namespaces:?}");
                assert_eq!(ctx.pods_match_any(s, namespaces), !scan.is_empty(), "{s:?} in {namespaces:?}");
            }
        }
        // the per-policy index answers what the engine's per-policy scan answers
        assert_eq!(set.policies.len(), 4);
        for p in 0..set.policies.len() {
            assert_eq!(ctx.selected_endpoints(p), cluster.selected_endpoints(p).as_slice(), "policy {p}");
        }
        assert_eq!(ctx.selected_endpoints(0).len(), 2);
        assert!(ctx.selected_endpoints(3).is_empty());
        assert_eq!(ctx.endpoints_in("beta").count(), 6);
        assert!(ctx.has_endpoints("gamma") && !ctx.has_endpoints("missing"));
        assert_eq!(ctx.labels_in(&["alpha", "alpha", "gamma"]).len(), 12);
    }
}
