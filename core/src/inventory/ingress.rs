//! Objects that let traffic in from an ingress controller or gateway through Services:
//! `networking.k8s.io/v1` Ingress, OpenShift `route.openshift.io/v1` Route, and Gateway API
//! `gateway.networking.k8s.io` HTTPRoute and GRPCRoute. Only their backends are kept: which
//! Service, in which namespace, on which Service port.

use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::read::Fields;
use super::{Item, SourceDoc};
use crate::error::Error;
use crate::source::{Node, Value};

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
    pub ports: Vec<ServicePortSpec>,
}

/// One entry of a Service's `spec.ports`: what a backend names and where it sends.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServicePortSpec {
    /// `name`.
    pub name: Option<String>,
    /// `port`.
    pub port: i32,
    /// `targetPort` (`None`: the same as `port`).
    pub target_port: Option<IntOrString>,
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

/// A port given as a number or a name.
fn backend_port(port: IntOrString) -> BackendPort {
    match port {
        IntOrString::Int(n) => BackendPort::Number(n),
        IntOrString::String(s) => BackendPort::Name(s),
    }
}

/// Reads fields from the tree without typed decoding (the WebAssembly core build links this
/// reader, so it stays small): a field of the wrong type is remembered, the first one becomes
/// the reader's error.
#[derive(Default)]
struct Walk {
    /// The first field of the wrong type: pointer and what was expected.
    wrong: Option<(String, &'static str)>,
}

impl Walk {
    fn field<'n>(&mut self, node: &'n Node, key: &str, at: &str, expected: &'static str) -> Option<&'n Node> {
        let value = node.get(key)?;
        if matches!(value.value, Value::Null) {
            return None;
        }
        let fits = matches!(
            (&value.value, expected),
            (Value::Map(_), "a mapping")
                | (Value::Seq(_), "a list")
                | (Value::String(_), "a string")
                | (Value::String(_) | Value::Int(_), "a port number or name")
        );
        if !fits && self.wrong.is_none() {
            self.wrong = Some((format!("{at}/{key}"), expected));
        }
        fits.then_some(value)
    }

    fn map<'n>(&mut self, node: &'n Node, key: &str, at: &str) -> Option<&'n Node> {
        self.field(node, key, at, "a mapping")
    }

    /// The mappings of the list `key`, with their pointers.
    fn maps<'n>(&mut self, node: &'n Node, key: &str, at: &str) -> Vec<(&'n Node, String)> {
        let Some(Value::Seq(items)) = self.field(node, key, at, "a list").map(|n| &n.value) else { return Vec::new() };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let at = format!("{at}/{key}/{i}");
            if matches!(item.value, Value::Map(_)) {
                out.push((item, at));
            } else if self.wrong.is_none() {
                self.wrong = Some((at, "a mapping"));
            }
        }
        out
    }

    fn string(&mut self, node: &Node, key: &str, at: &str) -> Option<String> {
        self.field(node, key, at, "a string").and_then(Node::as_str).map(str::to_owned)
    }

    fn port(&mut self, node: &Node, key: &str, at: &str) -> Option<IntOrString> {
        match &self.field(node, key, at, "a port number or name")?.value {
            Value::String(s) => Some(IntOrString::String(s.clone())),
            Value::Int(n) => i32::try_from(*n).ok().map(IntOrString::Int),
            _ => None,
        }
    }

    /// The reader's answer: `value`, or the error for the first field of the wrong type.
    fn finish<T>(self, fields: &Fields<'_>, value: T) -> Result<T, Error> {
        match self.wrong {
            None => Ok(value),
            Some((pointer, expected)) => Err(fields.wrong_type(&pointer, expected)),
        }
    }
}

/// Reads an Ingress, Route, HTTPRoute or GRPCRoute: its Service backends.
pub(super) fn read_route(kind: RouteKind, fields: &Fields<'_>, source: &SourceDoc) -> Result<Item, Error> {
    let node = fields.root();
    let (namespace, name) = fields.meta(node, "")?.names();
    let mut walk = Walk::default();
    let mut backends = Vec::new();
    if let Some(spec) = walk.map(node, "spec", "") {
        match kind {
            RouteKind::Ingress => read_ingress(&mut walk, spec, &namespace, &mut backends),
            RouteKind::Route => {
                let port = walk.map(spec, "port", "/spec").and_then(|p| walk.port(p, "targetPort", "/spec/port"));
                let port = port.map(backend_port);
                let to = walk.map(spec, "to", "/spec").map(|n| (n, "/spec/to".to_owned()));
                for (target, at) in to.into_iter().chain(walk.maps(spec, "alternateBackends", "/spec")) {
                    if is_service(walk.string(target, "kind", &at).as_deref()) {
                        let service = walk.string(target, "name", &at).unwrap_or_default();
                        backends.push(Backend { namespace: namespace.clone(), service, port: port.clone() });
                    }
                }
            }
            RouteKind::HttpRoute | RouteKind::GrpcRoute => {
                for (rule, at) in walk.maps(spec, "rules", "/spec") {
                    for (backend, at) in walk.maps(rule, "backendRefs", &at) {
                        let group = walk.string(backend, "group", &at);
                        if group.is_some_and(|g| !g.is_empty())
                            || !is_service(walk.string(backend, "kind", &at).as_deref())
                        {
                            continue;
                        }
                        backends.push(Backend {
                            namespace: walk.string(backend, "namespace", &at).unwrap_or_else(|| namespace.clone()),
                            service: walk.string(backend, "name", &at).unwrap_or_default(),
                            port: walk.port(backend, "port", &at).map(backend_port),
                        });
                    }
                }
            }
        }
    }
    let route = RouteResource { kind, namespace, name, backends, source: source.clone() };
    walk.finish(fields, Item::Route(Box::new(route)))
}

/// The backends of an Ingress `spec`: `defaultBackend` and each rule's paths; `service` (v1)
/// or `serviceName`/`servicePort` (v1beta1, removed in Kubernetes 1.22).
fn read_ingress(walk: &mut Walk, spec: &Node, namespace: &str, out: &mut Vec<Backend>) {
    let mut backends: Vec<(&Node, String)> = Vec::new();
    if let Some(b) = walk.map(spec, "defaultBackend", "/spec") {
        backends.push((b, "/spec/defaultBackend".to_owned()));
    }
    for (rule, at) in walk.maps(spec, "rules", "/spec") {
        let Some(http) = walk.map(rule, "http", &at) else { continue };
        for (path, at) in walk.maps(http, "paths", &format!("{at}/http")) {
            if let Some(b) = walk.map(path, "backend", &at) {
                backends.push((b, format!("{at}/backend")));
            }
        }
    }
    for (backend, at) in backends {
        let (service, port) = if let Some(name) = walk.string(backend, "serviceName", &at) {
            (name, walk.port(backend, "servicePort", &at).map(backend_port))
        } else if let Some(service) = walk.map(backend, "service", &at) {
            let at = format!("{at}/service");
            let port = walk.map(service, "port", &at).and_then(|p| {
                let at = format!("{at}/port");
                match walk.string(p, "name", &at).filter(|n| !n.is_empty()) {
                    Some(name) => Some(BackendPort::Name(name)),
                    None => walk.port(p, "number", &at).map(backend_port),
                }
            });
            (walk.string(service, "name", &at).unwrap_or_default(), port)
        } else {
            continue;
        };
        out.push(Backend { namespace: namespace.to_owned(), service, port });
    }
}

/// Reads a Service's `spec.selector` and `spec.ports`.
pub(super) fn read_service_routing(fields: &Fields<'_>) -> Result<ServiceRouting, Error> {
    let node = fields.root();
    let mut walk = Walk::default();
    let Some(spec) = walk.map(node, "spec", "") else { return walk.finish(fields, ServiceRouting::default()) };
    let mut ports = Vec::new();
    for (port, at) in walk.maps(spec, "ports", "/spec") {
        ports.push(ServicePortSpec {
            name: walk.string(port, "name", &at),
            port: match walk.port(port, "port", &at) {
                Some(IntOrString::Int(n)) => n,
                _ => 0,
            },
            target_port: walk.port(port, "targetPort", &at),
        });
    }
    let selector = fields.typed(spec, "selector", "/spec")?;
    walk.finish(fields, ServiceRouting { selector, ports })
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
