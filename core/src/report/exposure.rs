//! Exposure as netpol-analyzer writes it (`list --exposure`): the connlist, then
//! `Exposure Analysis Result:` with its egress and ingress sections and the workloads no
//! policy protects; and as markdown.

use std::collections::BTreeMap;

use crate::engine::{Connectivity, EndpointExposure, Exposure, ProtocolPort, SideExposure, exposure_ports_text};

/// How an exposure with no ports reads.
const NO_CONNECTIONS: &str = "No Connections";

/// One exposure line: the endpoint, the other side, the ports.
#[derive(Clone)]
struct Line {
    endpoint: String,
    other: String,
    ports: String,
}

/// The connlist's lines with an external range on one side, by endpoint: `(to, from)`.
fn external_lines(connlist: &str) -> BTreeMap<String, (Vec<Line>, Vec<Line>)> {
    let mut out: BTreeMap<String, (Vec<Line>, Vec<Line>)> = BTreeMap::new();
    for line in connlist.lines() {
        // the focused form has no `: CONNS`
        let (pair, ports) = line.split_once(" : ").unwrap_or((line, ""));
        let Some((src, dst)) = pair.split_once(" => ") else { continue };
        if dst.ends_with("[External]") {
            let line = Line { endpoint: src.to_owned(), other: dst.to_owned(), ports: ports.to_owned() };
            out.entry(src.to_owned()).or_default().0.push(line);
        } else if src.ends_with("[External]") {
            let line = Line { endpoint: dst.to_owned(), other: src.to_owned(), ports: ports.to_owned() };
            out.entry(dst.to_owned()).or_default().1.push(line);
        }
    }
    out
}

/// Whether an endpoint appears in the exposure section of a direction: unprotected, or with
/// potential peers.
fn listed(side: Option<&SideExposure>) -> bool {
    side.is_some_and(|s| !s.protected || !s.peers.is_empty())
}

fn side_lines(endpoint: &EndpointExposure, side: Option<&SideExposure>, out: &mut Vec<Line>) {
    let Some(side) = side else { return };
    if !side.protected {
        out.push(Line {
            endpoint: endpoint.endpoint.clone(),
            other: "entire-cluster".to_owned(),
            ports: "All Connections".to_owned(),
        });
        return;
    }
    for to in &side.peers {
        out.push(Line {
            endpoint: endpoint.endpoint.clone(),
            other: to.peer.name.clone(),
            ports: exposure_ports_text(to),
        });
    }
}

/// netpol-analyzer's `--exposure` text: the connlist (`connlist`, as [`super::connlist_txt`]
/// renders the same analysis), a blank line, and the exposure section. Lines with external
/// ranges of an exposed endpoint are repeated in its section, as netpol-analyzer does.
#[must_use]
pub fn exposure_txt(connectivity: &Connectivity, exposure: &Exposure) -> String {
    exposure_txt_on(connectivity, exposure, None)
}

/// [`exposure_txt`] of an analysis and exposure made with the filter's `focusConnection`
/// `focus`: with one, netpol-analyzer's focused form — the focused connlist, `Exposure Analysis
/// Result On UDP 52:`, lines without their ports (a potential peer the entire cluster's
/// exposure leaves out on that port keeps its `: No Connections`), no unprotected section.
#[must_use]
pub fn exposure_txt_on(connectivity: &Connectivity, exposure: &Exposure, focus: Option<ProtocolPort>) -> String {
    let connlist = super::connlist_txt_on(connectivity, focus);
    let externals = external_lines(&connlist);
    let exposed: Vec<&EndpointExposure> =
        exposure.endpoints.iter().filter(|e| listed(e.ingress.as_ref()) || listed(e.egress.as_ref())).collect();
    let width = exposed.iter().map(|e| e.endpoint.len()).max().unwrap_or(0);
    let mut egress = Vec::new();
    let mut ingress = Vec::new();
    let mut unprotected = Vec::new();
    for endpoint in &exposed {
        side_lines(endpoint, endpoint.egress.as_ref(), &mut egress);
        side_lines(endpoint, endpoint.ingress.as_ref(), &mut ingress);
        for (side, direction) in [(&endpoint.ingress, "Ingress"), (&endpoint.egress, "Egress")] {
            if side.as_ref().is_some_and(|s| !s.protected) {
                unprotected.push(format!("{} is not protected on {direction}", endpoint.endpoint));
            }
        }
        if let Some((to, from)) = externals.get(&endpoint.endpoint) {
            egress.extend(to.iter().cloned());
            ingress.extend(from.iter().cloned());
        }
    }
    egress.sort_by(|a, b| (&a.endpoint, &a.other).cmp(&(&b.endpoint, &b.other)));
    ingress.sort_by(|a, b| (&a.endpoint, &a.other).cmp(&(&b.endpoint, &b.other)));
    unprotected.sort();
    let write = |lines: &[Line], arrow: &str| -> String {
        lines
            .iter()
            .map(|l| match focus {
                Some(_) if l.ports != NO_CONNECTIONS => format!("{:<width$} \t{arrow} \t{}\n", l.endpoint, l.other),
                _ => format!("{:<width$} \t{arrow} \t{} : {}\n", l.endpoint, l.other, l.ports),
            })
            .collect::<String>()
    };
    let mut out = connlist;
    if !out.is_empty() {
        out.push('\n');
    }
    match focus {
        Some(on) => out.push_str(&format!("Exposure Analysis Result On {} {}:\n", on.protocol, on.port)),
        None => out.push_str("Exposure Analysis Result:\n"),
    }
    if !egress.is_empty() {
        out.push_str("Egress Exposure:\n");
        out.push_str(&write(&egress, "=>"));
    }
    if !ingress.is_empty() {
        if !egress.is_empty() {
            out.push('\n');
        }
        out.push_str("Ingress Exposure:\n");
        out.push_str(&write(&ingress, "<="));
    }
    // netpol-analyzer leaves the section out of a focused answer: every line is about one port
    if !unprotected.is_empty() && focus.is_none() {
        out.push_str("\nWorkloads not protected by network policies:\n");
        for line in unprotected {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

/// The exposure as a markdown table `| endpoint | direction | exposed to | connections |`:
/// one row per potential peer, `not protected` for a direction no policy isolates, and the
/// rules that admit each peer.
#[must_use]
pub fn exposure_markdown(exposure: &Exposure) -> String {
    use std::fmt::Write as _;
    let mut out = String::from("| endpoint | direction | exposed to | connections | rules |\n|---|---|---|---|---|\n");
    for endpoint in &exposure.endpoints {
        for (side, direction) in [(&endpoint.ingress, "ingress"), (&endpoint.egress, "egress")] {
            let Some(side) = side else { continue };
            let name = super::markdown_cell(&endpoint.endpoint);
            if !side.protected {
                let _ = writeln!(out, "| {name} | {direction} | not protected: everything | All Connections | |");
                continue;
            }
            for to in &side.peers {
                let rules: Vec<String> = to
                    .tier_rules
                    .iter()
                    .map(|r| format!("{} ({})", super::explain::tier_rule_place(r), r.action.as_str()))
                    .chain(to.rules.iter().map(|r| {
                        format!("{}/{} {}[{}]", r.namespace, r.policy, r.direction.as_str().to_lowercase(), r.index)
                    }))
                    .collect();
                let _ = writeln!(
                    out,
                    "| {name} | {direction} | {} | {} | {} |",
                    super::markdown_cell(&to.peer.name),
                    super::markdown_cell(&exposure_ports_text(to)),
                    super::markdown_cell(&rules.join(", "))
                );
            }
        }
    }
    out
}
