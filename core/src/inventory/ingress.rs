//! Objects that let traffic in from an ingress controller or gateway through Services:
//! `networking.k8s.io/v1` Ingress, OpenShift `route.openshift.io/v1` Route, and Gateway API
//! `gateway.networking.k8s.io` HTTPRoute and GRPCRoute. Only their backends are kept: which
//! Service, in which namespace, on which Service port.

use k8s_openapi::api::core::v1::ServicePort;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Deserialize;

use super::read::Fields;
use super::{Item, SourceDoc};
use crate::error::Error;

/// The kind of an object that routes external traffic to Services.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RouteKind {
    /// `networking.k8s.io/v1` Ingress.
    Ingress,
    /// `route.openshift.io/v1` Route.
    Route,
    /// `gateway.networking.k8s.io` HTTPRoute.
    HttpRoute,
    /// `gateway.networking.k8s.io` GRPCRoute.
    GrpcRoute,
}

impl RouteKind {
    /// The kind as Kubernetes writes it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ingress => "Ingress",
            Self::Route => "Route",
            Self::HttpRoute => "HTTPRoute",
            Self::GrpcRoute => "GRPCRoute",
        }
    }
}

/// A Service port as a backend names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BackendPort {
    /// By the Service port's number.
    Number(i32),
    /// By the Service port's name (or, for a Route, a target port name).
    Name(String),
}

/// One backend: a Service and, when given, which of its ports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backend {
    /// The Service's namespace.
    pub namespace: String,
    /// The Service's name.
    pub service: String,
    /// The port; `None`: every port of the Service.
    pub port: Option<BackendPort>,
}

/// An Ingress, Route, HTTPRoute or GRPCRoute with its Service backends.
#[derive(Clone, Debug)]
pub struct RouteResource {
    /// Which kind.
    pub kind: RouteKind,
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// Backends that are Services, in order (backends of other kinds are not kept).
    pub backends: Vec<Backend>,
    /// Where it came from.
    pub source: SourceDoc,
}

/// A Service's selector and ports.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServiceRouting {
    /// `spec.selector` (`None`: the Service selects no pods by itself).
    pub selector: Option<std::collections::BTreeMap<String, String>>,
    /// `spec.ports`.
    pub ports: Vec<ServicePort>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct IngressSpec {
    default_backend: Option<IngressBackend>,
    #[serde(default)]
    rules: Vec<IngressRule>,
}

#[derive(Deserialize, Default)]
struct IngressRule {
    http: Option<IngressHttp>,
}

#[derive(Deserialize, Default)]
struct IngressHttp {
    #[serde(default)]
    paths: Vec<IngressPath>,
}

#[derive(Deserialize, Default)]
struct IngressPath {
    backend: Option<IngressBackend>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct IngressBackend {
    service: Option<IngressService>,
    /// `extensions/v1beta1` and `networking.k8s.io/v1beta1` (removed in Kubernetes 1.22).
    service_name: Option<String>,
    service_port: Option<IntOrString>,
}

#[derive(Deserialize, Default)]
struct IngressService {
    #[serde(default)]
    name: String,
    port: Option<IngressServicePort>,
}

#[derive(Deserialize, Default)]
struct IngressServicePort {
    name: Option<String>,
    number: Option<i32>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RouteSpec {
    to: Option<RouteTarget>,
    #[serde(default)]
    alternate_backends: Vec<RouteTarget>,
    port: Option<RoutePort>,
}

#[derive(Deserialize, Default)]
struct RouteTarget {
    kind: Option<String>,
    #[serde(default)]
    name: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RoutePort {
    target_port: Option<IntOrString>,
}

#[derive(Deserialize, Default)]
struct GatewayRouteSpec {
    #[serde(default)]
    rules: Vec<GatewayRule>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct GatewayRule {
    #[serde(default)]
    backend_refs: Vec<BackendRef>,
}

#[derive(Deserialize, Default)]
struct BackendRef {
    group: Option<String>,
    kind: Option<String>,
    #[serde(default)]
    name: String,
    namespace: Option<String>,
    port: Option<i32>,
}

/// Whether `(group, kind)` is one of the routing kinds read here.
pub(super) fn route_kind(group: &str, kind: &str) -> Option<RouteKind> {
    match (group, kind) {
        ("networking.k8s.io" | "extensions", "Ingress") => Some(RouteKind::Ingress),
        ("route.openshift.io", "Route") => Some(RouteKind::Route),
        ("gateway.networking.k8s.io", "HTTPRoute") => Some(RouteKind::HttpRoute),
        ("gateway.networking.k8s.io", "GRPCRoute") => Some(RouteKind::GrpcRoute),
        _ => None,
    }
}

fn is_service(kind: Option<&str>) -> bool {
    kind.is_none_or(|k| k.is_empty() || k == "Service")
}

/// Reads an Ingress, Route, HTTPRoute or GRPCRoute: its Service backends.
pub(super) fn read_route(kind: RouteKind, fields: &Fields<'_>, source: &SourceDoc) -> Result<Item, Error> {
    let node = fields.root();
    let (namespace, name) = fields.meta(node, "")?.names();
    let service = |service: String, port: Option<BackendPort>| Backend { namespace: namespace.clone(), service, port };
    let mut backends = Vec::new();
    match kind {
        RouteKind::Ingress => {
            let spec: IngressSpec = fields.typed(node, "spec", "")?.unwrap_or_default();
            let paths = spec.rules.into_iter().flat_map(|r| r.http.map(|h| h.paths).unwrap_or_default());
            for backend in spec.default_backend.into_iter().chain(paths.filter_map(|p| p.backend)) {
                if let Some(name) = backend.service_name {
                    let port = backend.service_port.map(|p| match p {
                        IntOrString::Int(n) => BackendPort::Number(n),
                        IntOrString::String(s) => BackendPort::Name(s),
                    });
                    backends.push(service(name, port));
                } else if let Some(s) = backend.service {
                    let port = s.port.and_then(|p| match (p.name.filter(|n| !n.is_empty()), p.number) {
                        (Some(name), _) => Some(BackendPort::Name(name)),
                        (None, Some(number)) => Some(BackendPort::Number(number)),
                        (None, None) => None,
                    });
                    backends.push(service(s.name, port));
                }
            }
        }
        RouteKind::Route => {
            let spec: RouteSpec = fields.typed(node, "spec", "")?.unwrap_or_default();
            let port = spec.port.and_then(|p| p.target_port).map(|p| match p {
                IntOrString::Int(n) => BackendPort::Number(n),
                IntOrString::String(s) => BackendPort::Name(s),
            });
            for target in spec.to.into_iter().chain(spec.alternate_backends) {
                if is_service(target.kind.as_deref()) {
                    backends.push(service(target.name, port.clone()));
                }
            }
        }
        RouteKind::HttpRoute | RouteKind::GrpcRoute => {
            let spec: GatewayRouteSpec = fields.typed(node, "spec", "")?.unwrap_or_default();
            for backend in spec.rules.into_iter().flat_map(|r| r.backend_refs) {
                if backend.group.as_deref().is_none_or(str::is_empty) && is_service(backend.kind.as_deref()) {
                    backends.push(Backend {
                        namespace: backend.namespace.unwrap_or_else(|| namespace.clone()),
                        service: backend.name,
                        port: backend.port.map(BackendPort::Number),
                    });
                }
            }
        }
    }
    Ok(Item::Route(Box::new(RouteResource { kind, namespace, name, backends, source: source.clone() })))
}

/// Reads a Service's `spec.selector` and `spec.ports`.
pub(super) fn read_service_routing(fields: &Fields<'_>) -> Result<ServiceRouting, Error> {
    let node = fields.root();
    let Some(spec) = fields.map(node, "spec", "")? else { return Ok(ServiceRouting::default()) };
    Ok(ServiceRouting {
        selector: fields.typed(spec, "selector", "/spec")?,
        ports: fields.typed(spec, "ports", "/spec")?.unwrap_or_default(),
    })
}

/// `NF-W003` for each backend whose Service is not in the input or has no selector (its
/// endpoints would come from EndpointSlices, which are not read), once per route and Service.
pub(super) fn unresolved_backends(resources: &super::ResourceSet) -> Vec<crate::model::Warning> {
    let mut out: Vec<crate::model::Warning> = Vec::new();
    for route in &resources.routes {
        let mut seen: Vec<(&str, &str)> = Vec::new();
        for backend in &route.backends {
            let key = (backend.namespace.as_str(), backend.service.as_str());
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
            let service =
                resources.services.iter().find(|s| s.namespace == backend.namespace && s.name == backend.service);
            let why = match service {
                None => "is not in the input",
                Some(s) if s.routing.selector.is_none() => "has no selector",
                Some(_) => continue,
            };
            let resource = format!("{} {}/{}", route.kind.as_str(), route.namespace, route.name);
            out.push(crate::model::Warning {
                code: crate::model::WarningCode::UnresolvedBackend,
                message: format!(
                    "`{resource}` sends traffic to Service `{}/{}`, which {why}: no connection through it is shown",
                    backend.namespace, backend.service
                ),
                help: Some(
                    "add the Service (with its selector) to the input; a Service without selector sends to the endpoints of its EndpointSlices, which netfence does not read"
                        .to_owned(),
                ),
                resource: Some(resource),
                location: Some(route.source.locate("")),
            });
        }
    }
    out
}
