"""A fluent builder for intents (``kind: Intent``, docs/schema/intent.schema.json).

::

    import netfence

    result = (
        netfence.Intent()
        .namespace("shop", default_deny="Both", allow_dns=True)
        .workload("api")
        .allow_from(pods={"app": "frontend"}, ports=[8080])
        .allow_to(pods={"app": "postgres"}, namespace="data", ports=["postgres"])
        .build()
    )
    print(result.yaml)

Pure Python: it only assembles the intent object (``to_dict()``); ``build()`` sends it to the
``build`` operation, so every check (and every error) is the core's.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, Union

if TYPE_CHECKING:
    from . import BuildResponse

Direction = Literal["Ingress", "Egress", "Both"]
Protocol = Literal["TCP", "UDP", "SCTP"]
Labels = Mapping[str, str]
"""Labels (``{"app": "web"}``, read as ``matchLabels``) or a whole selector
(``{"matchLabels": ..., "matchExpressions": ...}``)."""
Port = Union[int, str, Mapping[str, Any]]
"""A port number, a container port name, or a port object (``{"protocol": "UDP", "port": 53}``,
``{"port": 8000, "endPort": 8100}``)."""

__all__ = ["Direction", "Intent", "Labels", "Port", "Protocol"]

_SELECTOR_KEYS = {"matchLabels", "matchExpressions"}


def _selector(labels: Labels) -> dict[str, Any]:
    if labels and set(labels) <= _SELECTOR_KEYS:
        return copy.deepcopy(dict(labels))
    return {"matchLabels": dict(labels)}


def _ports(ports: Sequence[Port] | None, protocol: Protocol | None) -> list[dict[str, Any]]:
    if isinstance(ports, (str, int)):
        ports = [ports]  # a single port given bare
    out: list[dict[str, Any]] = []
    for port in ports or []:
        if isinstance(port, Mapping):
            out.append(copy.deepcopy(dict(port)))
        else:
            out.append({"protocol": protocol, "port": port} if protocol else {"port": port})
    if not out and protocol:
        out.append({"protocol": protocol})  # every port of the protocol
    return out


def _peers(
    *,
    pods: Labels | None,
    namespace: str | None,
    namespace_selector: Labels | None,
    cidr: str | None,
    except_: Sequence[str] | None,
    ingress_controller: bool,
    anywhere: bool,
    peers: Sequence[Mapping[str, Any]] | None,
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if anywhere:
        out.append({"anywhere": {}})
    if namespace is not None and namespace_selector is not None:
        raise ValueError("give `namespace` or `namespace_selector`, not both")
    if pods is not None and (namespace is not None or namespace_selector is not None):
        where: dict[str, Any] = {"namespace": namespace} if namespace is not None else {"namespaceSelector": _selector(namespace_selector or {})}
        out.append({"podsInNamespace": {**where, "podSelector": _selector(pods)}})
    elif pods is not None:
        out.append({"pods": _selector(pods)})
    elif namespace is not None:
        out.append({"namespace": namespace})
    elif namespace_selector is not None:
        out.append({"namespaceSelector": _selector(namespace_selector)})
    if cidr is not None:
        block: dict[str, Any] = {"cidr": cidr}
        if except_:
            block["except"] = list(except_)
        out.append({"ipBlock": block})
    elif except_:
        raise ValueError("`except_` needs `cidr`")
    if ingress_controller:
        out.append({"ingressController": {}})
    out.extend(copy.deepcopy(dict(peer)) for peer in peers or [])
    if not out:
        raise ValueError("name at least one peer: pods, namespace, namespace_selector, cidr, ingress_controller, anywhere or peers")
    return out


class Intent:
    """Builds an intent step by step; every method but ``to_dict``, ``to_json`` and ``build``
    returns the builder itself.

    ``namespace(...)`` adds a namespace (or returns to one already added) and makes it current;
    ``workload(...)`` does the same for a workload of the current namespace; ``allow_from`` and
    ``allow_to`` add an ingress or egress rule to the current workload. One call makes one rule:
    its peers are every peer argument given (``pods`` with ``namespace`` means those pods in that
    namespace), its ports every port given (none: every port).
    """

    def __init__(self, *, labels: Mapping[str, str] | None = None) -> None:
        self._doc: dict[str, Any] = {"apiVersion": "netfence.dev/v1alpha1", "kind": "Intent"}
        if labels:
            self._doc["labels"] = dict(labels)
        self._doc["namespaces"] = []
        self._namespace: dict[str, Any] | None = None
        self._workload: dict[str, Any] | None = None

    # --- document-level settings -------------------------------------------------------------

    def labels(self, **labels: str) -> Intent:
        """Labels added to every generated policy."""
        self._doc.setdefault("labels", {}).update(labels)
        return self

    def dns(self, *, namespace: str | None = None, namespace_selector: Labels | None = None, pods: Labels | None = None) -> Intent:
        """Where cluster DNS runs (for ``allow_dns``); arguments left out keep the defaults."""
        self._doc["dns"] = self._place(namespace, namespace_selector, pods)
        return self

    def ingress_controller(self, *, namespace: str | None = None, namespace_selector: Labels | None = None, pods: Labels | None = None) -> Intent:
        """Where the ingress controller runs (for ``ingress_controller=True`` peers)."""
        self._doc["ingressController"] = self._place(namespace, namespace_selector, pods)
        return self

    @staticmethod
    def _place(namespace: str | None, namespace_selector: Labels | None, pods: Labels | None) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if namespace is not None:
            out["namespace"] = namespace
        if namespace_selector is not None:
            out["namespaceSelector"] = _selector(namespace_selector)
        if pods is not None:
            out["podSelector"] = _selector(pods)
        return out

    # --- namespaces and workloads ------------------------------------------------------------

    def namespace(
        self,
        name: str,
        *,
        default_deny: Direction | None = None,
        allow_dns: bool | None = None,
        allow_same_namespace: bool | None = None,
    ) -> Intent:
        """Adds namespace ``name`` (or returns to it) and makes it current. Options left out
        (``None``) are not written, or keep what an earlier call set."""
        found = next((ns for ns in self._doc["namespaces"] if ns["name"] == name), None)
        if found is None:
            found = {"name": name}
            self._doc["namespaces"].append(found)
        for key, value in (("defaultDeny", default_deny), ("allowDns", allow_dns), ("allowSameNamespace", allow_same_namespace)):
            if value is not None:
                found[key] = value
        self._namespace, self._workload = found, None
        return self

    def workload(self, name: str, *, pods: Labels | None = None) -> Intent:
        """Adds workload ``name`` to the current namespace (or returns to it) and makes it
        current. ``pods`` selects its pods (default: ``app=<name>``)."""
        if self._namespace is None:
            raise ValueError(f"workload `{name}`: call namespace(...) first")
        workloads: list[dict[str, Any]] = self._namespace.setdefault("workloads", [])
        found = next((w for w in workloads if w["name"] == name), None)
        if found is None:
            found = {"name": name}
            workloads.append(found)
        if pods is not None:
            found["podSelector"] = _selector(pods)
        self._workload = found
        return self

    def _rule(self, direction: str, peer_key: str, peers: list[dict[str, Any]], ports: list[dict[str, Any]]) -> Intent:
        if self._workload is None:
            raise ValueError(f"allow_{'from' if direction == 'ingress' else 'to'}: call workload(...) first")
        rule: dict[str, Any] = {peer_key: peers}
        if ports:
            rule["ports"] = ports
        self._workload.setdefault(direction, []).append(rule)
        return self

    def allow_from(
        self,
        *,
        pods: Labels | None = None,
        namespace: str | None = None,
        namespace_selector: Labels | None = None,
        cidr: str | None = None,
        except_: Sequence[str] | None = None,
        ingress_controller: bool = False,
        anywhere: bool = False,
        peers: Sequence[Mapping[str, Any]] | None = None,
        ports: Sequence[Port] | None = None,
        protocol: Protocol | None = None,
    ) -> Intent:
        """Allows ingress to the current workload from these peers on these ports."""
        found = _peers(pods=pods, namespace=namespace, namespace_selector=namespace_selector, cidr=cidr, except_=except_, ingress_controller=ingress_controller, anywhere=anywhere, peers=peers)
        return self._rule("ingress", "from", found, _ports(ports, protocol))

    def allow_to(
        self,
        *,
        pods: Labels | None = None,
        namespace: str | None = None,
        namespace_selector: Labels | None = None,
        cidr: str | None = None,
        except_: Sequence[str] | None = None,
        anywhere: bool = False,
        peers: Sequence[Mapping[str, Any]] | None = None,
        ports: Sequence[Port] | None = None,
        protocol: Protocol | None = None,
    ) -> Intent:
        """Allows egress from the current workload to these peers on these ports."""
        found = _peers(pods=pods, namespace=namespace, namespace_selector=namespace_selector, cidr=cidr, except_=except_, ingress_controller=False, anywhere=anywhere, peers=peers)
        return self._rule("egress", "to", found, _ports(ports, protocol))

    # --- results -----------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The intent object (JSON form, camelCase keys), a deep copy."""
        return copy.deepcopy(self._doc)

    def to_json(self, indent: int | None = None) -> str:
        """The intent as JSON text."""
        return json.dumps(self._doc, indent=indent)

    def build(self) -> BuildResponse:
        """Runs the ``build`` operation on the intent: the policies and their YAML."""
        from . import build

        return build(request={"intent": self.to_dict()})

    def __repr__(self) -> str:
        return f"Intent({self._doc!r})"
