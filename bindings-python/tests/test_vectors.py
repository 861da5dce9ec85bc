"""Every shared vector (tests/vectors/<operation>/<case>/) through the Python binding."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import netfence

VECTORS = Path(__file__).resolve().parents[2] / "tests" / "vectors"
CASES = sorted(p for p in VECTORS.glob("*/*") if p.is_dir())


def test_vectors_exist() -> None:
    assert len(CASES) >= 8
    assert {case.parent.name for case in CASES} <= set(netfence.OPERATIONS)


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}/{c.name}" for c in CASES])
def test_vector(case: Path) -> None:
    operation = getattr(netfence, case.parent.name)
    request = json.loads((case / "request.json").read_text())
    if (case / "error.json").exists():
        expected = json.loads((case / "error.json").read_text())
        with pytest.raises(netfence.NetfenceError) as info:
            operation(request=request)
        assert info.value.payload == expected
        assert info.value.code == expected["code"]
        assert info.value.help == expected.get("help")
        assert info.value.location == expected.get("location")
    else:
        expected = json.loads((case / "response.json").read_text())
        result = operation(request=request)
        assert result.to_dict() == expected
        assert json.loads(result.to_json()) == expected
        # the generic entry point gives the same
        assert netfence.call(case.parent.name, request).to_dict() == expected
