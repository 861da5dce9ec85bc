//! How netfence writes a NetworkPolicy: `apiVersion`, `kind`, the metadata a manifest carries
//! and the whole `spec`. The server-set timestamps (`creationTimestamp`, `deletionTimestamp`)
//! and `managedFields` are not written: netfence never reads them (`inventory/read.rs`), and
//! leaving k8s-openapi's `ObjectMeta` serializer out keeps its time library (`jiff`, ~95 KiB of
//! code) out of the WebAssembly module.

use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::Value;

/// A policy as netfence writes it.
pub(crate) struct Manifest<'a>(pub(crate) &'a NetworkPolicy);

impl Serialize for Manifest<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let policy = self.0;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("apiVersion", "networking.k8s.io/v1")?;
        map.serialize_entry("kind", "NetworkPolicy")?;
        map.serialize_entry("metadata", &Metadata(&policy.metadata))?;
        if let Some(spec) = &policy.spec {
            map.serialize_entry("spec", spec)?;
        }
        map.end()
    }
}

/// The metadata fields of a manifest, in k8s-openapi's (alphabetical) order.
struct Metadata<'a>(&'a ObjectMeta);

impl Serialize for Metadata<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let m = self.0;
        let mut map = serializer.serialize_map(None)?;
        if let Some(v) = &m.annotations {
            map.serialize_entry("annotations", v)?;
        }
        if let Some(v) = &m.deletion_grace_period_seconds {
            map.serialize_entry("deletionGracePeriodSeconds", v)?;
        }
        if let Some(v) = &m.finalizers {
            map.serialize_entry("finalizers", v)?;
        }
        if let Some(v) = &m.generate_name {
            map.serialize_entry("generateName", v)?;
        }
        if let Some(v) = &m.generation {
            map.serialize_entry("generation", v)?;
        }
        if let Some(v) = &m.labels {
            map.serialize_entry("labels", v)?;
        }
        if let Some(v) = &m.name {
            map.serialize_entry("name", v)?;
        }
        if let Some(v) = &m.namespace {
            map.serialize_entry("namespace", v)?;
        }
        if let Some(v) = &m.owner_references {
            map.serialize_entry("ownerReferences", v)?;
        }
        if let Some(v) = &m.resource_version {
            map.serialize_entry("resourceVersion", v)?;
        }
        if let Some(v) = &m.self_link {
            map.serialize_entry("selfLink", v)?;
        }
        if let Some(v) = &m.uid {
            map.serialize_entry("uid", v)?;
        }
        map.end()
    }
}

/// The policy as a JSON value.
pub(crate) fn to_value(policy: &NetworkPolicy) -> Result<Value, serde_json::Error> {
    serde_json::to_value(Manifest(policy))
}

/// `serialize_with` for a list of policies.
#[allow(clippy::ptr_arg)] // serde passes the field as it is declared
pub(crate) fn serialize_list<S: Serializer>(policies: &Vec<NetworkPolicy>, serializer: S) -> Result<S::Ok, S::Error> {
    let mut seq = serializer.serialize_seq(Some(policies.len()))?;
    for policy in policies {
        seq.serialize_element(&Manifest(policy))?;
    }
    seq.end()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// Written as k8s-openapi writes it, without the timestamps and managedFields.
    #[test]
    fn manifest_equals_k8s_openapi_output_without_server_timestamps() {
        let full: NetworkPolicy = serde_json::from_value(serde_json::json!({
            "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": "p", "namespace": "x", "generateName": "g", "labels": {"a": "1"},
                "annotations": {"b": "2"}, "uid": "u", "resourceVersion": "7", "generation": 3,
                "finalizers": ["f"], "selfLink": "/s", "deletionGracePeriodSeconds": 5,
                "ownerReferences": [{"apiVersion": "v1", "kind": "K", "name": "n", "uid": "o", "controller": true}],
                "creationTimestamp": "2024-05-01T10:00:00Z", "deletionTimestamp": "2024-05-02T10:00:00Z",
                "managedFields": [{"manager": "kubectl"}]},
            "spec": {"podSelector": {"matchLabels": {"app": "a"}}, "policyTypes": ["Ingress"],
                "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}],
                             "ports": [{"port": "http"}, {"port": 80, "endPort": 90, "protocol": "TCP"}]}]}
        }))
        .unwrap();
        let mut expected = serde_json::to_value(&full).unwrap();
        let meta = expected.get_mut("metadata").and_then(Value::as_object_mut).unwrap();
        for server in ["creationTimestamp", "deletionTimestamp", "managedFields"] {
            assert!(meta.remove(server).is_some(), "{server}");
        }
        assert_eq!(to_value(&full).unwrap(), expected);
        let empty = NetworkPolicy::default();
        assert_eq!(to_value(&empty).unwrap(), serde_json::to_value(&empty).unwrap());
    }
}
