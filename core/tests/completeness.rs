//! Never a silent answer: every operation that answers a connectivity question says, in its
//! response and at the top of its text, when a resource that may carry policy was not
//! evaluated (`NF-W001`) and when documents could not be read (`partial`, `NF-W002`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use netfence::api::{self, FlowSource, Source};
use serde_json::{Value, json};

const SHOP: &str = "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\n\
apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\n\
spec: {selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c, image: x, ports: [{containerPort: 8080}]}]}}}\n---\n\
apiVersion: v1\nkind: Pod\nmetadata: {name: web-1, namespace: shop, labels: {app: web}, ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, uid: u1}]}\n\
spec: {containers: [{name: c, image: x, ports: [{containerPort: 8080}]}]}\nstatus: {podIP: 10.0.0.5}\n";

/// Every kind that may carry policy and that netfence does not evaluate, with its resource text.
const UNEVALUATED: &[(&str, &str)] = &[
    (
        "CiliumNetworkPolicy shop/c1",
        "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: c1, namespace: shop}\nspec: {endpointSelector: {}, ingressDeny: [{fromEntities: [all]}]}\n",
    ),
    (
        "CiliumClusterwideNetworkPolicy c2",
        "apiVersion: cilium.io/v2\nkind: CiliumClusterwideNetworkPolicy\nmetadata: {name: c2}\nspec: {endpointSelector: {}}\n",
    ),
    (
        "NetworkPolicy shop/calico1",
        "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: calico1, namespace: shop}\nspec: {selector: all(), types: [Ingress]}\n",
    ),
    (
        "GlobalNetworkPolicy calico2",
        "apiVersion: crd.projectcalico.org/v1\nkind: GlobalNetworkPolicy\nmetadata: {name: calico2}\nspec: {selector: all()}\n",
    ),
    (
        "NetworkPolicy shop/calico3",
        "apiVersion: crd.projectcalico.org/v1\nkind: NetworkPolicy\nmetadata: {name: calico3, namespace: shop}\nspec: {}\n",
    ),
    (
        "GlobalNetworkPolicy calico4",
        "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: calico4}\nspec: {}\n",
    ),
    (
        "MultiNetworkPolicy shop/m1",
        "apiVersion: k8s.cni.cncf.io/v1beta1\nkind: MultiNetworkPolicy\nmetadata: {name: m1, namespace: shop}\nspec: {podSelector: {}}\n",
    ),
    (
        "ClusterNetworkPolicy future",
        "apiVersion: policy.networking.k8s.io/v1beta9\nkind: ClusterNetworkPolicy\nmetadata: {name: future}\nspec: {}\n",
    ),
    (
        "ClusterNetworkPolicy antrea1",
        "apiVersion: crd.antrea.io/v1beta1\nkind: ClusterNetworkPolicy\nmetadata: {name: antrea1}\nspec: {}\n",
    ),
    (
        "EgressFirewall shop/default",
        "apiVersion: k8s.ovn.org/v1\nkind: EgressFirewall\nmetadata: {name: default, namespace: shop}\nspec: {egress: [{type: Deny, to: {cidrSelector: 0.0.0.0/0}}]}\n",
    ),
];

const FLOWS: &str = "srcNamespace,srcPod,srcIp,dstNamespace,dstPod,dstIp,protocol,dstPort,verdict\n\
shop,web-1,10.0.0.5,,,203.0.113.9,TCP,443,forwarded\n";

const REQUIREMENTS: &str = "apiVersion: netfence.dev/v1alpha1\nkind: Requirements\nrequirements:\n\
- {name: web-out, from: shop/web, to: 203.0.113.9, ports: [{port: 443}], expect: allow}\n";

/// Every connectivity operation on `sources` (as head and base), as JSON responses.
fn answers(sources: &[Source]) -> Vec<(&'static str, Value)> {
    let flows =
        vec![FlowSource { name: "flows.csv".into(), text: FLOWS.into(), format: netfence::flows::FlowFormat::Auto }];
    let s = serde_json::to_value(sources).unwrap();
    let f = serde_json::to_value(&flows).unwrap();
    let requests: Vec<(&str, Value)> = vec![
        ("analyze", json!({"sources": s, "format": "md"})),
        ("explain", json!({"sources": s, "from": "shop/web", "to": "203.0.113.9", "format": "text"})),
        ("diff", json!({"base": s, "head": s, "format": "text"})),
        ("check", json!({"sources": s, "requirements": {"name": "r.yaml", "text": REQUIREMENTS}, "format": "text"})),
        ("review", json!({"sources": s, "base": s, "format": "text"})),
        ("lint", json!({"sources": s, "format": "text"})),
        ("flow_map", json!({"sources": s, "flows": f, "format": "text"})),
        ("generate", json!({"sources": s, "flows": f, "format": "text"})),
        ("impact", json!({"base": s, "head": s, "flows": f, "format": "text"})),
        ("drops", json!({"sources": s, "flows": f, "format": "text"})),
        ("audit", json!({"sources": s, "flows": f, "format": "text"})),
    ];
    requests
        .into_iter()
        .map(|(op, request)| {
            let response = api::call_json(op, &request.to_string()).unwrap_or_else(|e| panic!("{op}: {e:?}"));
            (op, serde_json::from_str(&response).unwrap())
        })
        .collect()
}

#[test]
fn every_connectivity_answer_names_each_unevaluated_policy_kind() {
    let mut text = SHOP.to_owned();
    for (_, resource) in UNEVALUATED {
        text.push_str("---\n");
        text.push_str(resource);
    }
    for (op, response) in answers(&[Source::named("cluster.yaml", text)]) {
        assert_eq!(response["partial"], json!(false), "{op}: {response}");
        let warnings = response["warnings"].as_array().unwrap_or_else(|| panic!("{op}: no warnings: {response}"));
        for (resource, _) in UNEVALUATED {
            let found = warnings.iter().any(|w| w["code"] == "NF-W001" && w["resource"] == *resource);
            assert!(found, "{op}: `{resource}` is not named: {warnings:#?}");
            assert!(
                warnings
                    .iter()
                    .all(|w| w["location"]["file"] == "cluster.yaml" && w["location"]["line"].as_u64() > Some(0)),
                "{op}: {warnings:#?}"
            );
        }
        // and at the top of the text
        let rendered = response["rendered"].as_str().unwrap_or_else(|| panic!("{op}: no rendering"));
        let first = rendered.lines().find(|l| !l.trim().is_empty()).unwrap();
        assert!(first.contains("warning[NF-W001]"), "{op}: the text does not start with the warnings:\n{rendered}");
    }
}

#[test]
fn an_answer_over_unreadable_documents_is_partial_and_says_so() {
    let broken = format!(
        "{SHOP}---\nkind: [unclosed\n---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p2, namespace: shop}}\nspec: [nope]\n"
    );
    for (op, response) in answers(&[Source::named("cluster.yaml", broken)]) {
        assert_eq!(response["partial"], json!(true), "{op}: {response}");
        let warnings = response["warnings"].as_array().unwrap();
        let partial: Vec<&Value> = warnings.iter().filter(|w| w["code"] == "NF-W002").collect();
        assert_eq!(partial.len(), 1, "{op}: {warnings:#?}");
        assert!(
            partial[0]["message"].as_str().unwrap().starts_with("2 documents could not be read"),
            "{op}: {partial:?}"
        );
        let rendered = response["rendered"].as_str().unwrap();
        let first = rendered.lines().find(|l| !l.trim().is_empty()).unwrap();
        assert!(first.contains("warning["), "{op}: the text does not start with the warnings:\n{rendered}");
        assert!(rendered.lines().any(|l| l.contains("warning[NF-W002]")), "{op}:\n{rendered}");
    }
}

#[test]
fn a_complete_answer_has_no_warnings() {
    for (op, response) in answers(&[Source::named("cluster.yaml", SHOP)]) {
        assert_eq!(response["partial"], json!(false), "{op}");
        assert!(response.get("warnings").is_none(), "{op}: {response}");
        assert!(!response["rendered"].as_str().unwrap().contains("warning[NF-W"), "{op}");
    }
}
