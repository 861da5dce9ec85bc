//! Reads each modelled kind from its located tree: only the fields netfence uses, each checked
//! for its type, so a wrong type in one of them is an error that points at it. The rest of an
//! object (container images, volumes, probes, status conditions, ...) is not read and not
//! checked: validating whole pod specs is the API server's and kubeconform's job, and decoding
//! them into full k8s-openapi types cost most of the WebAssembly module and of parse time at
//! 150k pods (docs/decisions.md, "Lean resource model").

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{ContainerPort, PodIP};
use k8s_openapi::api::networking::v1::{NetworkPolicy, NetworkPolicySpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use serde::de::DeserializeOwned;

use super::{ContainerSummary, PodSpecSummary};
use crate::error::{Error, ErrorCode};
use crate::source::de::Segment;
use crate::source::{Node, SourceDoc, Value};

/// serde's message for a `null` read as a string.
const NULL_FOR_STRING: &str = "invalid type: null, expected a string";

/// Replaces the `null` at `path` (below `node`) with the empty string; `false` when there is no
/// `null` there (so each retry of [`Fields::typed`] makes progress).
fn set_empty_string(node: &mut Node, path: &[Segment]) -> bool {
    let mut at = node;
    for segment in path {
        let next = match (segment, &mut at.value) {
            (Segment::Key(key), Value::Map(entries)) => {
                entries.iter_mut().rev().find(|(k, _)| k.name == *key).map(|(_, v)| v)
            }
            (Segment::Index(i), Value::Seq(items)) => items.get_mut(*i),
            _ => None,
        };
        match next {
            Some(next) => at = next,
            None => return false,
        }
    }
    if matches!(at.value, Value::Null) {
        at.value = Value::String(String::new());
        true
    } else {
        false
    }
}

/// The metadata fields netfence reads.
#[derive(Default)]
pub(super) struct Meta {
    pub(super) name: Option<String>,
    pub(super) generate_name: Option<String>,
    pub(super) namespace: Option<String>,
    pub(super) labels: Option<BTreeMap<String, String>>,
    pub(super) annotations: Option<BTreeMap<String, String>>,
    pub(super) owners: Option<Vec<OwnerReference>>,
}

impl Meta {
    /// Namespace (`default` when unset or empty) and name (`generateName` when there is none).
    pub(super) fn names(&self) -> (String, String) {
        super::namespace_and_name(self.namespace.as_deref(), self.name.as_deref(), self.generate_name.as_deref())
    }
}

/// A reader of one resource's fields: its errors name the kind and point into the document.
pub(super) struct Fields<'a> {
    source: &'a SourceDoc,
    kind: &'a str,
}

impl<'a> Fields<'a> {
    pub(super) fn new(source: &'a SourceDoc, kind: &'a str) -> Self {
        Self { source, kind }
    }

    /// The resource's top node.
    pub(super) fn root(&self) -> &'a Node {
        self.source.node()
    }

    fn error(&self, pointer: &str, inner: &str) -> Error {
        let kind = self.kind;
        let at = if pointer.is_empty() { String::new() } else { format!(" at `{pointer}`") };
        Error::new(ErrorCode::ResourceShape, format!("`{kind}` has a field of the wrong type{at}: {inner}"))
            .with_help(format!("check this field against the Kubernetes API reference for `{kind}`"))
            .at(self.source.locate(pointer))
    }

    fn wrong_shape(&self, node: &Node, pointer: &str, expected: &str) -> Error {
        let found = match crate::source::de::describe(&node.value).as_str() {
            "sequence" => "a list".to_owned(),
            "map" => "a mapping".to_owned(),
            other => other.to_owned(),
        };
        self.error(pointer, &format!("expected {expected}, found {found}"))
    }

    /// The error for the field at `pointer` that is not `expected` (`a mapping`, `a string`...).
    pub(super) fn wrong_type(&self, pointer: &str, expected: &str) -> Error {
        self.error(pointer, &format!("expected {expected}"))
    }

    /// The mapping `key` of `node` (`None` when absent or null).
    pub(super) fn map(&self, node: &'a Node, key: &str, pointer: &str) -> Result<Option<&'a Node>, Error> {
        match node.get(key) {
            None => Ok(None),
            Some(n) => match &n.value {
                Value::Null => Ok(None),
                Value::Map(_) => Ok(Some(n)),
                _ => Err(self.wrong_shape(n, &format!("{pointer}/{key}"), "a mapping")),
            },
        }
    }

    /// The mappings of the list `key` of `node` with their pointers (empty when absent or null).
    fn maps(&self, node: &'a Node, key: &str, pointer: &str) -> Result<Vec<(&'a Node, String)>, Error> {
        let at = format!("{pointer}/{key}");
        let items = match node.get(key).map(|n| (n, &n.value)) {
            None | Some((_, Value::Null)) => return Ok(Vec::new()),
            Some((_, Value::Seq(items))) => items,
            Some((n, _)) => return Err(self.wrong_shape(n, &at, "a list")),
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let at = format!("{at}/{i}");
            if !matches!(item.value, Value::Map(_)) {
                return Err(self.wrong_shape(item, &at, "a mapping"));
            }
            out.push((item, at));
        }
        Ok(out)
    }

    /// The field `key` of `node` as a `T` (`None` when absent or null).
    ///
    /// A `null` where a string is expected (`matchLabels: {app: }` in YAML, `values: [null]`)
    /// reads as the empty string, as the API server decodes it (Go's zero value): the server
    /// accepts `app: ""` there, so netfence does too.
    pub(super) fn typed<T: DeserializeOwned>(&self, node: &Node, key: &str, pointer: &str) -> Result<Option<T>, Error> {
        let Some(value) = node.get(key).filter(|n| !matches!(n.value, Value::Null)) else { return Ok(None) };
        let mut patched: Option<Node> = None;
        loop {
            let error = match crate::source::de::from_node::<T>(patched.as_ref().unwrap_or(value)) {
                Ok(typed) => return Ok(Some(typed)),
                Err(e) => e,
            };
            if error.message() == NULL_FOR_STRING {
                let mut copy = patched.take().unwrap_or_else(|| value.clone());
                if set_empty_string(&mut copy, error.path()) {
                    patched = Some(copy);
                    continue;
                }
            }
            let inner = super::plain_serde_message(error.message());
            return Err(self.error(&format!("{pointer}/{key}{}", error.pointer()), &inner));
        }
    }

    /// `metadata` of the object at `node`.
    pub(super) fn meta(&self, node: &'a Node, pointer: &str) -> Result<Meta, Error> {
        let Some(meta) = self.map(node, "metadata", pointer)? else { return Ok(Meta::default()) };
        let at = format!("{pointer}/metadata");
        Ok(Meta {
            name: self.typed(meta, "name", &at)?,
            generate_name: self.typed(meta, "generateName", &at)?,
            namespace: self.typed(meta, "namespace", &at)?,
            labels: self.typed(meta, "labels", &at)?,
            annotations: self.typed(meta, "annotations", &at)?,
            owners: self.typed(meta, "ownerReferences", &at)?,
        })
    }

    /// `hostNetwork` and each container's name and ports of the pod spec `key` of `node`.
    pub(super) fn pod_spec(&self, node: &'a Node, key: &str, pointer: &str) -> Result<PodSpecSummary, Error> {
        let Some(spec) = self.map(node, key, pointer)? else { return Ok(PodSpecSummary::default()) };
        let at = format!("{pointer}/{key}");
        let mut containers = Vec::new();
        for (container, pointer) in self.maps(spec, "containers", &at)? {
            containers.push(ContainerSummary {
                name: self.typed(container, "name", &pointer)?.unwrap_or_default(),
                ports: self.typed::<Vec<ContainerPort>>(container, "ports", &pointer)?.unwrap_or_default(),
            });
        }
        Ok(PodSpecSummary { host_network: self.typed(spec, "hostNetwork", &at)?.unwrap_or(false), containers })
    }

    /// The pod's IPs: `status.podIPs`, then `status.podIP` when it is not among them.
    pub(super) fn pod_ips(&self, node: &'a Node) -> Result<Vec<String>, Error> {
        let Some(status) = self.map(node, "status", "")? else { return Ok(Vec::new()) };
        let mut ips: Vec<String> =
            self.typed::<Vec<PodIP>>(status, "podIPs", "/status")?.into_iter().flatten().map(|p| p.ip).collect();
        if let Some(ip) = self.typed::<String>(status, "podIP", "/status")?
            && !ips.contains(&ip)
        {
            ips.push(ip);
        }
        Ok(ips)
    }

    /// A NetworkPolicy: its metadata as [`Meta`] keeps it, and its whole `spec`.
    pub(super) fn network_policy(&self) -> Result<NetworkPolicy, Error> {
        let node = self.root();
        let meta = self.meta(node, "")?;
        let spec: Option<NetworkPolicySpec> = self.typed(node, "spec", "")?;
        let metadata = ObjectMeta {
            name: meta.name,
            generate_name: meta.generate_name,
            namespace: meta.namespace,
            labels: meta.labels,
            annotations: meta.annotations,
            owner_references: meta.owners,
            ..ObjectMeta::default()
        };
        Ok(NetworkPolicy { metadata, spec })
    }
}
