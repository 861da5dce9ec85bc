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

pub mod api;
pub mod builder;
pub mod checks;
pub mod diff;
mod document;
pub mod engine;
pub mod error;
pub mod flows;
#[cfg(all(feature = "fuzzing", not(target_arch = "wasm32")))]
#[doc(hidden)]
pub mod fuzzing;
pub mod inventory;
mod manifest;
pub mod model;
pub mod parse;
#[cfg(not(target_arch = "wasm32"))]
mod parse_list;
pub mod plan;
pub mod report;
pub mod requirements;
pub mod review;
pub mod source;
mod source_de;
pub mod synth;
pub(crate) mod util;
pub mod validate;
mod yaml;
mod yaml_write;

pub use error::{Error, ErrorCode, ErrorPayload, Result};
pub use yaml_write::to_yaml;
