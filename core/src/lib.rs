//! # netfence
//!
//! One engine for the whole life of Kubernetes NetworkPolicies: parse manifests with source
//! locations, validate them as the API server would, build default-deny-plus-allow policies
//! from a typed builder or a declarative intent, and (in later modules) analyze connectivity,
//! review changes and learn from flow logs.
//!
//! ```
//! use netfence::api;
//!
//! let yaml = r#"
//! apiVersion: networking.k8s.io/v1
//! kind: NetworkPolicy
//! metadata: {name: deny-all, namespace: shop}
//! spec:
//!   podSelector: {}
//!   policyTypes: [Ingress, Egress]
//! "#;
//! let report = api::validate(&api::ValidateRequest::from_text(yaml)).unwrap();
//! assert!(report.findings.is_empty());
//! ```

#![deny(missing_docs)]

pub mod api;
pub mod builder;
pub mod checks;
pub mod diff;
pub mod engine;
pub mod error;
pub mod flows;
mod hashing;
pub mod inventory;
mod location;
pub mod model;
mod parallel;
pub mod plan;
pub mod report;
pub mod requirements;
pub mod review;
pub mod rules;
mod sorted;
pub mod source;
mod suggest;
pub mod synth;
pub mod validate;

pub use error::{Error, ErrorCode, ErrorPayload, Result};
pub use source::to_yaml;
