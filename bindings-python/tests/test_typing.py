"""The typed API: the docs' examples run and pass `mypy --strict`; a file of deliberate mistakes
fails it on exactly its marked lines."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import netfence

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).parent
# Documents whose ```python blocks are examples a user copies.
DOCS = ["docs/api.md", "README.md", "bindings-python/README.md"]
# What a docstring example may use without importing it.
PRELUDE = "from pathlib import Path\n\nimport netfence\n\n"


def doc_examples() -> dict[str, str]:
    """Every example: the ```python blocks of the docs and each operation's docstring example."""
    examples = {}
    for doc in DOCS:
        for i, block in enumerate(re.findall(r"```python\n(.*?)```", (ROOT / doc).read_text(), re.S)):
            examples[f"{doc}#{i}"] = block
    for name in netfence.OPERATIONS:
        doc = getattr(netfence, name).__doc__ or ""
        _, _, example = doc.partition("From the repository root::\n")
        assert example.strip(), f"the docstring of `{name}` has no example"
        examples[f"netfence.{name}"] = PRELUDE + textwrap.dedent(example).strip() + "\n"
    return examples


EXAMPLES = doc_examples()


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_example_runs_from_the_repository_root(name: str) -> None:
    done = subprocess.run([sys.executable, "-c", EXAMPLES[name]], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip(), "an example shows something"


def mypy(*files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--show-error-codes", *map(str, files)],
        capture_output=True, text=True,
    )


def test_the_examples_pass_mypy_strict(tmp_path: Path) -> None:
    files = []
    for i, (name, code) in enumerate(sorted(EXAMPLES.items())):
        path = tmp_path / f"example_{i}.py"
        path.write_text(f"# {name}\n{code}")
        files.append(path)
    done = mypy(*files)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_mistakes_fail_mypy_strict_on_exactly_their_lines() -> None:
    mistakes = HERE / "typecheck" / "mistakes.py"
    marked = {i for i, line in enumerate(mistakes.read_text().splitlines(), 1) if "  # mistake: " in line}
    assert len(marked) >= 15
    done = mypy(mistakes)
    assert done.returncode == 1, done.stdout + done.stderr
    flagged = {int(m) for m in re.findall(r"^[^:\n]*mistakes\.py:(\d+): error:", done.stdout, re.M)}
    assert flagged == marked, f"missed: {sorted(marked - flagged)}, unexpected: {sorted(flagged - marked)}\n{done.stdout}"
