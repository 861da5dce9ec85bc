//! Renderers: the connlist text against netpol-analyzer's expected outputs (np-guard/
//! netpol-analyzer, Apache-2.0; see `../shared/conformance/README.md` and its `LICENSE`), and
//! snapshots of every format on a small example, plus escaping of hostile names.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::collections::BTreeMap;
use std::fs;

use netfence::api::{AnalyzeRequest, ExplainRequest, Source, analyze, explain};
use netfence::engine::{ConnectionRecord, Connectivity, Endpoint};
use netfence::model::Protocol;
use netfence::report;

/// Cases whose txt netfence cannot reproduce from the canonical list, with the reason.
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[(
    "expected/connlist/ipblockstest_4_connlist_output.txt",
    "egress ipBlocks 50.0.0.0/8 and 51.0.0.0/28 touch and are allowed by the same rules: the \
     canonical list merges them into 50.0.0.0-51.0.0.15 for every endpoint, so the boundary at \
     51.0.0.0 that netpol-analyzer prints is gone",
)];

#[test]
fn connlist_txt_matches_netpol_analyzer() {
    let Some(cases) = common::cases() else {
        eprintln!("conformance corpus not found at {}: skipped", common::corpus().display());
        return;
    };
    let root = common::corpus();
    let mut total = 0;
    let mut matched = 0;
    let mut failures = Vec::new();
    for case in &cases {
        let expected_path = case["expected"].as_str().unwrap_or_default();
        if case["tier"] != "core"
            || !expected_path.starts_with("expected/connlist/")
            || !expected_path.ends_with(".txt")
        {
            continue;
        }
        total += 1;
        let expected = fs::read_to_string(root.join(expected_path)).unwrap();
        let scenario = case["scenario"].as_str().unwrap_or_default();
        let request = AnalyzeRequest {
            sources: common::scenario_sources(scenario),
            filter: common::filter_of(case),
            ..AnalyzeRequest::default()
        };
        let actual = report::connlist_txt(&analyze(&request).unwrap().connectivity);
        let known = KNOWN_DIFFERENCES.iter().find(|(path, _)| *path == expected_path);
        if actual == expected {
            matched += 1;
            if known.is_some() {
                eprintln!("{expected_path} now matches: remove it from KNOWN_DIFFERENCES");
            }
            continue;
        }
        let want: Vec<&str> = expected.lines().collect();
        let got: Vec<&str> = actual.lines().collect();
        let missing: Vec<&&str> = want.iter().filter(|l| !got.contains(l)).take(3).collect();
        let extra: Vec<&&str> = got.iter().filter(|l| !want.contains(l)).take(3).collect();
        let reason = known.map_or("unexpected", |(_, reason)| reason);
        eprintln!(
            "MISMATCH {expected_path} ({reason}): {} lines expected, {} rendered\n  missing: {missing:?}\n  extra: {extra:?}",
            want.len(),
            got.len()
        );
        if known.is_none() {
            failures.push(expected_path.to_owned());
        }
    }
    eprintln!("connlist txt: {matched} of {total} core cases match netpol-analyzer byte for byte");
    assert!(failures.is_empty(), "connlist txt differs from netpol-analyzer: {failures:?}");
}

/// Three namespaces: `frontend` (no policy: all connections), `backend` (a named port, an
/// endPort range, an ipBlock with an exception) and `monitoring`.
const EXAMPLE: &str = r#"
apiVersion: v1
kind: Namespace
metadata: {name: frontend, labels: {tier: frontend}}
---
apiVersion: v1
kind: Namespace
metadata: {name: backend}
---
apiVersion: v1
kind: Namespace
metadata: {name: monitoring}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: frontend}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx, ports: [{name: http, containerPort: 8080}]}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: backend}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: api, image: api, ports: [{name: grpc, containerPort: 9090}]}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: backend}
spec:
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: postgres, ports: [{containerPort: 5432}]}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: prometheus, namespace: monitoring}
spec:
  selector: {matchLabels: {app: prometheus}}
  template:
    metadata: {labels: {app: prometheus}}
    spec: {containers: [{name: prometheus, image: prometheus}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api, namespace: backend}
spec:
  podSelector: {matchLabels: {app: api}}
  policyTypes: [Ingress, Egress]
  ingress:
  - from: [{namespaceSelector: {matchLabels: {tier: frontend}}}]
    ports: [{port: grpc}]
  - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]
    ports: [{port: 9100, endPort: 9110}]
  egress:
  - to: [{podSelector: {matchLabels: {app: db}}}]
    ports: [{port: 5432}]
  - to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}]
    ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: backend}
spec:
  podSelector: {matchLabels: {app: db}}
  policyTypes: [Ingress, Egress]
  ingress:
  - from: [{podSelector: {matchLabels: {app: api}}}]
    ports: [{port: 5432}]
"#;

fn example() -> Vec<Source> {
    vec![Source::named("example.yaml", EXAMPLE)]
}

fn example_analysis() -> Connectivity {
    let response = analyze(&AnalyzeRequest { sources: example(), ..AnalyzeRequest::default() }).unwrap();
    assert!(response.errors.is_empty(), "{:?}", response.errors);
    response.connectivity
}

#[test]
fn example_connlist() {
    insta::assert_snapshot!(report::connlist_txt(&example_analysis()));
}

#[test]
fn example_csv() {
    insta::assert_snapshot!(report::csv(&example_analysis()));
}

#[test]
fn example_markdown() {
    insta::assert_snapshot!(report::markdown(&example_analysis()));
}

#[test]
fn example_dot() {
    insta::assert_snapshot!(report::dot(&example_analysis()));
}

#[test]
fn example_mermaid() {
    insta::assert_snapshot!(report::mermaid(&example_analysis()));
}

fn explanation(from: &str, to: &str, port: Option<u16>, protocol: Option<Protocol>) -> String {
    let request = ExplainRequest {
        sources: example(),
        from: from.into(),
        to: to.into(),
        port,
        protocol,
        ..ExplainRequest::default()
    };
    report::explanation_text(&explain(&request).unwrap().explanation)
}

#[test]
fn example_explanation_between_workloads() {
    insta::assert_snapshot!(explanation("web", "api", None, None));
}

#[test]
fn example_explanation_of_one_port() {
    insta::assert_snapshot!(explanation("monitoring/prometheus", "backend/api", Some(9105), None));
}

#[test]
fn example_explanation_to_external() {
    insta::assert_snapshot!(explanation("api", "10.2.3.4", None, Some(Protocol::Udp)));
}

#[test]
fn renderers_are_deterministic() {
    let (a, b) = (example_analysis(), example_analysis());
    for render in [report::connlist_txt, report::csv, report::markdown, report::dot, report::mermaid] {
        assert_eq!(render(&a), render(&b));
    }
}

/// Names no valid manifest has, to show they cannot break out of their place in the output.
fn hostile() -> Connectivity {
    let endpoint = |namespace: &str, workload: &str| Endpoint {
        name: format!("{namespace}/{workload}[Pod]"),
        namespace: namespace.into(),
        workload: workload.into(),
        kind: "Pod".into(),
        labels: BTreeMap::new(),
        named_ports: Vec::new(),
        ips: Vec::new(),
        pods: 1,
        location: None,
    };
    let a = endpoint("ns\"}; evil", "a\\\"b|c,d");
    let b = endpoint("end", "x<b>#35;&y\n`]) --> z");
    let record = |src: &Endpoint, dst: &str, protocol, ports: Vec<[u16; 2]>| ConnectionRecord {
        src: src.name.as_str().into(),
        dst: dst.into(),
        protocol,
        ports,
    };
    Connectivity {
        connections: vec![
            record(&a, &b.name, Protocol::Tcp, vec![[80, 80], [8000, 9000]]),
            record(&b, &a.name, Protocol::Udp, vec![[53, 53]]),
            record(&b, "0.0.0.0-255.255.255.255", Protocol::Sctp, vec![[1, 65535]]),
        ],
        endpoints: vec![a, b],
    }
}

/// The text with every double-quoted string (with backslash escapes) removed; `None` when a
/// quote is not closed.
fn without_dot_strings(text: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '"' {
            out.push(c);
            continue;
        }
        loop {
            match chars.next()? {
                '\\' => {
                    chars.next()?;
                }
                '"' => break,
                '\n' => return None,
                _ => {}
            }
        }
        out.push('S');
    }
    Some(out)
}

#[test]
fn dot_escapes_hostile_names() {
    let dot = report::dot(&hostile());
    let skeleton = without_dot_strings(&dot).expect("every quoted string is closed on its line");
    let allowed = [
        "digraph connectivity {",
        "  rankdir=LR;",
        "  node [shape=box, style=rounded];",
        "  edge [fontsize=10];",
        "  subgraph S {",
        "    label=S;",
        "    S [label=S];",
        "  }",
        "  S [label=S, shape=ellipse, style=dashed];",
        "  S -> S [label=S];",
        "}",
    ];
    for line in skeleton.lines() {
        assert!(allowed.contains(&line), "unexpected dot structure {line:?} in\n{dot}");
    }
    insta::assert_snapshot!(dot);
}

#[test]
fn mermaid_escapes_hostile_names() {
    let mermaid = report::mermaid(&hostile());
    for line in mermaid.lines().skip(1) {
        // outside the one quoted label of a line, only generated ids and syntax
        let quoted: Vec<&str> = line.split('"').collect();
        assert!(quoted.len() == 1 || quoted.len() == 3, "a label holds a quote: {line:?}");
        let outside = quoted.iter().step_by(2).copied().collect::<String>();
        assert!(outside.chars().all(|c| c.is_ascii_alphanumeric() || " []->|".contains(c)), "{line:?}");
        if let Some(label) = quoted.get(1) {
            assert!(!label.contains(['<', '>', '`', '|']), "{line:?}");
        }
    }
    insta::assert_snapshot!(mermaid);
}

#[test]
fn csv_and_markdown_escape_hostile_names() {
    let analysis = hostile();
    let csv = report::csv(&analysis);
    assert!(csv.contains(r#""ns""}; evil/a\""b|c,d[Pod]""#), "{csv}");
    insta::assert_snapshot!("csv_hostile", csv);
    let markdown = report::markdown(&analysis);
    for line in markdown.lines() {
        let cells = line.replace("\\\\", "").replace("\\|", "");
        assert_eq!(cells.matches('|').count(), 4, "{line:?}");
    }
    insta::assert_snapshot!("markdown_hostile", markdown);
    let txt = report::connlist_txt(&analysis);
    assert_eq!(txt.lines().count(), 3, "{txt}");
}
