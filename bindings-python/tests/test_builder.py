"""The fluent intent builder (`netfence.Intent`): the same intent as YAML builds the same policies."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import netfence

SHOP_YAML = """\
apiVersion: netfence.dev/v1alpha1
kind: Intent
labels: {app.kubernetes.io/part-of: online-shop}
namespaces:
  - name: shop
    defaultDeny: Both
    allowDns: true
    workloads:
      - name: frontend
        ingress:
          - from: [{ingressController: {}}]
            ports: [{protocol: TCP, port: http}]
        egress:
          - to: [{pods: {matchLabels: {app: api}}}]
            ports: [{port: http}]
      - name: api
        ingress:
          - from: [{pods: {matchLabels: {app: frontend}}}]
            ports: [{port: 8080}]
        egress:
          - to: [{podsInNamespace: {namespace: data, podSelector: {matchLabels: {app: postgres}}}}]
            ports: [{protocol: TCP, port: postgres}]
          - to: [{ipBlock: {cidr: 203.0.113.0/24, except: [203.0.113.8/29]}}]
            ports: [{port: 443}]
  - name: data
    defaultDeny: Ingress
    allowSameNamespace: true
"""


def shop_builder() -> netfence.Intent:
    return (
        netfence.Intent(labels={"app.kubernetes.io/part-of": "online-shop"})
        .namespace("shop", default_deny="Both", allow_dns=True)
        .workload("frontend")
        .allow_from(ingress_controller=True, ports=["http"], protocol="TCP")
        .allow_to(pods={"app": "api"}, ports=["http"])
        .workload("api")
        .allow_from(pods={"app": "frontend"}, ports=[8080])
        .allow_to(pods={"app": "postgres"}, namespace="data", ports=["postgres"], protocol="TCP")
        .allow_to(cidr="203.0.113.0/24", except_=["203.0.113.8/29"], ports=[443])
        .namespace("data", default_deny="Ingress", allow_same_namespace=True)
    )


def test_builder_gives_the_same_policies_as_yaml() -> None:
    built = shop_builder().build()
    from_yaml = netfence.build(request={"source": {"name": "intent.yaml", "text": SHOP_YAML}})
    assert built.to_dict() == from_yaml.to_dict()
    assert built.yaml == from_yaml.yaml
    assert {p["metadata"]["name"] for p in built.to_dict()["policies"]} >= {"frontend-ingress", "api-egress", "default-deny"}


def test_builder_document_matches_the_yaml_document() -> None:
    parsed = netfence.build(request={"intent": shop_builder().to_dict()})
    assert parsed.to_dict() == shop_builder().build().to_dict()
    doc = shop_builder().to_dict()
    assert doc["kind"] == "Intent" and doc["apiVersion"] == "netfence.dev/v1alpha1"
    assert doc["namespaces"][0]["workloads"][1]["egress"][0] == {
        "to": [{"podsInNamespace": {"namespace": "data", "podSelector": {"matchLabels": {"app": "postgres"}}}}],
        "ports": [{"protocol": "TCP", "port": "postgres"}],
    }


def test_issue_example() -> None:
    result = netfence.Intent().namespace("shop", default_deny="Both", allow_dns=True).workload("api").allow_from(pods={"app": "web"}, ports=[8080]).build()
    yaml = "apiVersion: netfence.dev/v1alpha1\nkind: Intent\nnamespaces:\n- name: shop\n  defaultDeny: Both\n  allowDns: true\n  workloads:\n  - name: api\n    ingress:\n    - from: [{pods: {matchLabels: {app: web}}}]\n      ports: [{port: 8080}]\n"
    assert result.to_dict() == netfence.build(request={"source": {"text": yaml}}).to_dict()
    assert "api-ingress" in result.yaml


def test_returning_to_a_namespace_or_workload_extends_it() -> None:
    b = netfence.Intent().namespace("shop").workload("api").allow_from(namespace="web").namespace("shop", default_deny="Ingress").workload("api").allow_from(anywhere=True, ports=[{"port": 8000, "endPort": 8100}])
    (ns,) = b.to_dict()["namespaces"]
    assert ns["defaultDeny"] == "Ingress"
    assert ns["workloads"] == [{"name": "api", "ingress": [{"from": [{"namespace": "web"}]}, {"from": [{"anywhere": {}}], "ports": [{"port": 8000, "endPort": 8100}]}]}]


def test_misuse_is_a_value_error_and_bad_intents_are_netfence_errors() -> None:
    with pytest.raises(ValueError, match="namespace"):
        netfence.Intent().workload("api")
    with pytest.raises(ValueError, match="workload"):
        netfence.Intent().namespace("shop").allow_from(pods={"app": "web"})
    with pytest.raises(ValueError, match="peer"):
        netfence.Intent().namespace("shop").workload("api").allow_from(ports=[80])
    with pytest.raises(netfence.NetfenceError) as info:  # the core checks the intent
        netfence.Intent().namespace("shop").workload("api").allow_from(pods={"app": "web"}, ports=[70000]).build()
    assert info.value.code.startswith("NF-E")


TYPED = '''
import netfence
from netfence.builder import Port

ports: list[Port] = [8080, "http", {"protocol": "UDP", "port": 53}]
b: netfence.Intent = netfence.Intent().namespace("shop", default_deny="Both").workload("api").allow_from(pods={"app": "web"}, ports=ports)
result: netfence.BuildResponse = b.build()
print(result.yaml.upper(), b.to_dict()["kind"], b.to_json(indent=2))
doc: netfence.IntentDocument = {"apiVersion": "netfence.dev/v1alpha1", "kind": "Intent"}
'''


def test_builder_type_checks_under_mypy_strict(tmp_path: Path) -> None:
    (tmp_path / "usage.py").write_text(TYPED)
    done = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--warn-unused-ignores", str(tmp_path / "usage.py")], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    bad = TYPED + 'netfence.Intent().namespace("shop", default_deny="Sideways")\n'
    (tmp_path / "bad.py").write_text(bad)
    done = subprocess.run([sys.executable, "-m", "mypy", "--strict", str(tmp_path / "bad.py")], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode != 0 and "Sideways" in done.stdout, done.stdout
