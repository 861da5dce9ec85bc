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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use crate::api::call_json;

    const SHOP: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: api-1, namespace: shop, labels: {app: api}}\nstatus: {podIP: 10.0.0.5}\n";
    const CSV: &str = "srcIp,dstNamespace,dstPod,dstIp,protocol,dstPort,verdict\n203.0.113.7,shop,api-1,10.0.0.5,TCP,8080,forwarded\nbroken\n";

    #[test]
    fn flow_operations_run_through_call_json() {
        let request =
            serde_json::json!({"sources": [{"text": SHOP}], "flows": [{"name": "f.csv", "text": CSV}]}).to_string();
        for op in ["flow_map", "flowMap"] {
            let map: serde_json::Value = serde_json::from_str(&call_json(op, &request).unwrap()).unwrap();
            assert_eq!(map["entries"][0]["dst"], "shop/api-1[Pod]", "{map}");
            assert_eq!(map["ingest"]["malformedLines"][0]["line"], 3, "{map}");
        }
        let generated: serde_json::Value = serde_json::from_str(&call_json("generate", &request).unwrap()).unwrap();
        assert_eq!(generated["verification"]["allowed"], 1, "{generated}");
        for op in ["drops", "audit"] {
            assert!(call_json(op, &request).is_ok(), "{op}");
        }
        let impact = serde_json::json!({"base": [{"text": SHOP}], "head": [{"text": SHOP}], "flows": [{"text": CSV}]});
        let impact: serde_json::Value =
            serde_json::from_str(&call_json("impact", &impact.to_string()).unwrap()).unwrap();
        assert_eq!(impact["unchangedAllowed"], 1, "{impact}");
    }
}
