//! The traffic map: per (source workload, destination workload or address, protocol, port),
//! counts, first and last seen, verdicts, and whether the current policies allow it.

use crate::sorted::CompactSort;
use std::collections::BTreeMap;
use std::net::IpAddr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::resolve::{Allowed, FlowResolver, PeerKind, PeerRef};
use super::{FlowCounts, FlowLog, FlowStats, IngestReport};
use crate::model::Protocol;
use crate::model::cidr::Cidr;

/// Options of the traffic map.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct MapOptions {
    /// Aggregate external IPv4 addresses to this prefix length (e.g. 24); none: one entry per
    /// address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_prefix_v4: Option<u8>,
    /// Aggregate external IPv6 addresses to this prefix length (e.g. 64).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_prefix_v6: Option<u8>,
    /// Leave out flows with an unresolved side.
    pub skip_unresolved: bool,
}

/// One line of the traffic map.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FlowMapEntry {
    /// Source: `ns/name[Kind]`, an address or CIDR, or an unresolved endpoint.
    pub src: String,
    /// What the source is.
    pub src_kind: PeerKind,
    /// Destination.
    pub dst: String,
    /// What the destination is.
    pub dst_kind: PeerKind,
    /// Protocol.
    pub protocol: Protocol,
    /// Destination port.
    pub port: u16,
    /// Counts, times, verdicts.
    #[serde(flatten)]
    pub counts: FlowCounts,
    /// Whether the policies of the inventory allow it (absent when a side is unresolved).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed: Option<bool>,
}

/// The traffic map.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FlowMap {
    /// Entries sorted by source, destination, protocol, port.
    pub entries: Vec<FlowMapEntry>,
    /// Endpoints the records place in the cluster that the inventory does not know.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unresolved: Vec<String>,
    /// What ingestion read.
    pub ingest: IngestReport,
}

/// The CIDR of `ip` at `prefix` (the address itself without a prefix), e.g. `203.0.113.0/24`.
#[must_use]
pub fn external_cidr(ip: IpAddr, prefix_v4: Option<u8>, prefix_v6: Option<u8>) -> String {
    let (prefix, width) = match ip {
        IpAddr::V4(_) => (prefix_v4.unwrap_or(32).min(32), 32),
        IpAddr::V6(_) => (prefix_v6.unwrap_or(128).min(128), 128),
    };
    Cidr::parse(&format!("{ip}/{prefix}")).map_or_else(|| format!("{ip}/{width}"), |c| c.network_text())
}

/// Builds the traffic map of `log` over the resolver's inventory.
#[must_use]
pub fn build_map(resolver: &FlowResolver<'_>, log: &FlowLog, options: &MapOptions) -> FlowMap {
    let flows = resolver.resolve_log(log);
    let mut allowed = Allowed::new(resolver, resolver.cluster());
    let aggregate = options.external_prefix_v4.is_some() || options.external_prefix_v6.is_some();
    let name = |peer: &PeerRef| match peer {
        PeerRef::External(ip) if aggregate => {
            external_cidr(*ip, options.external_prefix_v4, options.external_prefix_v6)
        }
        other => resolver.name(other),
    };
    type Entry = (PeerKind, PeerKind, FlowStats, Option<bool>);
    let mut merged: BTreeMap<(String, String, Protocol, u16), Entry> = BTreeMap::new();
    let mut unresolved: Vec<String> = Vec::new();
    for f in &flows {
        for p in [&f.src, &f.dst] {
            if let PeerRef::Unresolved(d) = p
                && !unresolved.contains(d)
            {
                unresolved.push(d.clone());
            }
        }
        let is_unresolved = matches!(f.src, PeerRef::Unresolved(_)) || matches!(f.dst, PeerRef::Unresolved(_));
        if options.skip_unresolved && is_unresolved {
            continue;
        }
        let verdict = allowed.allows(&f.src, &f.dst, f.protocol, f.port);
        let entry = merged
            .entry((name(&f.src), name(&f.dst), f.protocol, f.port))
            .or_insert_with(|| (f.src.kind(), f.dst.kind(), FlowStats::default(), verdict));
        entry.2.merge(&f.stats);
        // an aggregated entry is allowed only when every address in it is
        entry.3 = match (entry.3, verdict) {
            (Some(a), Some(b)) => Some(a && b),
            _ => None,
        };
    }
    unresolved.sort_compact();
    FlowMap {
        entries: merged
            .into_iter()
            .map(|((src, dst, protocol, port), (src_kind, dst_kind, stats, allowed))| FlowMapEntry {
                src,
                src_kind,
                dst,
                dst_kind,
                protocol,
                port,
                counts: stats.counts(),
                allowed,
            })
            .collect(),
        unresolved,
        ingest: log.report().clone(),
    }
}
