//! Exposure and ingress controllers on small hand-made clusters: the cases netpol-analyzer's
//! corpus does not have (Gateway API routes, Route target ports by name, blocked ingress,
//! Services without selector) and the rules behind each exposure line.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use netfence::engine::{CompiledCluster, ConnectionFilter, ConnectionRecord, Direction, EngineOptions};
use netfence::inventory::ResourceSet;
use netfence::source::ParseOptions;

const WEB: &str = "
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: x, ports: [{name: http, containerPort: 8080}, {name: admin, containerPort: 9000}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}, {name: admin, port: 9000}]
";

fn compile(yaml: &str) -> (ResourceSet, CompiledCluster) {
    let mut resources = ResourceSet::default();
    resources.add_text(yaml, "test.yaml", &ParseOptions::default()).unwrap();
    assert!(resources.errors.is_empty(), "{:?}", resources.errors);
    let cluster = CompiledCluster::compile(&resources, &EngineOptions::default());
    (resources, cluster)
}

/// `(dst, tcp ports)` of the `{ingress-controller}` connections.
fn through_ingress(yaml: &str) -> Vec<(String, Vec<[u16; 2]>)> {
    let (_, cluster) = compile(yaml);
    cluster
        .all_pairs(&ConnectionFilter::default())
        .into_iter()
        .filter(|r: &ConnectionRecord| r.src == "{ingress-controller}")
        .map(|r| (r.dst.to_string(), r.ports))
        .collect()
}

#[test]
fn http_route_backend_reaches_the_service_target_port() {
    let route = "---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: shop}
spec:
  rules: [{backendRefs: [{name: web, port: 80}]}]
";
    assert_eq!(
        through_ingress(&format!("{WEB}{route}")),
        vec![("shop/web[Deployment]".to_owned(), vec![[8080, 8080]])]
    );
}

#[test]
fn grpc_route_in_another_namespace_and_every_port_without_a_port() {
    let route = "---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: web, namespace: edge}
spec:
  rules:
    - backendRefs:
        - {name: web, namespace: shop}
        - {name: web, namespace: shop, group: example.com, kind: Bucket, port: 1}
";
    assert_eq!(
        through_ingress(&format!("{WEB}{route}")),
        vec![("shop/web[Deployment]".to_owned(), vec![[8080, 8080], [9000, 9000]])]
    );
}

#[test]
fn route_target_port_by_name_and_alternate_backends() {
    let route = "---
apiVersion: route.openshift.io/v1
kind: Route
metadata: {name: web, namespace: shop}
spec:
  to: {kind: Service, name: web}
  alternateBackends: [{kind: Service, name: missing}]
  port: {targetPort: admin}
";
    assert_eq!(
        through_ingress(&format!("{WEB}{route}")),
        vec![("shop/web[Deployment]".to_owned(), vec![[9000, 9000]])]
    );
}

#[test]
fn policies_block_the_controller_and_selectorless_services_send_nowhere() {
    let ingress = "---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  defaultBackend: {service: {name: web, port: {number: 80}}}
";
    let open = format!("{WEB}{ingress}");
    assert_eq!(through_ingress(&open), vec![("shop/web[Deployment]".to_owned(), vec![[8080, 8080]])]);
    // the controller is no pod of `shop`: a podSelector rule does not admit it
    let same_namespace_only = "---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {}
  ingress: [{from: [{podSelector: {}}]}]
";
    assert!(through_ingress(&format!("{open}{same_namespace_only}")).is_empty());
    let without_selector = WEB.replace("  selector: {app: web}\n", "");
    assert!(through_ingress(&format!("{without_selector}{ingress}")).is_empty());
}

const POLICY: &str = "---
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: client, namespace: shop}
spec:
  selector: {matchLabels: {app: client}}
  template:
    metadata: {labels: {app: client}}
    spec: {containers: [{name: c, image: x}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress, Egress]
  ingress:
    - from: [{podSelector: {matchLabels: {app: client}}}]
    - from: [{namespaceSelector: {matchLabels: {team: ops}}, podSelector: {matchLabels: {role: probe}}}]
      ports: [{port: admin}]
  egress:
    - to: [{namespaceSelector: {}}]
      ports: [{port: dns, protocol: UDP}]
";

#[test]
fn exposure_lists_potential_peers_with_their_rules() {
    let (resources, cluster) = compile(&format!("{WEB}{POLICY}"));
    let exposure = cluster.exposure(&resources, &ConnectionFilter::default());
    let web = exposure.endpoints.iter().find(|e| e.endpoint == "shop/web[Deployment]").unwrap();
    let ingress = web.ingress.as_ref().unwrap();
    assert!(ingress.protected);
    // `app: client` in `shop` is an existing endpoint: no potential peer for it
    let names: Vec<&str> = ingress.peers.iter().map(|p| p.peer.name.as_str()).collect();
    assert_eq!(names, ["[namespace with {team=ops}]/[pod with {role=probe}]"]);
    assert_eq!(ingress.peers[0].ports.tcp, vec![[9000, 9000]], "named port resolved on the endpoint");
    assert_eq!(ingress.peers[0].rules[0].index, 1);
    assert_eq!(ingress.peers[0].rules[0].direction, Direction::Ingress);
    let egress = web.egress.as_ref().unwrap();
    assert!(egress.peers[0].peer.entire_cluster);
    assert_eq!(egress.peers[0].named_ports, ["UDP/dns"], "the peer's ports are unknown: the name stays");
    assert_eq!(netfence::engine::exposure_ports_text(&egress.peers[0]), "UDP dns");
    let client = exposure.endpoints.iter().find(|e| e.endpoint == "shop/client[Deployment]").unwrap();
    assert!(!client.ingress.as_ref().unwrap().protected);

    let only_ingress = ConnectionFilter {
        focus_workloads: vec!["shop/web".to_owned()],
        focus_direction: Some(Direction::Ingress),
        ..ConnectionFilter::default()
    };
    let focused = cluster.exposure(&resources, &only_ingress);
    assert_eq!(focused.endpoints.len(), 1);
    assert!(focused.endpoints[0].egress.is_none());
}

#[test]
fn review_markdown_shows_exposure_changes_next_to_an_empty_diff() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/review/NF405/flag");
    let read = |side: &str| {
        let text = std::fs::read_to_string(dir.join(format!("{side}.yaml"))).unwrap();
        vec![netfence::api::Source::named(format!("{side}.yaml"), text)]
    };
    let mut request = netfence::api::ReviewRequest::new(read("head"), Some(read("base")));
    request.format = Some(netfence::api::ReviewFormat::Markdown);
    let response = netfence::api::review(&request).unwrap();
    let md = response.rendered.unwrap();
    let diff = md.find("## Connectivity diff").unwrap();
    let exposure = md.find("### Exposure changes").unwrap();
    assert!(diff < exposure, "{md}");
    assert!(md.contains("No change: both sides have the same endpoints and connections."), "{md}");
    assert!(md[exposure..].contains("[namespace with {team=payments}]/[all pods]"), "{md}");
}

#[test]
fn unresolved_backends_are_warnings_of_the_answer() {
    let route = "---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: shop}
spec:
  rules: [{backendRefs: [{name: web, port: 80}, {name: gone, port: 80}]}]
";
    let without_selector = WEB.replace("  selector: {app: web}\n", "");
    let (resources, _) = compile(&format!("{without_selector}{route}"));
    let warnings = resources.completeness().warnings;
    let messages: Vec<&str> = warnings.iter().map(|w| w.message.as_str()).collect();
    assert_eq!(warnings.len(), 2, "{messages:?}");
    assert!(warnings.iter().all(|w| w.code == netfence::model::WarningCode::UnresolvedBackend));
    assert!(messages[0].contains("`shop/web`, which has no selector"), "{messages:?}");
    assert!(messages[1].contains("`shop/gone`, which is not in the input"), "{messages:?}");
    let (resolved, _) = compile(&format!("{WEB}{route}").replace(", {name: gone, port: 80}", ""));
    assert!(resolved.completeness().warnings.is_empty());
}

#[test]
fn a_v1beta1_ingress_names_its_backend_by_service_name_and_port() {
    let ingress = "---
apiVersion: extensions/v1beta1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  rules: [{http: {paths: [{path: /, backend: {serviceName: web, servicePort: http}}]}}]
";
    assert_eq!(
        through_ingress(&format!("{WEB}{ingress}")),
        vec![("shop/web[Deployment]".to_owned(), vec![[8080, 8080]])]
    );
}

#[test]
fn a_field_of_the_wrong_type_in_a_route_is_an_error_with_its_place() {
    let ingress = "apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  rules: [{http: {paths: [{backend: {service: {name: [web], port: {number: 80}}}}]}}]
";
    let mut resources = ResourceSet::default();
    resources.add_text(ingress, "ingress.yaml", &ParseOptions::default()).unwrap();
    assert!(resources.routes.is_empty());
    let error = &resources.errors[0];
    assert!(error.message.contains("/spec/rules/0/http/paths/0/backend/service/name"), "{error:?}");
    assert!(error.message.contains("expected a string"), "{error:?}");
}

#[test]
fn networks_holding_every_address_decide_the_entire_cluster() {
    let cluster_policy = |networks: &str| {
        format!(
            "---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {{name: no-egress}}
spec:
  tier: Admin
  priority: 10
  subject: {{namespaces: {{}}}}
  egress:
  - {{name: dns, action: Accept, to: [{{namespaces: {{}}}}], protocols: [{{udp: {{destinationPort: {{number: 53}}}}}}]}}
  - {{name: deny-all, action: Deny, to: [{{networks: [{networks}]}}]}}
"
        )
    };
    let pod = |ip: &str| {
        format!(
            "---
apiVersion: v1
kind: Pod
metadata: {{name: api, namespace: shop, labels: {{app: api}}}}
spec: {{containers: [{{name: c, image: x}}]}}
status: {{podIPs: [{{ip: {ip}}}]}}
"
        )
    };
    // the web Deployment's egress towards the entire cluster, as exposure answers it
    let entire = |yaml: &str| {
        let (resources, cluster) = compile(yaml);
        let exposure = cluster.exposure(&resources, &ConnectionFilter::default());
        let web = exposure.endpoints.iter().find(|e| e.endpoint == "shop/web[Deployment]").unwrap();
        let peer = web.egress.as_ref().unwrap().peers.iter().find(|p| p.peer.entire_cluster).unwrap().clone();
        netfence::engine::exposure_ports_text(&peer)
    };
    // a Deny of 0.0.0.0/0 stops pod traffic too: every pod has an IPv4 address (no IPs in
    // the input: IPv4 is assumed)
    assert_eq!(entire(&format!("{WEB}{}", cluster_policy("0.0.0.0/0"))), "UDP 53");
    assert_eq!(entire(&format!("{WEB}{}{}", pod("10.1.0.6"), cluster_policy("0.0.0.0/0"))), "UDP 53");
    // a narrower CIDR holds no potential pod for sure: the entire cluster stays open
    assert_eq!(entire(&format!("{WEB}{}", cluster_policy("10.0.0.0/8"))), "All Connections");
    // IPv6 pods keep their IPv6 path unless ::/0 is denied as well
    assert_eq!(entire(&format!("{WEB}{}{}", pod("fd00::6"), cluster_policy("0.0.0.0/0"))), "All Connections");
    assert_eq!(entire(&format!("{WEB}{}{}", pod("fd00::6"), cluster_policy("0.0.0.0/0, '::/0'"))), "UDP 53");

    // the exposure answer says where potential peers were not matched against networks
    let warned_with = |pods: &str, networks: &str| {
        let request = netfence::api::ExposureRequest {
            sources: vec![netfence::api::Source {
                name: "a.yaml".to_owned(),
                text: format!("{WEB}{pods}{}", cluster_policy(networks)),
            }],
            options: ParseOptions::default(),
            engine: EngineOptions::default(),
            filter: ConnectionFilter::default(),
            format: None,
        };
        let response = netfence::api::exposure(&request).unwrap();
        response
            .completeness
            .warnings
            .into_iter()
            .filter(|w| w.code == netfence::model::WarningCode::NetworksNotAppliedToPotentialPeers)
            .map(|w| (w.message, w.location.unwrap().pointer))
            .collect::<Vec<_>>()
    };
    let warned = |networks: &str| warned_with("", networks);
    let narrow = warned("10.0.0.0/8, 172.16.0.0/12");
    assert_eq!(narrow.len(), 1, "{narrow:?}");
    assert!(
        narrow[0].0.contains("`deny-all`") && narrow[0].0.contains("(10.0.0.0/8, 172.16.0.0/12)"),
        "{}",
        narrow[0].0
    );
    assert_eq!(narrow[0].1, "/spec/egress/1");
    // every address of the pods' families: matched exactly, nothing to say
    assert!(warned("10.0.0.0/8, 0.0.0.0/0").is_empty());
    assert!(warned("0.0.0.0/0, '::/0'").is_empty());
    // IPv6 pods and only 0.0.0.0/0: their IPv6 path is not matched, and that is said
    assert_eq!(warned_with(&pod("fd00::6"), "0.0.0.0/0").len(), 1);
    assert!(warned_with(&pod("fd00::6"), "0.0.0.0/0, '::/0'").is_empty());
}
