//! Connections from outside through an ingress controller or gateway: Ingress, OpenShift
//! Route, and Gateway API HTTPRoute/GRPCRoute backends resolved through Services to
//! endpoints, shown as connections from `{ingress-controller}` (netpol-analyzer's name).
//!
//! As netpol-analyzer does: a Service without `selector` sends nowhere; a backend that names a
//! Service port (by name or number, or a Route's target port) uses that port's `targetPort`
//! (its `port` when unset), every port of the Service otherwise; a named target port resolves
//! on the endpoint's TCP container ports. Unlike netpol-analyzer, a numbered target port need
//! not be declared as a container port (Kubernetes delivers to it all the same; no corpus case
//! depends on the difference). The ingress controller is a pod with no labels in a namespace of its
//! own (`ingress-controller-ns`), so the endpoint's ingress policies must admit such a pod:
//! only rules without peers or with `namespaceSelector: {}` (and an empty or absent
//! `podSelector`) do.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::compile::CompiledCluster;
use super::ports::{PortRanges, PortSet};
use super::selector::CompiledSelector;
use super::types::{ConnectionFilter, ConnectionRecord, Direction};
use crate::inventory::{BackendPort, NAMESPACE_NAME_LABEL, ResourceSet, ServicePortSpec};
use crate::model::Protocol;

/// The source of connections through ingress objects, as netpol-analyzer names it.
pub const INGRESS_CONTROLLER: &str = "{ingress-controller}";
/// The namespace the ingress controller pod is taken to run in.
const CONTROLLER_NAMESPACE: &str = "ingress-controller-ns";
/// The ingress controller pod's name, for focus options.
const CONTROLLER_NAME: &str = "ingress-controller";

/// The pod ports a backend reaches through a Service's ports: `targetPort` (or `port`) of the
/// Service port the backend names, or of every port when it names none.
fn access_ports(ports: &[ServicePortSpec], wanted: Option<&BackendPort>) -> Vec<IntOrString> {
    let access = |p: &ServicePortSpec| match &p.target_port {
        Some(IntOrString::Int(n)) if *n != 0 => IntOrString::Int(*n),
        Some(IntOrString::String(s)) if !s.is_empty() => IntOrString::String(s.clone()),
        _ => IntOrString::Int(p.port),
    };
    let Some(wanted) = wanted else { return ports.iter().map(access).collect() };
    let named = |p: &ServicePortSpec| match wanted {
        BackendPort::Number(n) => p.port == *n || p.target_port == Some(IntOrString::Int(*n)),
        BackendPort::Name(s) => {
            p.name.as_deref().is_some_and(|n| !n.is_empty() && n == s)
                || p.target_port == Some(IntOrString::String(s.clone()))
        }
    };
    ports.iter().find(|p| named(p)).map(access).into_iter().collect()
}

impl CompiledCluster {
    /// The ports each endpoint (by index) is reachable on from the ingress controller: through
    /// the routes' Services, and as far as the endpoint's ingress policies admit the
    /// controller pod. Endpoints with nothing reachable are left out.
    pub(crate) fn connect_ingress_controller(&self, resources: &ResourceSet) -> Vec<(u32, PortSet)> {
        if resources.routes.is_empty() {
            return Vec::new();
        }
        let mut reached: Vec<PortSet> = vec![PortSet::empty(); self.endpoints.len()];
        for route in &resources.routes {
            for backend in &route.backends {
                let service =
                    resources.services.iter().find(|s| s.namespace == backend.namespace && s.name == backend.service);
                let Some((service, selector)) = service.and_then(|s| Some((s, s.routing.selector.as_ref()?))) else {
                    continue;
                };
                let wanted = access_ports(&service.routing.ports, backend.port.as_ref());
                // the endpoints of the Service's namespace: a run of the sorted names
                let prefix = format!("{}/", service.namespace);
                let first = self.endpoints.partition_point(|e| e.public.name.as_str() < prefix.as_str());
                for (e, endpoint) in self.endpoints.iter().enumerate().skip(first) {
                    let public = &endpoint.public;
                    if !public.name.starts_with(&prefix) {
                        break;
                    }
                    if !selector.iter().all(|(k, v)| public.labels.get(k) == Some(v)) {
                        continue;
                    }
                    for port in &wanted {
                        let number = match port {
                            IntOrString::Int(n) => u16::try_from(*n).ok(),
                            IntOrString::String(name) => public
                                .named_ports
                                .iter()
                                .find(|p| p.name == *name && p.protocol == Protocol::Tcp)
                                .map(|p| p.port),
                        };
                        let Some(number) = number else { continue };
                        if let Some(ports) = reached.get_mut(e) {
                            ports.add(Protocol::Tcp, &PortRanges::range(number, number));
                        }
                    }
                }
            }
        }
        reached
            .into_iter()
            .enumerate()
            .filter(|(_, ports)| !ports.is_empty())
            .filter_map(|(e, ports)| {
                let class = self.endpoints.get(e)?.class;
                let allowed = ports.intersection(&self.admitted_from_controller(resources, class));
                (!allowed.is_empty()).then_some((u32::try_from(e).ok()?, allowed))
            })
            .collect()
    }

    /// What the ingress side of `class` admits from the ingress controller pod.
    fn admitted_from_controller(&self, resources: &ResourceSet, class: usize) -> PortSet {
        let Some(side) = self.ingress.get(class).filter(|s| s.isolated()) else { return PortSet::all() };
        let mut namespace_labels = BTreeMap::new();
        namespace_labels.insert(NAMESPACE_NAME_LABEL.to_owned(), CONTROLLER_NAMESPACE.to_owned());
        let pod_labels = BTreeMap::new();
        let mut allowed = PortSet::empty();
        for rule in side.rules.iter().filter_map(|r| self.rules.get(*r)) {
            let policy = resources.policies.get(rule.policy);
            let peers = policy
                .and_then(|p| p.object.spec.as_ref())
                .and_then(|s| s.ingress.as_ref())
                .and_then(|rules| rules.get(rule.index))
                .and_then(|r| r.from.as_ref());
            let admits = rule.all_peers
                || peers.is_some_and(|peers| {
                    peers.iter().any(|peer| {
                        if peer.ip_block.is_some() || (peer.namespace_selector.is_none() && peer.pod_selector.is_none())
                        {
                            return false;
                        }
                        let namespace = match &peer.namespace_selector {
                            None => policy.is_some_and(|p| p.namespace == CONTROLLER_NAMESPACE),
                            Some(s) => CompiledSelector::compile(s).matches(&namespace_labels),
                        };
                        namespace
                            && peer
                                .pod_selector
                                .as_ref()
                                .is_none_or(|s| CompiledSelector::compile(s).matches(&pod_labels))
                    })
                });
            if admits && rule.direction == Direction::Ingress {
                allowed.union_with(&self.rule_ports(rule, Some(class)));
            }
        }
        allowed
    }

    /// The `{ingress-controller}` records `filter` keeps (the controller is a focus workload
    /// as `ingress-controller`).
    pub(crate) fn ingress_controller_records(&self, filter: &ConnectionFilter) -> Vec<ConnectionRecord> {
        let controller = |patterns: &[String]| {
            patterns.iter().any(|p| {
                p == CONTROLLER_NAME
                    || p == INGRESS_CONTROLLER
                    || *p == format!("{CONTROLLER_NAMESPACE}/{CONTROLLER_NAME}")
            })
        };
        let focus = |patterns: &[String], i: u32| {
            patterns.is_empty()
                || self
                    .endpoints
                    .get(i as usize)
                    .is_some_and(|e| patterns.iter().any(|p| super::query::name_matches(p, &e.public)))
        };
        let mut out = Vec::new();
        let controller_name = super::EndpointName::from(INGRESS_CONTROLLER);
        for (e, ports) in &self.ingress_controller {
            let as_egress = controller(&filter.focus_workloads) && focus(&filter.focus_workload_peers, *e);
            let as_ingress = focus(&filter.focus_workloads, *e)
                && (filter.focus_workload_peers.is_empty() || controller(&filter.focus_workload_peers));
            let keep = match filter.focus_direction {
                None => as_egress || as_ingress,
                Some(Direction::Egress) => as_egress,
                Some(Direction::Ingress) => as_ingress,
            };
            let Some(endpoint) = self.endpoints.get(*e as usize).filter(|_| keep) else { continue };
            let ports = match filter.focus_connection {
                None => ports.clone(),
                Some(pp) => ports.intersection(&PortSet::of(pp.protocol, PortRanges::range(pp.port, pp.port))),
            };
            super::query::push_records(&mut out, &controller_name, &endpoint.public.name.as_str().into(), &ports);
        }
        out
    }
}
