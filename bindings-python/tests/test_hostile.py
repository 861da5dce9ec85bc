"""The Python row of the hostile-input matrix (docs/reliability.md): alias bombs, deep nesting
(in the manifest and in the request), a 30 MB string, input over the size limit, binary
garbage, invalid UTF-8, lone surrogates, huge numbers, a request that is an array or a cycle.
Each gives a response or a ``NetfenceError`` with its code — never a crash of the interpreter,
another exception type, or a hang — and the module keeps working after it."""

from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import Any, Callable

import pytest

import netfence


def bomb() -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]
    return "\n".join(lines) + "\n"


def namespace_with(text: str) -> str:
    return f'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: big\n  annotations:\n    text: "{text}"\n'


def garbage(n: int) -> str:
    rng = random.Random(7)
    return "".join(chr(rng.randrange(256)) for _ in range(n))


def nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {"sources": []}
    for _ in range(depth):
        value = {"a": value}
    return value


def cycle() -> dict[str, Any]:
    request: dict[str, Any] = {"sources": []}
    request["self"] = request
    return request


def error_codes(response: Any) -> list[str]:
    return [e["code"] for e in response.to_dict().get("errors", [])]


# (what, call, the code of the error raised or of the response's first unreadable document,
# or None for a clean response)
CASES: list[tuple[str, Callable[[], Any], str | None, bool]] = [
    ("alias bomb", lambda: netfence.validate(bomb()), "NF-E003", False),
    ("alias bomb, strict", lambda: netfence.validate(bomb(), options={"strict": True}), "NF-E003", True),
    ("deep flow nesting", lambda: netfence.parse("[" * 100_000 + "]" * 100_000), "NF-E003", False),
    ("deep JSON nesting", lambda: netfence.parse('{"a":' * 50_000 + "1" + "}" * 50_000), "NF-E003", False),
    ("maxDepth over the supported", lambda: netfence.parse("a: 1", options={"maxDepth": 10**7}), "NF-E011", True),
    ("a request nested 100,000 deep", lambda: netfence.call("parse", nested(100_000)), "NF-E011", True),
    ("request JSON text nested 100,000 deep", lambda: netfence.call("parse", '{"sources": ' + "[" * 100_000 + "]" * 100_000 + "}"), "NF-E011", True),
    ("a 30 MB string", lambda: netfence.validate(namespace_with("x" * 30_000_000)), None, False),
    ("over the size limit", lambda: netfence.validate(namespace_with("x" * (33 << 20))), "NF-E001", True),
    ("binary garbage", lambda: netfence.parse(garbage(100_000)), "NF-E004", True),
    ("lone surrogates in text", lambda: netfence.parse("apiVersion: v1\nkind: Namespace\nmetadata: {name: \"\ud800\udfff\udc00\"}\n"), "NF-E011", True),
    ("lone surrogates in request text", lambda: netfence.call("parse", '{"sources": [{"text": "\ud800"}]}'), "NF-E011", True),
    ("huge numbers in a manifest", lambda: netfence.validate("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: n, namespace: x}\nspec: {podSelector: {}, ingress: [{ports: [{port: 1e999999}, {port: 99999999999999999999999999999}]}]}\n"), "NF-E005", False),
    ("huge numbers in the request", lambda: netfence.parse("a: 1", options={"maxNodes": 10**100}), "NF-E011", True),
    ("a request that is an array", lambda: netfence.call("parse", []), "NF-E011", True),
    ("request text that is an array", lambda: netfence.call("parse", "[]"), "NF-E011", True),
    ("a cyclic request", lambda: netfence.call("parse", cycle()), "NF-E011", True),
    ("a manifest that is an array", lambda: netfence.validate("[1, 2, {kind: [x]}]"), "NF-E006", False),
    ("bytes that are not UTF-8 for an input", lambda: netfence.parse(b"kind: \xff\n"), "NF-E004", True),
]


@pytest.mark.parametrize("what,run,code,raises", CASES, ids=[c[0] for c in CASES])
def test_hostile_input_gives_a_coded_error_and_the_module_keeps_working(what: str, run: Callable[[], Any], code: str | None, raises: bool) -> None:
    if raises:
        with pytest.raises(netfence.NetfenceError) as info:
            run()
        assert info.value.code == code == info.value.payload["code"], info.value.payload
    else:
        response = run()
        codes = error_codes(response)
        assert codes[:1] == ([code] if code else []), codes
    # the next call works
    assert netfence.parse("apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n").counts.namespaces == 1


def test_a_file_that_is_not_utf8_is_a_coded_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b'apiVersion: v1\nkind: Namespace\nmetadata: {name: "caf\xe9"}\n')
    with pytest.raises(netfence.NetfenceError) as info:
        netfence.parse(path)
    assert info.value.code == "NF-E004", info.value.payload  # read natively, as the CLI reads it


def test_a_deep_manifest_dict_is_a_coded_error() -> None:
    manifest: dict[str, Any] = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}
    inner = manifest
    for _ in range(sys.getrecursionlimit() + 100):
        inner["x"] = {}
        inner = inner["x"]
    with pytest.raises(netfence.NetfenceError) as info:
        netfence.parse(manifest)
    assert info.value.code == "NF-E011", info.value.payload
