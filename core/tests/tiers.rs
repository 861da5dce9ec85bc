//! Cluster-scoped policies (AdminNetworkPolicy, BaselineAdminNetworkPolicy, v1alpha2
//! ClusterNetworkPolicy) through the engine: the tiered verdict, explanations, class
//! compression, nodes and networks peers, named ports, and the warnings for what is not
//! evaluated.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use netfence::engine::{CompiledCluster, ConnectionFilter, EngineOptions, SideVerdict};
use netfence::flows::FlowEndpoint;
use netfence::inventory::ResourceSet;
use netfence::model::{Tier, TierAction, WarningCode};
use netfence::source::ParseOptions;

const WORKLOADS: &str = "
apiVersion: v1
kind: Namespace
metadata: {name: sensitive-ns, labels: {tier: sensitive}}
---
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {tier: apps}}
---
apiVersion: v1
kind: Pod
metadata: {name: vault, namespace: sensitive-ns, labels: {app: vault}}
spec: {containers: [{name: v, image: v, ports: [{name: api, containerPort: 8200}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web, team: a}}
spec: {containers: [{name: w, image: w, ports: [{name: http, containerPort: 8080}, {name: dns, containerPort: 53, protocol: UDP}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: shop, labels: {app: client, team: a}}
spec: {containers: [{name: c, image: c}]}
---
apiVersion: v1
kind: Pod
metadata: {name: other, namespace: shop, labels: {app: other, team: b}}
spec: {containers: [{name: c, image: c}]}
";

fn compile(policies: &str) -> (ResourceSet, CompiledCluster) {
    let mut resources = ResourceSet::default();
    resources.add_text(WORKLOADS, "workloads.yaml", &ParseOptions::default()).unwrap();
    resources.add_text(policies, "policies.yaml", &ParseOptions::default()).unwrap();
    assert!(resources.errors.is_empty(), "{:?}", resources.errors);
    let cluster = CompiledCluster::compile(&resources, &EngineOptions::default());
    all_pairs_agree_with_each_connection(&cluster);
    (resources, cluster)
}

/// The all-pairs list (whose candidates are pruned) has exactly the pairs that a direct query
/// of every pair allows.
fn all_pairs_agree_with_each_connection(cluster: &CompiledCluster) {
    let filter = ConnectionFilter { include_self: true, ..ConnectionFilter::default() };
    let listed: std::collections::BTreeSet<(String, String)> = cluster
        .all_pairs(&filter)
        .into_iter()
        .filter(|r| r.src.ends_with(']') && r.dst.ends_with(']'))
        .map(|r| (r.src.to_string(), r.dst.to_string()))
        .collect();
    let names: Vec<String> = cluster.endpoints().map(|e| e.name.clone()).collect();
    for src in &names {
        for dst in &names {
            let c = cluster.connection(src, dst).unwrap();
            let any = !(c.allowed.tcp.is_empty() && c.allowed.udp.is_empty() && c.allowed.sctp.is_empty());
            assert_eq!(any, listed.contains(&(src.clone(), dst.clone())), "{src} => {dst}");
        }
    }
}

fn allowed(cluster: &CompiledCluster, src: &str, dst: &str) -> Vec<(String, Vec<[u16; 2]>)> {
    let c = cluster.connection(src, dst).unwrap();
    let p = c.allowed;
    [("TCP", p.tcp), ("UDP", p.udp), ("SCTP", p.sctp)]
        .into_iter()
        .filter(|(_, r)| !r.is_empty())
        .map(|(n, r)| (n.to_owned(), r))
        .collect()
}

fn all() -> Vec<(String, Vec<[u16; 2]>)> {
    ["TCP", "UDP", "SCTP"].iter().map(|p| ((*p).to_owned(), vec![[1, 65535]])).collect()
}

const DENY_SENSITIVE: &str = "
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: protect-sensitive}
spec:
  priority: 10
  subject: {namespaces: {matchLabels: {tier: sensitive}}}
  ingress:
  - name: deny-everyone
    action: Deny
    from: [{namespaces: {}}]
";

/// The example: an admin Deny into `sensitive-ns` is no longer reported as open.
#[test]
fn admin_deny_closes_a_namespace_and_explain_names_the_rule() {
    let (resources, cluster) = compile(DENY_SENSITIVE);
    assert!(resources.unevaluated.is_empty());
    assert!(allowed(&cluster, "shop/web[Pod]", "sensitive-ns/vault[Pod]").is_empty());
    assert_eq!(allowed(&cluster, "shop/client[Pod]", "shop/web[Pod]"), all());
    // the admin tier does not apply to egress: vault may still send
    assert_eq!(allowed(&cluster, "sensitive-ns/vault[Pod]", "shop/web[Pod]"), all());
    let list = cluster.all_pairs(&ConnectionFilter::default());
    assert!(list.iter().all(|r| r.dst != "sensitive-ns/vault[Pod]" || r.src.contains('-')), "{list:?}");
    // external addresses are not pods: `namespaces` peers do not match them
    assert!(list.iter().any(|r| r.dst == "sensitive-ns/vault[Pod]" && r.src == "0.0.0.0-255.255.255.255"));

    let why = cluster.explain("web", "vault", Some(8200), None).unwrap();
    let range = &why.ranges[0];
    assert!(!range.allowed);
    let SideVerdict::TierDenied { rule } = &range.ingress else { panic!("{:?}", range.ingress) };
    assert_eq!((rule.tier, rule.priority, rule.index), (Tier::Admin, Some(10), 0));
    assert_eq!((rule.kind.as_str(), rule.policy.as_str()), ("AdminNetworkPolicy", "protect-sensitive"));
    assert_eq!((rule.name.as_deref(), rule.action), (Some("deny-everyone"), TierAction::Deny));
    assert_eq!(rule.location.as_ref().unwrap().pointer, "/spec/ingress/0");
    assert_eq!(rule.location.as_ref().unwrap().file, "policies.yaml");
}

const PASS_THEN_BASELINE: &str = "
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: delegate}
spec:
  priority: 5
  subject: {namespaces: {matchLabels: {tier: apps}}}
  ingress:
  - {name: allow-http, action: Allow, from: [{namespaces: {}}], ports: [{portNumber: {protocol: TCP, port: 8080}}]}
  - {name: pass-team-a, action: Pass, from: [{pods: {namespaceSelector: {}, podSelector: {matchLabels: {team: a}}}}]}
  - {name: deny-rest, action: Deny, from: [{namespaces: {}}], ports: [{portRange: {protocol: TCP, start: 1, end: 1000}}]}
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {name: default}
spec:
  subject: {namespaces: {}}
  ingress:
  - {name: baseline-deny, action: Deny, from: [{namespaces: {}}]}
";

/// Allow wins before anything else; Pass hands over to NetworkPolicies (none here) and then to
/// the baseline tier; a Deny after a Pass does not apply to what was passed.
#[test]
fn pass_falls_through_to_network_policies_then_baseline() {
    let (_, cluster) = compile(PASS_THEN_BASELINE);
    // client (team a) → web: 8080 by the admin Allow; the rest passed, then denied by baseline
    assert_eq!(allowed(&cluster, "shop/client[Pod]", "shop/web[Pod]"), vec![("TCP".to_owned(), vec![[8080, 8080]])]);
    // other (team b) → web: 8080 allowed; 1-1000 denied by the admin; the rest baseline-denied
    assert_eq!(allowed(&cluster, "shop/other[Pod]", "shop/web[Pod]"), vec![("TCP".to_owned(), vec![[8080, 8080]])]);

    let why = cluster.explain("client", "web", Some(9000), None).unwrap();
    let range = &why.ranges[0];
    assert_eq!(range.passed.len(), 1);
    assert_eq!(range.passed[0].name.as_deref(), Some("pass-team-a"));
    assert_eq!(range.passed[0].action, TierAction::Pass);
    let SideVerdict::TierDenied { rule } = &range.ingress else { panic!("{:?}", range.ingress) };
    assert_eq!((rule.tier, rule.policy.as_str(), rule.priority), (Tier::Baseline, "default", None));

    // with a NetworkPolicy isolating web, passed traffic is decided by it (no fall-through)
    let np = format!(
        "{PASS_THEN_BASELINE}---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: web, namespace: shop}}
spec:
  podSelector: {{matchLabels: {{app: web}}}}
  ingress: [{{from: [{{podSelector: {{matchLabels: {{app: client}}}}}}], ports: [{{port: 9000}}]}}]
"
    );
    let (_, cluster) = compile(&np);
    assert_eq!(
        allowed(&cluster, "shop/client[Pod]", "shop/web[Pod]"),
        vec![("TCP".to_owned(), vec![[8080, 8080], [9000, 9000]])]
    );
    // other is not passed on 9000: the baseline never sees it, the NP does not allow it
    assert_eq!(allowed(&cluster, "shop/other[Pod]", "shop/web[Pod]"), vec![("TCP".to_owned(), vec![[8080, 8080]])]);
    let why = cluster.explain("client", "web", Some(9000), None).unwrap();
    let range = &why.ranges[0];
    assert!(range.allowed);
    assert!(matches!(range.ingress, SideVerdict::Allowed { .. }), "{:?}", range.ingress);
    assert_eq!(range.passed.len(), 1);
}

/// Lower priority numbers first; the first matching rule decides, whatever comes later.
#[test]
fn priorities_order_admin_policies() {
    let policies = |allow: i32, deny: i32| {
        format!(
            "
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {{name: allow}}
spec:
  priority: {allow}
  subject: {{pods: {{namespaceSelector: {{}}, podSelector: {{matchLabels: {{app: web}}}}}}}}
  ingress: [{{action: Allow, from: [{{namespaces: {{}}}}]}}]
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {{name: deny}}
spec:
  priority: {deny}
  subject: {{pods: {{namespaceSelector: {{}}, podSelector: {{matchLabels: {{app: web}}}}}}}}
  ingress: [{{action: Deny, from: [{{namespaces: {{}}}}]}}]
"
        )
    };
    let (_, cluster) = compile(&policies(1, 2));
    assert_eq!(allowed(&cluster, "shop/client[Pod]", "shop/web[Pod]"), all());
    let (_, cluster) = compile(&policies(3, 2));
    assert!(allowed(&cluster, "shop/client[Pod]", "shop/web[Pod]").is_empty());
}

/// A subject or peer selector is a selector like any other: pods it tells apart are different
/// classes, pods it does not are one.
#[test]
fn classes_follow_cluster_policy_selectors() {
    let (_, plain) = compile("");
    let (_, cluster) = compile(
        "
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: team-b-out}
spec:
  tier: Admin
  priority: 1
  subject: {pods: {namespaceSelector: {}, podSelector: {matchLabels: {team: b}}}}
  egress: [{action: Deny, to: [{namespaces: {}}]}]
",
    );
    assert!(cluster.class_count() > plain.class_count());
    assert!(allowed(&cluster, "shop/other[Pod]", "shop/web[Pod]").is_empty());
    assert_eq!(allowed(&cluster, "shop/client[Pod]", "shop/web[Pod]"), all());
}

/// v1alpha2: `Accept`, `protocols` with numbers, ranges and named ports (any protocol that
/// defines the name), and `networks` and `nodes` peers as external addresses.
#[test]
fn v1alpha2_ports_networks_and_nodes() {
    let (_, cluster) = compile(
        "
apiVersion: v1
kind: Node
metadata: {name: n1, labels: {role: infra}}
status: {addresses: [{type: InternalIP, address: 10.0.0.5}, {type: Hostname, address: n1}]}
---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: web-egress}
spec:
  tier: Admin
  priority: 3
  subject: {pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: client}}}}
  egress:
  - name: named
    action: Accept
    to: [{pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: web}}}}]
    protocols: [{destinationNamedPort: dns}, {tcp: {destinationPort: {range: {start: 8000, end: 8100}}}}]
  - {name: no-infra-nodes, action: Deny, to: [{nodes: {matchLabels: {role: infra}}}]}
  - {name: internet, action: Accept, to: [{networks: [0.0.0.0/0]}], protocols: [{tcp: {destinationPort: {number: 443}}}]}
  - {name: rest, action: Deny, to: [{networks: [0.0.0.0/0]}, {namespaces: {}}]}
",
    );
    assert_eq!(
        allowed(&cluster, "shop/client[Pod]", "shop/web[Pod]"),
        vec![("TCP".to_owned(), vec![[8000, 8100]]), ("UDP".to_owned(), vec![[53, 53]])]
    );
    assert!(allowed(&cluster, "shop/client[Pod]", "10.0.0.5").is_empty());
    assert_eq!(allowed(&cluster, "shop/client[Pod]", "10.0.0.6"), vec![("TCP".to_owned(), vec![[443, 443]])]);
    // other pods are not subjects
    assert_eq!(allowed(&cluster, "shop/other[Pod]", "10.0.0.5"), all());
}

/// Unknown versions of the group stay NF-W001 warnings; domain names are NF-W004 warnings.
#[test]
fn unknown_versions_and_domain_names_are_warnings() {
    let (resources, cluster) = compile(
        "
apiVersion: policy.networking.k8s.io/v1beta9
kind: AdminNetworkPolicy
metadata: {name: future}
spec: {priority: 1, subject: {namespaces: {}}, ingress: [{action: Deny, from: [{namespaces: {}}]}]}
---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: dns-names}
spec:
  tier: Admin
  priority: 7
  subject: {namespaces: {}}
  egress: [{name: to-github, action: Accept, to: [{domainNames: ['*.github.com']}]}]
",
    );
    assert_eq!(resources.unevaluated.len(), 1);
    assert_eq!(resources.cluster_policies.len(), 1);
    let warnings = resources.warnings();
    let codes: Vec<WarningCode> = warnings.iter().map(|w| w.code).collect();
    assert_eq!(codes, [WarningCode::UnevaluatedPolicy, WarningCode::UnresolvedDomainNames]);
    assert!(warnings[1].message.contains("`*.github.com`"), "{}", warnings[1].message);
    assert_eq!(warnings[1].location.as_ref().unwrap().pointer, "/spec/egress/0");
    // the domain rule matches no address: nothing else is decided by it
    assert_eq!(allowed(&cluster, "shop/client[Pod]", "1.2.3.4"), all());
}

/// `networks` match pods by their IPs in the input (the API checks pod-to-pod traffic against
/// them); pods whose IPs the input lacks are evaluated as not matching, and `NF-W005` names them.
#[test]
fn networks_match_pods_by_their_ips() {
    let policies = "
apiVersion: v1
kind: Pod
metadata: {name: inside, namespace: shop, labels: {app: inside}}
spec: {containers: [{name: c, image: c}]}
status: {podIP: 10.1.0.7, podIPs: [{ip: 10.1.0.7}]}
---
apiVersion: v1
kind: Pod
metadata: {name: outside, namespace: shop, labels: {app: outside}}
spec: {containers: [{name: c, image: c}]}
status: {podIP: 10.2.0.7, podIPs: [{ip: 10.2.0.7}]}
---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: no-10-1}
spec:
  tier: Admin
  priority: 5
  subject: {pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: client}}}}
  egress:
  - {name: web-first, action: Accept, to: [{pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: web}}}}]}
  - {name: deny-10-1, action: Deny, to: [{networks: [10.1.0.0/16]}]}
";
    let (resources, cluster) = compile(policies);
    // a pod whose IP is in the CIDR is denied, one outside it is not, an external address in it is
    assert!(allowed(&cluster, "shop/client[Pod]", "shop/inside[Pod]").is_empty());
    assert_eq!(allowed(&cluster, "shop/client[Pod]", "shop/outside[Pod]"), all());
    assert!(allowed(&cluster, "shop/client[Pod]", "10.1.2.3").is_empty());
    // an earlier rule decides first, whatever the IP
    assert_eq!(allowed(&cluster, "shop/client[Pod]", "shop/web[Pod]"), all());
    // the explanation names the networks rule for the pod
    let why = cluster.explain("shop/client[Pod]", "shop/inside[Pod]", Some(80), None).unwrap();
    let SideVerdict::TierDenied { rule } = &why.ranges[0].egress else { panic!("{:?}", why.ranges[0].egress) };
    assert_eq!((rule.name.as_deref(), rule.index, rule.action), (Some("deny-10-1"), 1, TierAction::Deny));
    // pods without IPs in the input (WORKLOADS has none) are named by NF-W005
    let warnings: Vec<_> =
        resources.warnings().into_iter().filter(|w| w.code == WarningCode::NetworksNotAppliedToPods).collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].message.contains("`sensitive-ns/vault[Pod]`"), "{}", warnings[0].message);
    assert!(!warnings[0].message.contains("inside"), "{}", warnings[0].message);
    // every pod with its IP: no warning
    let mut complete = ResourceSet::default();
    complete.add_text(policies, "policies.yaml", &ParseOptions::default()).unwrap();
    assert!(complete.warnings().iter().all(|w| w.code != WarningCode::NetworksNotAppliedToPods));
}

/// A CIDR that holds the IPs of some pods of a workload and not of others cannot be answered
/// per workload: `NF-W006` names the workload and a pod on each side (the network-policy-api
/// conformance suite's InlineCIDRPeers subtest 01 accepts one pod of a StatefulSet).
#[test]
fn networks_that_split_a_workload_make_its_pods_endpoints() {
    // the upstream suite's InlineCIDRPeers/01: an Accept of one StatefulSet pod's /32 before
    // a Deny of everything; a client in another namespace
    let pod = |name: &str, ip: &str| {
        format!(
            "apiVersion: v1
kind: Pod
metadata:
  name: {name}
  namespace: ravenclaw
  labels: {{app: luna}}
  ownerReferences: [{{apiVersion: apps/v1, kind: StatefulSet, name: luna, uid: u1, controller: true}}]
spec: {{containers: [{{name: c, image: c}}]}}
status: {{podIP: {ip}, podIPs: [{{ip: {ip}}}]}}
---
"
        )
    };
    let statefulset = "apiVersion: apps/v1
kind: StatefulSet
metadata: {name: luna, namespace: ravenclaw}
spec: {selector: {matchLabels: {app: luna}}, template: {metadata: {labels: {app: luna}}, spec: {containers: [{name: c, image: c}]}}}
---
apiVersion: v1
kind: Pod
metadata: {name: harry, namespace: gryffindor, labels: {app: harry}}
spec: {containers: [{name: c, image: c}]}
status: {podIP: 10.244.9.1, podIPs: [{ip: 10.244.9.1}]}
---
";
    let policy = |cidr: &str| {
        format!(
            "apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {{name: inline-cidr}}
spec:
  tier: Admin
  priority: 85
  subject: {{namespaces: {{matchLabels: {{kubernetes.io/metadata.name: gryffindor}}}}}}
  egress:
  - {{name: allow-egress-to-specific-pod-ips, action: Accept, to: [{{networks: [{cidr}]}}]}}
  - {{name: deny-all, action: Deny, to: [{{namespaces: {{}}}}]}}
"
        )
    };
    let compile_with = |cidr: &str, statefulset: &str| {
        let text =
            format!("{statefulset}{}{}{}", pod("luna-0", "10.244.1.5"), pod("luna-1", "10.244.2.9"), policy(cidr));
        let mut set = ResourceSet::default();
        set.add_text(&text, "split.yaml", &ParseOptions::default()).unwrap();
        assert!(set.errors.is_empty(), "{:?}", set.errors);
        // the retired NF-W006 is never emitted: the answer is exact
        assert!(set.warnings().iter().all(|w| w.code != WarningCode::NetworksSplitWorkload));
        let cluster = CompiledCluster::compile(&set, &EngineOptions::default());
        all_pairs_agree_with_each_connection(&cluster);
        let names: Vec<String> =
            cluster.endpoints().filter(|e| e.namespace == "ravenclaw").map(|e| e.name.clone()).collect();
        (cluster, names)
    };
    let harry = "gryffindor/harry[Pod]";
    for statefulset in [statefulset, statefulset.split_once("---\n").unwrap().1] {
        // one pod's address: each pod is its own endpoint, with its own IPs and labels
        let (cluster, names) = compile_with("10.244.1.5/32", statefulset);
        assert_eq!(names, ["ravenclaw/luna-0[Pod]", "ravenclaw/luna-1[Pod]"]);
        let luna0 = cluster.endpoints().find(|e| e.workload == "luna-0").unwrap();
        assert_eq!(
            (luna0.ips.clone(), luna0.pods, luna0.labels.get("app").map(String::as_str)),
            (vec!["10.244.1.5".to_owned()], 1, Some("luna"))
        );
        assert_eq!(allowed(&cluster, harry, "ravenclaw/luna-0[Pod]"), all());
        assert!(allowed(&cluster, harry, "ravenclaw/luna-1[Pod]").is_empty());
        // flow records name the pod as the engine does, whether by pod, workload or IP
        let mut set = ResourceSet::default();
        let text = format!("{statefulset}{}{}", pod("luna-0", "10.244.1.5"), pod("luna-1", "10.244.2.9"));
        set.add_text(&format!("{text}{}", policy("10.244.1.5/32")), "split.yaml", &ParseOptions::default()).unwrap();
        let resolver = netfence::flows::resolve::FlowResolver::new(&set, &cluster);
        let record = |pod: Option<&str>, ip: Option<&str>| FlowEndpoint {
            namespace: Some("ravenclaw".to_owned()),
            pod: pod.map(str::to_owned),
            workload: Some("luna".to_owned()),
            workload_kind: Some("StatefulSet".to_owned()),
            ip: ip.map(str::to_owned),
            ..FlowEndpoint::default()
        };
        for (pod, ip, name) in [
            (Some("luna-1"), None, "ravenclaw/luna-1[Pod]"),
            (Some("luna-0"), None, "ravenclaw/luna-0[Pod]"),
            (None, Some("10.244.2.9"), "ravenclaw/luna-1[Pod]"),
        ] {
            assert_eq!(resolver.name(&resolver.resolve(&record(pod, ip))), name);
        }
        // host bits are ignored as for every CIDR: 10.244.2.0/24 holds luna-1 only
        let (cluster, names) = compile_with("10.244.2.77/24", statefulset);
        assert_eq!(names, ["ravenclaw/luna-0[Pod]", "ravenclaw/luna-1[Pod]"]);
        assert!(allowed(&cluster, harry, "ravenclaw/luna-0[Pod]").is_empty());
        assert_eq!(allowed(&cluster, harry, "ravenclaw/luna-1[Pod]"), all());
        // both pods or neither: one endpoint, as without networks
        for (cidr, open) in [("10.244.0.0/16", true), ("192.168.0.0/16", false), ("fd00::/8", false)] {
            let (cluster, names) = compile_with(cidr, statefulset);
            assert_eq!(names, ["ravenclaw/luna[StatefulSet]"], "{cidr}");
            assert_eq!(allowed(&cluster, harry, "ravenclaw/luna[StatefulSet]").is_empty(), !open, "{cidr}");
        }
    }
}

#[test]
fn ip_blocks_split_a_workload_in_pod_ips_mode_only() {
    // two pods of a Deployment (through its absent ReplicaSet) on nodes with different pod CIDRs
    let pod = |suffix: &str, ip: &str| {
        format!(
            "---
apiVersion: v1
kind: Pod
metadata: {{name: api-7d9f-{suffix}, namespace: shop, labels: {{app: api, pod-template-hash: 7d9f}}, ownerReferences: [{{apiVersion: apps/v1, kind: ReplicaSet, name: api-7d9f, uid: u, controller: true}}]}}
spec: {{containers: [{{name: c, image: c}}]}}
status: {{podIPs: [{{ip: {ip}}}]}}
"
        )
    };
    let web = "apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec: {selector: {matchLabels: {app: api}}, template: {metadata: {labels: {app: api}}, spec: {containers: [{name: c, image: c}]}}}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec: {containers: [{name: c, image: c}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-egress, namespace: shop}
spec: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 10.1.0.0/16}}]}]}
";
    let text = format!("{web}{}{}", pod("a", "10.1.0.4"), pod("b", "10.2.0.4"));
    let mut set = ResourceSet::default();
    set.add_text(&text, "blocks.yaml", &ParseOptions::default()).unwrap();
    let names = |cluster: &CompiledCluster| cluster.endpoints().map(|e| e.name.clone()).collect::<Vec<_>>();
    // by default ipBlocks are external addresses: the Deployment stays one endpoint
    let cluster = CompiledCluster::compile(&set, &EngineOptions::default());
    assert_eq!(names(&cluster), ["shop/api[Deployment]", "shop/web[Pod]"]);
    // in PodIps mode the block holds one of its pods: each pod is an endpoint
    let options = EngineOptions { ip_block_mode: netfence::engine::IpBlockMode::PodIps };
    let cluster = CompiledCluster::compile(&set, &options);
    all_pairs_agree_with_each_connection(&cluster);
    assert_eq!(names(&cluster), ["shop/api-7d9f-a[Pod]", "shop/api-7d9f-b[Pod]", "shop/web[Pod]"]);
    assert_eq!(allowed(&cluster, "shop/web[Pod]", "shop/api-7d9f-a[Pod]"), all());
    assert!(allowed(&cluster, "shop/web[Pod]", "shop/api-7d9f-b[Pod]").is_empty());
}
