"""`analyze_arrow`: analyze's answer as an Apache Arrow IPC stream, read by pyarrow."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest

import netfence

ROOT = Path(__file__).resolve().parents[2]
SHOP = [str(ROOT / "examples/online-shop/manifests"), str(ROOT / "examples/online-shop/policies")]
UNEVALUATED = """\
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: deny-all, namespace: shop}
spec: {endpointSelector: {}, ingressDeny: [{fromEntities: [all]}]}
"""


def rows(table: pa.Table) -> list[tuple[str, str, str, int, int]]:
    columns = [table.column(name).to_pylist() for name in ("src", "dst", "protocol", "port_from", "port_to")]
    return list(zip(*columns))


@pytest.mark.parametrize("focus", [None, {"focusWorkloads": ["shop/api"]}, {"includeSelf": True}])
def test_the_stream_is_the_canonical_list(focus: dict[str, object] | None) -> None:
    stream = netfence.analyze_arrow(*SHOP, filter=focus)
    assert isinstance(stream, bytes)
    table = pa.ipc.open_stream(stream).read_all()
    assert table.schema.field("src").type == pa.dictionary(pa.uint32(), pa.string())
    assert table.schema.field("port_from").type == pa.uint16()
    listed = netfence.analyze(*SHOP, filter=focus)
    expected = [(c.src, c.dst, c.protocol, lo, hi) for c in listed.connections for lo, hi in c.ports]
    assert expected and rows(table) == expected
    metadata = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
    assert json.loads(metadata["netfence.partial"]) is False
    assert json.loads(metadata["netfence.warnings"]) == []


def test_grouped_layout_expands_to_the_same_list() -> None:
    grouped = netfence.analyze(*SHOP, layout="grouped").grouped
    listed = netfence.analyze(*SHOP).connections
    members = [g.members for g in grouped.groups]
    expanded = sorted(
        (s, d, c.protocol, lo, hi)
        for c in grouped.connections
        for s in members[c.src]
        for d in members[c.dst]
        if s != d
        for lo, hi in c.ports
    )
    assert expanded == sorted((c.src, c.dst, c.protocol, lo, hi) for c in listed for lo, hi in c.ports)


def test_warnings_travel_in_the_metadata() -> None:
    stream = netfence.analyze_arrow(*SHOP, UNEVALUATED)
    metadata = pa.ipc.open_stream(stream).schema.metadata
    warnings = json.loads(metadata[b"netfence.warnings"])
    assert [w["code"] for w in warnings] == ["NF-W001"]
    assert "CiliumNetworkPolicy" in warnings[0]["message"]


def test_bad_input_raises_like_analyze() -> None:
    with pytest.raises(netfence.RequestError) as e:
        netfence.analyze_arrow(*SHOP, filter={"nope": 1})
    assert e.value.code == "NF-E011"
    with pytest.raises(netfence.PathNotFoundError):
        netfence.analyze_arrow(ROOT / "no/such/dir")
