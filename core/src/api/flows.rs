//! The flow-log operations: `flow_map` ([`traffic_map`], the traffic map), `generate` (least-privilege policies
//! from observed flows), `impact` (what a change does to real traffic), `drops` (why dropped
//! flows were denied) and `audit` (rule hits over a window).
//!
//! Each request carries manifests as [`Source`](super::Source)s and flow logs as
//! [`FlowSource`]s (text, with a format). The `*_with_log` forms take flows read already, e.g.
//! streamed from large or compressed files with [`FlowIngester`](crate::flows::FlowIngester);
//! they leave the request's `flows` unread.

pub use crate::flows::audit::{AuditRequest, AuditResponse, audit, audit_with_log};
pub use crate::flows::drops::{DropsRequest, DropsResponse, drops, drops_with_log};
pub use crate::flows::generate::{GenerateRequest, GenerateResponse, generate, generate_with_log};
pub use crate::flows::impact::{ImpactRequest, ImpactResponse, impact, impact_with_log};
pub use crate::flows::map::{TrafficMapRequest, TrafficMapResponse, traffic_map, traffic_map_with_log};
pub use crate::flows::{FlowFormat, FlowSource};
