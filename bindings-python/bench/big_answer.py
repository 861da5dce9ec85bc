"""A big all-pairs answer in Python, end to end: JSON vs the grouped layout vs Apache Arrow.

    cargo run --release -p netfence --example kubectl_dump -- --pods 7500 --policies 12 \
        --format json-compact > target/big-answer.json
    .venv/bin/python bindings-python/bench/big_answer.py target/big-answer.json

Needs the release wheel installed into .venv (`cargo xtask dist`, then pip install it) for
figures worth recording. Prints one line per path: seconds from the call to a usable result
(a list of records, the groups, a pyarrow Table and a pandas DataFrame) and the record count.
"""

from __future__ import annotations

import sys
import time

import pyarrow as pa

import netfence


def timed(label: str, run):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    value, count = run()
    print(f"{label:<44} {time.perf_counter() - started:7.2f} s  {count:>10,} records", flush=True)
    return value


def main() -> None:
    path = sys.argv[1]
    with open(path, "rb") as f:
        data = f.read()
    skip_json = "--skip-json" in sys.argv
    # a binding's default input limit (32 MiB) suits a browser tab; a script reading a dump raises it
    options = {"maxInputBytes": 1 << 31}

    def arrow():  # type: ignore[no-untyped-def]
        table = pa.ipc.open_stream(netfence.analyze_arrow(data, options=options)).read_all()
        return table, table.num_rows

    def arrow_pandas():  # type: ignore[no-untyped-def]
        frame = pa.ipc.open_stream(netfence.analyze_arrow(data, options=options)).read_all().to_pandas()
        return frame, len(frame)

    def grouped():  # type: ignore[no-untyped-def]
        answer = netfence.analyze(data, layout="grouped", options=options).grouped
        members = [len(g.members) for g in answer.groups]
        pairs = sum(
            members[c.src] * members[c.dst] - (members[c.src] if c.src == c.dst else 0) for c in answer.connections
        )
        return answer, pairs

    def listed():  # type: ignore[no-untyped-def]
        answer = netfence.analyze(data, options=options)
        return answer, len(answer.connections)

    table = timed("analyze_arrow -> pyarrow.Table", arrow)
    try:
        import pandas  # noqa: F401
    except ImportError:
        print("(pandas is not installed: no DataFrame timing)")
    else:
        timed("analyze_arrow -> pandas.DataFrame", arrow_pandas)
    timed("analyze(layout='grouped') -> groups", grouped)
    if not skip_json:
        timed("analyze -> JSON records (the list)", listed)
    print(f"rows {table.num_rows:,}; arrow stream columns {table.column_names}")


if __name__ == "__main__":
    main()
