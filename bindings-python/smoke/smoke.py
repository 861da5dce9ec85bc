"""Smoke suite of the installed wheel, run by `cargo xtask test` (xtask/src/dist.rs) with the
Python of a fresh venv outside the repository into which only the wheel was installed:

    python smoke.py <repository root>

It runs every shared vector (tests/vectors/), the ```python blocks of the docs and each
operation's docstring example (from the repository root, as they say), checks that a missing
path raises FileNotFoundError, and prints how long `analyze` takes on the example (information,
not a test: speed goals live in benchmarks)."""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import netfence

ROOT = Path(sys.argv[1]).resolve()
DOCS = ["docs/api.md", "README.md", "bindings-python/README.md"]


def check(condition: bool, what: str) -> None:
    if not condition:
        sys.exit(f"smoke (python): {what}")


def installed_outside_the_repository() -> None:
    package = Path(netfence.__file__).resolve()
    check(ROOT not in package.parents, f"netfence is imported from the repository ({package})")
    native = next(package.parent.glob("_native*"))
    check(native.stat().st_size < 12_000_000, f"{native.name} is {native.stat().st_size} bytes: not a stripped release build?")


def vectors() -> int:
    cases = sorted(p for p in (ROOT / "tests" / "vectors").glob("*/*") if p.is_dir())
    check(len(cases) >= 8, "no shared vectors")
    for case in cases:
        operation = getattr(netfence, case.parent.name)
        request = json.loads((case / "request.json").read_text())
        if (case / "error.json").exists():
            expected = json.loads((case / "error.json").read_text())
            try:
                operation(request=request)
            except netfence.NetfenceError as e:
                check(e.payload == expected, f"{case}: error {e.payload} != {expected}")
            else:
                check(False, f"{case}: no error")
        else:
            expected = json.loads((case / "response.json").read_text())
            check(operation(request=request).to_dict() == expected, f"{case}: a different response")
    return len(cases)


def examples() -> int:
    found = []
    for doc in DOCS:
        found += re.findall(r"```python\n(.*?)```", (ROOT / doc).read_text(), re.S)
    for name in netfence.OPERATIONS:
        _, _, example = (getattr(netfence, name).__doc__ or "").partition("From the repository root::\n")
        check(bool(example.strip()), f"the docstring of `{name}` has no example")
        found.append("from pathlib import Path\n\nimport netfence\n\n" + textwrap.dedent(example))
    for code in found:
        done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
        check(done.returncode == 0, f"an example failed:\n{code}\n{done.stderr}")
    return len(found)


def missing_path() -> None:
    try:
        netfence.validate(ROOT / "no-such-dir" / "policy.yaml")
    except FileNotFoundError as e:
        check(isinstance(e, netfence.NetfenceError) and getattr(e, "code", None) == "NF-E020", f"{e!r}")
    else:
        check(False, "a missing path raised nothing")


def analyze_time() -> str:
    """`analyze` on the example, the manifests and policies given as text: the best and the
    median of 50 calls after 10 warm-up calls (the best is the least disturbed by other load)."""
    example = ROOT / "examples" / "online-shop"
    sources = [{"name": str(p), "text": p.read_text()} for d in ("manifests", "policies") for p in sorted((example / d).glob("*.yaml"))]
    times = []
    for _ in range(60):
        started = time.perf_counter()
        netfence.analyze(request={"sources": sources})
        times.append(time.perf_counter() - started)
    return f"best {min(times[10:]) * 1000:.2f} ms, median {statistics.median(times[10:]) * 1000:.2f} ms"


installed_outside_the_repository()
count = vectors()
shown = examples()
missing_path()
print(f"smoke (python): netfence {netfence.__version__} from {Path(netfence.__file__).parent}: {count} vectors, {shown} examples ok")
print(f"smoke (python): analyze on examples/online-shop (manifests and policies): {analyze_time()}")
