//! An explanation as text for a terminal.
//!
//! ```text
//! shop/client[Deployment] => shop/web[Deployment]
//! egress of shop/client[Deployment]: not isolated
//! ingress of shop/web[Deployment]: isolated by
//!   shop/web-from-client at shop.yaml:28
//! TCP 8080: ALLOWED
//!   egress: not isolated
//!   ingress: shop/web-from-client ingress[0] at shop.yaml:32
//! ```

use std::fmt::Write as _;

use crate::engine::range_text;
use crate::engine::{
    Direction, ExplainedRange, Explanation, Isolation, PolicyRef, RuleRef, SideVerdict, TierPolicyRef, TierRuleRef,
};
use crate::source::Location;

pub(super) fn render(explanation: &Explanation) -> String {
    let mut out = format!("{} => {}\n", explanation.src, explanation.dst);
    isolation(&mut out, Direction::Egress, &explanation.src, &explanation.egress);
    isolation(&mut out, Direction::Ingress, &explanation.dst, &explanation.ingress);
    if explanation.ranges.is_empty() {
        out.push_str("no port range to explain\n");
    }
    for range in &explanation.ranges {
        explained_range(&mut out, range);
    }
    out
}

fn isolation(out: &mut String, direction: Direction, endpoint: &str, isolation: &Isolation) {
    let side = direction_word(direction);
    if !isolation.applies {
        let _ = writeln!(out, "{side} of {endpoint}: external, no policy applies");
    } else if !isolation.isolated {
        let _ =
            writeln!(out, "{side} of {endpoint}: not isolated, no NetworkPolicy selects it for {}", direction.as_str());
    } else {
        let _ = writeln!(out, "{side} of {endpoint}: isolated by");
        for policy in &isolation.policies {
            let _ = writeln!(out, "  {}", policy_text(policy));
        }
    }
    if !isolation.tier_policies.is_empty() {
        let _ = writeln!(out, "{side} of {endpoint}: cluster-scoped policies apply");
        for policy in &isolation.tier_policies {
            let _ = writeln!(out, "  {}", tier_policy_text(policy));
        }
    }
}

/// `admin tier ClusterNetworkPolicy name (priority 20) at file:line`.
fn tier_policy_text(policy: &TierPolicyRef) -> String {
    let priority = policy.priority.map(|p| format!(" (priority {p})")).unwrap_or_default();
    format!("{} tier {} {}{priority}{}", policy.tier.as_str(), policy.kind, policy.policy, at(policy.location.as_ref()))
}

fn explained_range(out: &mut String, range: &ExplainedRange) {
    let [from, to] = range.ports;
    let verdict = if range.allowed { "ALLOWED" } else { "DENIED" };
    let _ = writeln!(out, "{} {}: {verdict}", range.protocol, range_text(from, to));
    for pass in &range.passed {
        let _ = writeln!(
            out,
            "  {}: passed by {}: NetworkPolicies decide, then the baseline tier",
            direction_word(pass.direction),
            tier_rule_place(pass)
        );
    }
    side(out, Direction::Egress, &range.egress);
    side(out, Direction::Ingress, &range.ingress);
}

fn side(out: &mut String, direction: Direction, verdict: &SideVerdict) {
    let side = direction_word(direction);
    match verdict {
        SideVerdict::NotApplicable => {
            let _ = writeln!(out, "  {side}: external, no policy applies");
        }
        SideVerdict::NotIsolated => {
            let _ = writeln!(out, "  {side}: not isolated");
        }
        SideVerdict::Denied => {
            let _ = writeln!(out, "  {side}: no rule allows it");
        }
        SideVerdict::Allowed { rules } => match rules.as_slice() {
            [] => {
                let _ = writeln!(out, "  {side}: allowed");
            }
            [rule] => {
                let _ = writeln!(out, "  {side}: {}", rule_text(rule));
            }
            rules => {
                let _ = writeln!(out, "  {side}: allowed by");
                for rule in rules {
                    let _ = writeln!(out, "    {}", rule_text(rule));
                }
            }
        },
        SideVerdict::TierAllowed { rule } | SideVerdict::TierDenied { rule } => {
            let _ = writeln!(out, "  {side}: {}", tier_rule_text(rule));
        }
    }
}

/// `deny by admin tier AdminNetworkPolicy name (priority 10) egress[1] `rule-name` at file:line`.
pub(super) fn tier_rule_text(rule: &TierRuleRef) -> String {
    format!("{} by {}", rule.action.as_str(), tier_rule_place(rule))
}

/// `admin tier AdminNetworkPolicy name (priority 10) egress[1] `rule-name` at file:line`.
pub(super) fn tier_rule_place(rule: &TierRuleRef) -> String {
    let priority = rule.priority.map(|p| format!(" (priority {p})")).unwrap_or_default();
    let name = rule.name.as_ref().map(|n| format!(" `{n}`")).unwrap_or_default();
    format!(
        "{} tier {} {}{priority} {}[{}]{name}{}",
        rule.tier.as_str(),
        rule.kind,
        rule.policy,
        direction_word(rule.direction),
        rule.index,
        at(rule.location.as_ref())
    )
}

fn direction_word(direction: Direction) -> &'static str {
    match direction {
        Direction::Ingress => "ingress",
        Direction::Egress => "egress",
    }
}

/// `ns/policy at file:line`.
pub(super) fn policy_text(policy: &PolicyRef) -> String {
    format!("{}/{}{}", policy.namespace, policy.name, at(policy.location.as_ref()))
}

/// `ns/policy ingress[0] at file:line`.
pub(super) fn rule_text(rule: &RuleRef) -> String {
    format!(
        "{}/{} {}[{}]{}",
        rule.namespace,
        rule.policy,
        direction_word(rule.direction),
        rule.index,
        at(rule.location.as_ref())
    )
}

fn at(location: Option<&Location>) -> String {
    location.map(|l| format!(" at {}:{}", l.file, l.line)).unwrap_or_default()
}
