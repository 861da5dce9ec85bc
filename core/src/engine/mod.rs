//! The connectivity engine: exact Kubernetes NetworkPolicy semantics (see `DESIGN.md`),
//! compiled once, queried many times.
//!
//! ```
//! use netfence::engine::{CompiledCluster, ConnectionFilter, EngineOptions};
//! use netfence::inventory::ResourceSet;
//! use netfence::source::ParseOptions;
//!
//! let yaml = r#"
//! apiVersion: apps/v1
//! kind: Deployment
//! metadata: {name: web, namespace: shop}
//! spec:
//!   selector: {matchLabels: {app: web}}
//!   template:
//!     metadata: {labels: {app: web}}
//!     spec: {containers: [{name: web, image: nginx, ports: [{name: http, containerPort: 8080}]}]}
//! ---
//! apiVersion: apps/v1
//! kind: Deployment
//! metadata: {name: client, namespace: shop}
//! spec:
//!   selector: {matchLabels: {app: client}}
//!   template:
//!     metadata: {labels: {app: client}}
//!     spec: {containers: [{name: c, image: curl}]}
//! ---
//! apiVersion: networking.k8s.io/v1
//! kind: NetworkPolicy
//! metadata: {name: web-from-client, namespace: shop}
//! spec:
//!   podSelector: {matchLabels: {app: web}}
//!   ingress:
//!   - from: [{podSelector: {matchLabels: {app: client}}}]
//!     ports: [{port: http}]
//! "#;
//! let mut resources = ResourceSet::default();
//! resources.add_text(yaml, "shop.yaml", &ParseOptions::default()).unwrap();
//! let cluster = CompiledCluster::compile(&resources, &EngineOptions::default());
//!
//! let conn = cluster.connection("shop/client[Deployment]", "shop/web[Deployment]").unwrap();
//! assert_eq!(conn.allowed.tcp, vec![[8080, 8080]]);
//!
//! let why = cluster.explain("client", "web", Some(8080), None).unwrap();
//! assert!(why.ranges[0].allowed);
//!
//! let list = cluster.all_pairs(&ConnectionFilter::default());
//! assert!(list.iter().any(|r| r.src == "shop/web[Deployment]" && r.dst == "0.0.0.0-255.255.255.255"));
//! ```

mod bitset;
mod compile;
mod coverage;
pub(crate) mod endpoints;
mod explain;
mod exposure;
mod grouped;
#[cfg_attr(not(feature = "routes"), allow(dead_code))]
mod ingress;
pub mod intervals;
pub mod ipset;
mod policy;
pub mod ports;
mod query;
mod rule_scope;
mod selection;
mod selector;
pub(crate) use exposure::{names_every_potential_pod, potential_pod_families};
pub(crate) use selector::is_empty_selector;
mod tier_rules;
mod tiers;
mod types;

pub use compile::CompiledCluster;
pub use coverage::{CoveredRule, RuleId};
pub use exposure::{EndpointExposure, ExposedTo, Exposure, PotentialPeer, SideExposure, exposure_ports_text};
pub use grouped::{EndpointGroup, GroupConnection, GroupedConnectivity};
pub use ingress::INGRESS_CONTROLLER;
pub use ipset::{IpFamily, IpRange, IpSet};
pub use policy::{ip_block_addresses, policy_types};
pub use ports::{PortRanges, PortSet, Ports, range_text, ranges_text};
pub use selector::LabelMatcher;
pub(crate) use types::sort_canonical;
pub use types::{
    Connection, ConnectionFilter, ConnectionRecord, Connectivity, Direction, Endpoint, EndpointName, EngineOptions,
    ExplainedRange, Explanation, ExternalRange, IpBlockMode, Isolation, NamedPort, PolicyRef, ProtocolPort, RuleRef,
    SideVerdict, TierPolicyRef, TierRuleRef,
};
