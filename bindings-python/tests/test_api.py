"""The Python surface: inputs in every form, result objects, errors, threads, stubs, docs."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import netfence

ROOT = Path(__file__).resolve().parents[2]
POLICY_YAML = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress: [{ports: [{port: 70000}]}]
"""
POLICY = {
    "apiVersion": "networking.k8s.io/v1",
    "kind": "NetworkPolicy",
    "metadata": {"name": "web", "namespace": "shop"},
    "spec": {"podSelector": {"matchLabels": {"app": "web"}}, "ingress": [{"ports": [{"port": 70000}]}]},
}


def test_every_operation_is_a_function() -> None:
    assert netfence.OPERATIONS[:2] == ("parse", "validate")
    for name in netfence.OPERATIONS:
        assert callable(getattr(netfence, name))
        assert name in netfence.__all__


@pytest.mark.parametrize("form", ["text", "path", "str-path", "dict", "list", "client-dict"])
def test_inputs_in_every_form(form: str, tmp_path: Path) -> None:
    path = tmp_path / "web.yaml"
    path.write_text(POLICY_YAML)
    client = {  # what the `kubernetes` client's V1NetworkPolicy.to_dict() gives
        "api_version": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "web", "namespace": "shop", "labels": {"app_tier": "x"}, "annotations": None},
        "spec": {"pod_selector": {"match_labels": {"app": "web"}, "match_expressions": None}, "ingress": [{"ports": [{"port": 70000, "end_port": None}], "_from": None}], "egress": None, "policy_types": None},
    }
    inputs = {"text": POLICY_YAML, "path": path, "str-path": str(path), "dict": POLICY, "list": [POLICY, POLICY], "client-dict": client}[form]
    report = netfence.validate(inputs)
    assert isinstance(report, netfence.ValidateResponse)
    assert report.valid is False
    ids = [f.id for f in report.findings]
    assert "NF018" in ids, ids
    finding = report.findings[0]
    assert finding.location.pointer == "/spec/ingress/0/ports/0/port"
    if form in ("path", "str-path"):
        assert finding.location.file == str(path)


def test_results_are_typed_records() -> None:
    result = netfence.parse(POLICY_YAML)
    assert type(result).__name__ == "ParseResponse"
    assert result.counts.policies == 1
    assert result["counts"]["policies"] == 1
    assert result.resources[0].kind == "NetworkPolicy"
    assert result.to_dict()["resources"][0]["location"]["line"] == 1
    assert json.loads(result.to_json(indent=2)) == result.to_dict()
    assert result.counts.skipped == {}
    assert dict(netfence.parse("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n").counts.skipped) == {"v1/ConfigMap": 1}
    requirement = netfence.Record({"key": "app", "operator": "In", "values": ["web"], "keys": 1})
    assert requirement.values == ["web"] and requirement.keys_ == 1
    assert requirement.keys() == ["key", "operator", "values", "keys"]
    assert result == result.to_dict()
    rule = netfence.Record({"from": [{"podSelector": {}}], "ports": None})
    assert rule.from_[0].pod_selector == {}
    with pytest.raises(AttributeError):
        result.counts = 3  # type: ignore[misc]


def test_snake_case_fields_become_request_fields() -> None:
    with pytest.raises(netfence.ParseError) as info:
        netfence.parse(POLICY_YAML, options={"maxInputBytes": 10})
    assert info.value.code == "NF-E001"


BAD = [
    ("unknown operation", lambda: netfence.call("frobnicate", {}), netfence.RequestError, "NF-E011"),
    ("wrong field type", lambda: netfence.validate(request={"sources": "x"}), netfence.RequestError, "NF-E011"),
    ("unknown field", lambda: netfence.parse(POLICY_YAML, colour="red"), netfence.RequestError, "NF-E011"),
    ("not JSON-encodable", lambda: netfence.parse(request={"sources": [], "x": object()}), netfence.RequestError, "NF-E011"),
    ("NaN", lambda: netfence.parse(request={"sources": [], "x": float("nan")}), netfence.RequestError, "NF-E011"),
    ("JSON text that is not JSON", lambda: netfence.call("parse", '{"sources": ['), netfence.RequestError, "NF-E011"),
    ("strict and broken YAML", lambda: netfence.parse("kind: [", options={"strict": True}), netfence.ParseError, "NF-E002"),
    ("an input of a strange type", lambda: netfence.parse(42), netfence.RequestError, "NF-E011"),
    ("a missing file", lambda: netfence.parse(Path("/nonexistent/netfence.yaml")), netfence.InputOutputError, "NF-E020"),
]


@pytest.mark.parametrize("what,run,cls,code", BAD, ids=[b[0] for b in BAD])
def test_bad_input_raises_structured_errors(what: str, run, cls, code: str) -> None:
    with pytest.raises(cls) as info:
        run()
    error = info.value
    assert isinstance(error, netfence.NetfenceError)
    assert error.code == code == error.payload["code"]
    assert error.message == error.payload["message"]
    assert code in str(error)


def test_every_error_code_has_a_class() -> None:
    codes = set(netfence._native.ERROR_CLASSES)
    assert {"NF-E001", "NF-E011", "NF-E030"} <= codes
    for code in codes:
        assert issubclass(netfence._error({"code": code, "message": "m"}).__class__, netfence.NetfenceError)
        assert type(netfence._error({"code": code, "message": "m"})) is not netfence.NetfenceError


def test_location_on_errors() -> None:
    with pytest.raises(netfence.ParseError) as info:
        netfence.parse("apiVersion: v1\nkind: [\n", options={"strict": True})
    assert info.value.location["line"] == 2
    assert info.value.help


def test_threads_run_in_parallel_without_the_gil() -> None:
    text = "".join(f"---\napiVersion: v1\nkind: Namespace\nmetadata: {{name: ns-{i}}}\n" for i in range(3000))
    results: list[int] = []
    threads = [threading.Thread(target=lambda: results.append(netfence.parse(text).counts.namespaces)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [3000] * 4


def test_stubs_and_marker_ship_with_the_package() -> None:
    package = Path(netfence.__file__).parent
    assert (package / "py.typed").exists()
    stub = (package / "__init__.pyi").read_text()
    ast.parse(stub)  # valid Python
    for name in netfence.OPERATIONS:
        assert re.search(rf"^def {name}\(", stub, re.M), name
    for cls in ("NetfenceError(", "ParseError(", "ValidationError(", "RequestError(", "Record:"):
        assert f"class {cls}" in stub


TYPED_USAGE = """
import netfence
from netfence import ValidateResponse, Finding

report: ValidateResponse = netfence.validate("kind: List", options={"strict": True})
first: Finding = report.findings[0]
pointer: str | None = first.location.pointer if first.location else None
count: int = netfence.parse(request={"sources": [{"text": "x"}]}).counts.namespaces
netfence.parse(request=42)  # type: ignore[arg-type]
bad: int = report.valid.nope  # type: ignore[attr-defined]
"""


def test_stub_type_checks_under_mypy_strict(tmp_path: Path) -> None:
    (tmp_path / "usage.py").write_text(TYPED_USAGE)
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--warn-unused-ignores", str(tmp_path / "usage.py")],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_python_quick_start_in_docs_runs() -> None:
    doc = (ROOT / "docs" / "api.md").read_text()
    block = re.search(r"```python\n(.*?)```", doc, re.S)
    assert block, "docs/api.md has a ```python block"
    assert len(block.group(1).strip().splitlines()) <= 10
    out = subprocess.run([sys.executable, "-c", block.group(1)], capture_output=True, text=True, check=True).stdout
    assert out.startswith("False [('NF018', '/spec/ingress/0/ports/0/port')]"), out
    assert "NF-E002" in out
