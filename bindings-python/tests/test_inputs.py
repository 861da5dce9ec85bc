"""Inputs as a Python user has them: paths to files and directories (read by the native module),
missing paths, bytes, keyword arguments that take inputs, flow logs; generated signatures and
docstrings."""

from __future__ import annotations

import builtins
import errno
import inspect
from pathlib import Path
from typing import Any

import pytest

import netfence

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "online-shop"
CHANGE = ROOT / "examples" / "online-shop-change"
FLOWS = EXAMPLE / "flows" / "hubble.jsonl"
NAMESPACE = "apiVersion: v1\nkind: Namespace\nmetadata: {name: %s}\n"


def test_a_directory_is_read_as_the_cli_reads_it(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text(NAMESPACE % "b")
    (tmp_path / "a.yml").write_text(NAMESPACE % "a")
    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "c.json").write_text('{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "c"}}')
    (tmp_path / "notes.txt").write_text("not a manifest: [")
    (tmp_path / ".hidden.yaml").write_text("kind: [")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.yaml").write_text("kind: [")
    for given in (tmp_path, str(tmp_path)):
        result = netfence.parse(given)
        assert result.counts.namespaces == 3
        # recursive, sorted by path, hidden entries and other extensions skipped; each file by its path
        assert [r.location.file for r in result.resources] == [str(tmp_path / n) for n in ("a.yml", "b.yaml", "nested/c.json")]
        assert result.errors == []


def test_the_example_directories_read_like_the_cli_reads_them() -> None:
    by_dir = netfence.analyze(EXAMPLE / "manifests", EXAMPLE / "policies")
    files = sorted((EXAMPLE / "manifests").glob("*.yaml")) + sorted((EXAMPLE / "policies").glob("*.yaml"))
    by_files = netfence.analyze(*files)
    by_text = netfence.analyze(request={"sources": [{"name": str(f), "text": f.read_text()} for f in files]})
    assert by_dir.to_dict() == by_files.to_dict() == by_text.to_dict()
    assert len(by_dir.connections) > 10


@pytest.mark.parametrize("given", ["path", "str", "relative-looking str"])
def test_a_missing_path_raises_file_not_found(given: str, tmp_path: Path) -> None:
    missing = tmp_path / "nope" / "web.yaml"
    value: Any = {"path": missing, "str": str(missing), "relative-looking str": "policies/nope.yaml"}[given]
    with pytest.raises(FileNotFoundError) as info:
        netfence.validate(value)
    error = info.value
    assert isinstance(error, netfence.NetfenceError) and isinstance(error, netfence.InputOutputError)
    assert isinstance(error, netfence.PathNotFoundError)
    assert error.code == "NF-E020" == error.payload["code"]
    assert error.errno == errno.ENOENT
    assert error.filename == str(value)
    assert str(value) in error.message and "NF-E020" in str(error)
    assert error.help == "check the path and its permissions"


def test_a_directory_without_manifests_is_an_error_not_an_empty_input(tmp_path: Path) -> None:
    (tmp_path / "readme.md").write_text("# nothing here")
    with pytest.raises(netfence.InputOutputError) as info:
        netfence.parse(tmp_path)
    assert not isinstance(info.value, FileNotFoundError)
    assert info.value.message == f"`{tmp_path}` holds no .yaml, .yml or .json file"


def test_text_that_is_one_line_stays_text() -> None:
    # not a path: one line of YAML or JSON
    assert netfence.parse("{}").counts.namespaces == 0
    assert netfence.parse('{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}').counts.namespaces == 1
    assert netfence.parse("kind: List").errors[0].message == "document has no `apiVersion`"


def test_files_are_read_natively_not_with_python_open(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "ns.yaml").write_text(NAMESPACE % "a")

    def no_open(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("netfence read a file with Python's open()")

    monkeypatch.setattr(builtins, "open", no_open)
    assert netfence.parse(tmp_path / "ns.yaml").counts.namespaces == 1


def test_bytes_are_decoded_as_utf8_and_binary_is_refused() -> None:
    assert netfence.parse((NAMESPACE % "é-not-valid").encode()).counts.namespaces == 1
    assert netfence.parse(bytearray((NAMESPACE % "a").encode())).counts.namespaces == 1
    with pytest.raises(netfence.ParseError) as info:
        netfence.parse(b"kind: \xff\xfe")
    assert info.value.code == "NF-E004"
    assert info.value.location == {"file": "<input>", "line": 1, "column": 7}


def test_a_binary_file_is_refused_with_its_location(tmp_path: Path) -> None:
    (tmp_path / "bin.yaml").write_bytes(b"kind: List\n\x00\x01")
    with pytest.raises(netfence.ParseError) as info:
        netfence.parse(tmp_path / "bin.yaml")
    assert info.value.code == "NF-E004"
    assert info.value.location is not None and info.value.location["file"] == str(tmp_path / "bin.yaml")
    assert info.value.location["line"] == 2


def test_keyword_arguments_take_inputs_like_positional_ones() -> None:
    manifests = EXAMPLE / "manifests"
    by_path = netfence.diff(base=[manifests, CHANGE / "base"], head=[str(manifests), str(CHANGE / "head")])
    texts = lambda *paths: [{"name": str(p), "text": p.read_text()} for d in paths for p in sorted(d.glob("*.yaml"))]  # noqa: E731
    by_text = netfence.diff(request={"base": texts(manifests, CHANGE / "base"), "head": texts(manifests, CHANGE / "head")})
    assert by_path.to_dict() == by_text.to_dict()
    assert [c.change for c in by_path.diff.connections] == ["added", "removed"]
    # a single source: a path, text or bytes
    requirements = EXAMPLE / "requirements.yaml"
    for given in (requirements, str(requirements), requirements.read_bytes(), requirements.read_text()):
        assert netfence.check(manifests, EXAMPLE / "policies", requirements=given).passed is True
    # `sources=` as a keyword too, after the positional inputs
    assert netfence.parse(NAMESPACE % "a", sources=[NAMESPACE % "b"]).counts.namespaces == 2


def test_a_single_source_field_refuses_several_inputs() -> None:
    with pytest.raises(netfence.RequestError) as info:
        netfence.check(EXAMPLE / "manifests", requirements=EXAMPLE / "manifests")
    assert info.value.message == "invalid request: `requirements` takes one input, got 6"


def test_build_takes_its_source_positionally() -> None:
    built = netfence.build(EXAMPLE / "intent.yaml")
    assert built.to_dict() == netfence.build(source=str(EXAMPLE / "intent.yaml")).to_dict()
    assert built.yaml in (EXAMPLE / "policies" / "generated.yaml").read_text()
    with pytest.raises(TypeError):
        netfence.build(EXAMPLE / "intent.yaml", EXAMPLE / "intent.yaml")  # type: ignore[misc]


def test_keyword_only_operations_refuse_positional_inputs() -> None:
    with pytest.raises(TypeError, match=r"diff\(\) takes keyword arguments only \(base=, head="):
        netfence.diff(EXAMPLE / "manifests")  # type: ignore[call-overload]


@pytest.mark.parametrize("form", ["path", "str-path", "directory", "text", "bytes", "dict", "list"])
def test_flow_logs_in_every_form(form: str, tmp_path: Path) -> None:
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "a.jsonl").write_text(FLOWS.read_text())
    (tmp_path / "logs" / "ignored.txt").write_text("not flows")
    flows: Any = {
        "path": FLOWS,
        "str-path": str(FLOWS),
        "directory": tmp_path / "logs",
        "text": FLOWS.read_text(),
        "bytes": FLOWS.read_bytes(),
        "dict": {"name": "hubble.jsonl", "text": FLOWS.read_text(), "format": "hubble"},
        "list": [FLOWS, FLOWS.read_text()],
    }[form]
    traffic = netfence.flow_map(EXAMPLE / "manifests", flows=flows)
    lines = len(FLOWS.read_text().splitlines())
    assert (traffic.ingest.sources, traffic.ingest.lines) == ((2, 2 * lines) if form == "list" else (1, lines))
    assert len(traffic.entries) > 5


def test_a_csv_flow_log_is_read_as_csv(tmp_path: Path) -> None:
    csv = tmp_path / "flows.csv"
    csv.write_text("srcIp,dstIp,dstPort,protocol,verdict\n10.0.0.1,10.0.0.2,80,TCP,forwarded\n")
    traffic = netfence.flow_map(request={"sources": []}, flows=csv)
    assert traffic.ingest.records == 1
    assert traffic.ingest.malformed == 0


def test_signatures_and_docstrings_come_from_the_schemas() -> None:
    explain = inspect.signature(netfence.explain)
    assert list(explain.parameters) == ["inputs", "sources", "options", "engine", "from_", "to", "port", "protocol", "format", "request"]
    assert explain.parameters["inputs"].kind is inspect.Parameter.VAR_POSITIONAL
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for name, p in explain.parameters.items() if name != "inputs")
    assert list(inspect.signature(netfence.build).parameters) == ["source", "intent", "api_version", "request"]
    assert list(inspect.signature(netfence.diff).parameters) == ["base", "head", "options", "engine", "filter", "format", "request"]
    doc = inspect.getdoc(netfence.explain) or ""
    assert doc.startswith("Explain why traffic between two endpoints is allowed or denied, rule by rule.")
    # the field descriptions of docs/schema/explain-request.schema.json
    assert "from_: Source endpoint: `ns/name[Kind]`, `ns/name`, `name`, or an IP address." in doc
    assert "Returns:\n    ExplainResponse: The response: attributes in snake_case" in doc
    for name in netfence.OPERATIONS:
        doc = inspect.getdoc(getattr(netfence, name)) or ""
        assert "\nExample:\n" in doc and "Args:" in doc and "Raises:" in doc, name
    assert type(netfence.explain(EXAMPLE / "manifests", from_="shop/frontend", to="shop/api")).__name__ == "ExplainResponse"


def _no_python_copies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fails any reading of a path or bytes into a Python string."""

    def refused(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("an input was turned into a Python string")

    monkeypatch.setattr(netfence._native, "read_paths", refused)
    monkeypatch.setattr(netfence._native, "decode", refused)


def test_paths_and_bytes_of_connectivity_questions_never_become_python_strings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    files = sorted((EXAMPLE / "manifests").glob("*.yaml")) + sorted((EXAMPLE / "policies").glob("*.yaml"))
    by_text = netfence.analyze(request={"sources": [{"name": str(f), "text": f.read_text()} for f in files]})
    texts = {f: f.read_text() for f in files}
    _no_python_copies(monkeypatch)
    by_dir = netfence.analyze(EXAMPLE / "manifests", EXAMPLE / "policies")
    assert by_dir.to_dict() == by_text.to_dict()
    by_bytes = netfence.analyze(*[texts[f].encode() for f in files])
    assert by_bytes.connections == by_text.connections
    assert [e.name for e in by_bytes.endpoints] == [e.name for e in by_text.endpoints]
    assert {e.location.file for e in by_bytes.endpoints} == {"<input>"}
    # keyword inputs, and a mix of a directory and text: the directory's documents come first
    policies = [f for f in files if f.parent.name == "policies"]
    mixed = netfence.exposure(sources=[EXAMPLE / "manifests", *[texts[f] for f in policies]], format="txt")
    assert mixed.rendered and "Exposure Analysis Result:" in mixed.rendered
    assert mixed.rendered == netfence.exposure(EXAMPLE / "manifests", EXAMPLE / "policies", format="txt").rendered
    why = netfence.explain(EXAMPLE / "manifests", EXAMPLE / "policies", from_="shop/frontend", to="shop/api")
    assert why.to_dict() == netfence.explain(request={"sources": by_text_sources(files, texts), "from": "shop/frontend", "to": "shop/api"}).to_dict()
    # a kubectl -o json list, streamed item by item
    listed = tmp_path / "dump.json"
    listed.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}},
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "a", "managedFields": [{"manager": "x"}]}, "status": {"podIP": "10.0.0.1"}},
    ]}, indent=2))
    parsed = netfence.parse(listed)
    assert parsed.counts.namespaces == 1
    assert [r.location.file for r in parsed.resources] == [str(listed)] * 2


def by_text_sources(files: list[Path], texts: dict[Path, str]) -> list[dict[str, str]]:
    return [{"name": str(f), "text": texts[f]} for f in files]


def test_files_read_natively_are_not_capped_unless_the_request_asks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("".join(NAMESPACE % f"n{i}" + "---\n" for i in range(2000)))
    assert big.stat().st_size > 64_000
    _no_python_copies(monkeypatch)
    assert netfence.parse(big).counts.namespaces == 2000
    with pytest.raises(netfence.ParseError) as info:
        netfence.parse(big, options={"maxInputBytes": 64_000})
    assert info.value.code == "NF-E001"
    # text in the request keeps the browser-sized default
    with pytest.raises(netfence.ParseError):
        netfence.parse("#" * (33 << 20))


def test_operations_that_quote_their_sources_still_read_paths_as_text(tmp_path: Path) -> None:
    (tmp_path / "web.yaml").write_text("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: web, namespace: a}\nspec:\n  podSelector: {}\n  ingress:\n  - ports: [{port: 99999}]\n")
    result = netfence.validate(tmp_path / "web.yaml", format="text")
    assert "99999" in (result.rendered or ""), result.rendered
