//! Change-review checks (`NF4xx`): what a change from a base to a head does that a reviewer
//! should see — paths it opens from or to outside the cluster or from every namespace, default
//! denies it removes, selectors it widens.
//!
//! They need both sides, so they have their own registry, [`CHANGE_CHECKS`], run by
//! [`run_change_checks`] (and by `api::review` when a base is given). Like the other checks,
//! one check is one file with its documentation and [`RuleMeta`](crate::model::RuleMeta); their pages are generated
//! into `docs/rules/` with the others; the `netfence.dev/ignore` annotation of the head
//! policy a finding is located in suppresses it.

mod cluster_policy_order;
mod opens_all_namespaces;
mod opens_external_path;
mod removes_default_deny;
mod widens_exposure;
mod widens_selector;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use super::{CheckConfig, Draft, sort_findings, suppresses};
use crate::checks::InPolicy;
use crate::diff::{ConnectionChange, ConnectivityDiff, external_range};
use crate::engine::{CompiledCluster, Direction, Ports, RuleRef, SideVerdict};
use crate::inventory::{PolicyResource, ResourceSet};
use crate::model::Finding;
use crate::model::Protocol;
use crate::model::RuleMeta;

/// A registered change-review check.
#[derive(Clone, Copy)]
pub struct ChangeCheck {
    /// Metadata (category [`super::Category::Change`]).
    pub meta: RuleMeta,
    /// Documentation: `## What it flags`, `## Why it matters`, `## Example`, `## How to fix`.
    pub docs: &'static str,
    run: fn(&ChangeContext<'_>, &mut Vec<Draft>),
}

impl std::fmt::Debug for ChangeCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangeCheck").field("meta", &self.meta).finish_non_exhaustive()
    }
}

/// Every change-review check, in id order. Registering a check is one line here.
pub static CHANGE_CHECKS: &[ChangeCheck] = &[
    opens_external_path::CHECK,
    opens_all_namespaces::CHECK,
    removes_default_deny::CHECK,
    widens_selector::CHECK,
    widens_exposure::CHECK,
    cluster_policy_order::CHECK,
];

/// Both sides of a change, compiled, and their connectivity diff.
#[derive(Clone, Copy, Debug)]
pub struct ChangeInput<'a> {
    /// The resources before the change.
    pub base: &'a ResourceSet,
    /// The base, compiled.
    pub base_cluster: &'a CompiledCluster,
    /// The resources after the change.
    pub head: &'a ResourceSet,
    /// The head, compiled.
    pub head_cluster: &'a CompiledCluster,
    /// The diff from base to head (`crate::diff::diff` of the two clusters).
    pub diff: &'a ConnectivityDiff,
}

/// Runs every enabled change-review check. Findings are sorted as [`super::run_checks`]
/// sorts them; severities follow `config`; the ignore annotation of the policy a finding is
/// located in (head, or base for a deleted policy) suppresses it.
#[must_use]
pub fn run_change_checks(input: &ChangeInput<'_>, config: &CheckConfig) -> Vec<Finding> {
    let ctx = ChangeContext::new(*input);
    let mut findings = Vec::new();
    for check in CHANGE_CHECKS {
        if !config.enabled(&check.meta) {
            continue;
        }
        let mut drafts = Vec::new();
        (check.run)(&ctx, &mut drafts);
        for draft in drafts {
            if draft.policy.and_then(|i| input.head.policies.get(i)).is_some_and(|p| suppresses(p, &check.meta)) {
                continue;
            }
            let mut finding = draft.finding;
            finding.severity = config.severity_of(&check.meta);
            findings.push(finding);
        }
    }
    sort_findings(&mut findings);
    findings
}

/// How many opened connections are traced to the rules that open them (one engine
/// explanation each); past it, the rest are reported without rules.
const TRACE_BUDGET: usize = 2_000;

/// What the change checks read.
pub(crate) struct ChangeContext<'a> {
    pub(crate) input: ChangeInput<'a>,
    opened: OnceLock<Vec<Opened<'a>>>,
}

/// A connection the change opens (something the head allows that the base did not), traced
/// on the head to the rules that allow its first newly allowed port.
pub(crate) struct Opened<'a> {
    /// The diff entry.
    pub(crate) change: &'a ConnectionChange,
    /// The rules of the source's egress side that allow it (empty: not isolated or external).
    pub(crate) egress: Vec<RuleRef>,
    /// The rules of the destination's ingress side that allow it.
    pub(crate) ingress: Vec<RuleRef>,
}

impl<'a> ChangeContext<'a> {
    fn new(input: ChangeInput<'a>) -> Self {
        Self { input, opened: OnceLock::new() }
    }

    /// Every connection the change opens, in diff order.
    pub(crate) fn opened(&self) -> &[Opened<'a>] {
        self.opened.get_or_init(|| {
            let mut traced = 0;
            self.input
                .diff
                .connections
                .iter()
                .filter(|c| !ports_empty(&c.added))
                .map(|change| {
                    let (mut egress, mut ingress) = (Vec::new(), Vec::new());
                    if traced < TRACE_BUDGET
                        && let Some((protocol, port)) = first_port(&change.added)
                    {
                        traced += 1;
                        let name = |n: &str| external_range(n).map_or_else(|| n.to_owned(), |r| r.first().to_string());
                        let explained = self.input.head_cluster.explain(
                            &name(&change.src),
                            &name(&change.dst),
                            Some(port),
                            Some(protocol),
                        );
                        if let Ok(explanation) = explained {
                            let range = explanation
                                .ranges
                                .iter()
                                .find(|r| r.allowed && r.ports[0] <= port && port <= r.ports[1]);
                            if let Some(range) = range {
                                egress = rules_of(&range.egress);
                                ingress = rules_of(&range.ingress);
                            }
                        }
                    }
                    Opened { change, egress, ingress }
                })
                .collect()
        })
    }

    /// The head policy `namespace/name`, with its index.
    pub(crate) fn head_policy(&self, namespace: &str, name: &str) -> Option<(usize, &'a PolicyResource)> {
        find_policy(self.input.head, namespace, name)
    }

    /// The base policy `namespace/name`, with its index.
    pub(crate) fn base_policy(&self, namespace: &str, name: &str) -> Option<(usize, &'a PolicyResource)> {
        find_policy(self.input.base, namespace, name)
    }
}

fn find_policy<'a>(set: &'a ResourceSet, namespace: &str, name: &str) -> Option<(usize, &'a PolicyResource)> {
    set.policies.iter().enumerate().find(|(_, p)| p.namespace == namespace && p.name == name)
}

fn rules_of(verdict: &SideVerdict) -> Vec<RuleRef> {
    match verdict {
        SideVerdict::Allowed { rules } => rules.clone(),
        _ => Vec::new(),
    }
}

fn ports_empty(ports: &Ports) -> bool {
    ports.tcp.is_empty() && ports.udp.is_empty() && ports.sctp.is_empty()
}

/// The first port of `ports`, TCP first.
fn first_port(ports: &Ports) -> Option<(Protocol, u16)> {
    [(Protocol::Tcp, &ports.tcp), (Protocol::Udp, &ports.udp), (Protocol::Sctp, &ports.sctp)]
        .into_iter()
        .find_map(|(protocol, ranges)| ranges.first().map(|r| (protocol, r[0])))
}

/// Opened connections grouped by the rule that opens them (`None`: no rule, the side is not
/// isolated), keyed by the in-cluster endpoint concerned.
pub(crate) type ByRule<'o, 'a> = BTreeMap<(String, Option<(String, String, Direction, usize)>), Vec<&'o Opened<'a>>>;

/// The rule key of a [`RuleRef`].
pub(crate) fn rule_key(rule: &RuleRef) -> (String, String, Direction, usize) {
    (rule.namespace.clone(), rule.policy.clone(), rule.direction, rule.index)
}

/// `a => b : TCP 80` for the first few opened connections, then `and N more`.
pub(crate) fn examples(opened: &[&Opened<'_>]) -> String {
    const SHOWN: usize = 3;
    let mut parts: Vec<String> = opened
        .iter()
        .take(SHOWN)
        .map(|o| {
            format!("`{} => {}` ({})", o.change.src, o.change.dst, crate::engine::PortSet::from_ports(&o.change.added))
        })
        .collect();
    if opened.len() > SHOWN {
        parts.push(format!("and {} more", opened.len() - SHOWN));
    }
    parts.join(", ")
}

/// A finding located at `rule` of the head (in its policy, for suppression), or at `fallback`
/// (about `endpoint`).
pub(crate) fn at_rule(
    ctx: &ChangeContext<'_>,
    meta: &RuleMeta,
    rule: Option<&RuleRef>,
    fallback: Option<crate::source::Location>,
    endpoint: &str,
    message: String,
    help: &str,
) -> Option<Draft> {
    let policy = rule.and_then(|r| ctx.head_policy(&r.namespace, &r.policy));
    let location = rule.and_then(|r| r.location.clone()).or(fallback)?;
    let draft = meta.finding(location, message, help);
    Some(match policy {
        Some((index, policy)) => draft.in_policy(index, policy),
        None => draft.resource(endpoint.to_owned()),
    })
}
