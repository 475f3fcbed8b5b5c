"""`analyze` and `report` on the 1 M-event store: seconds and peak memory, SQLite and PostgreSQL,
next to a bare baseline: the report's aggregates written as one plain SQL query each over the
event tables (``baseline_analysis.py``), run through the bare drivers.

Every step runs as its own process, as a user runs it, so its peak RSS is its own (read with
``wait4``); PostgreSQL's server memory is not in the figure. The store is a copy of the shared
benchmark store (``benchmarks/.data``), so the analysis tables never touch the original.

Steps, each the median of ``--repeat`` runs:
  analyze, full build             ``analyze --full``: every ticket rebuilt
  analyze, nothing changed        the fingerprint scan alone
  analyze, 1 % of tickets changed breach events of every 100th ticket flipped ``deleted``
  report from the tables          ``report --no-analyze``: aggregates + Plotly + HTML file
  aggregates from the tables      the report's numbers alone (``AnalysisStore.report_data``)
  baseline                        the same numbers, one plain query each over the events
Before timing, the baseline's numbers are compared with ours: they must be equal.

    python benchmarks/bench_analysis.py [--events 1000000] [--repeat 3] [--backends sqlite,pg]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from baseline_analysis import aggregates
from bench_server import ensure_sqlite
from common import DATA, PG_ADMIN, median, python, table
from zendesk_events.store import open_store

PG_SCHEMA = "zde_bench_analysis"
PG_URL = f"{PG_ADMIN}?options=-csearch_path%3D{PG_SCHEMA}"
HERE = Path(__file__).resolve().parent
TABLES = (
    "ticket_events",
    "ticket_field_changes",
    "ticket_metric_events",
    "ticket_fields",
    "groups",
    "sla_policies",
)


def sqlite_copy(source: Path, events: int) -> Path:
    """A private copy of the benchmark store (made again when the source is newer)."""
    target = DATA / f"analysis-{events}.db"
    if target.exists() and target.stat().st_mtime >= source.stat().st_mtime:
        return target
    print(f"copying {source.name} to {target.name} ...", flush=True)
    target.unlink(missing_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return target


def postgres_copy(source: Path) -> str:
    """The event and account tables of ``source`` in a PostgreSQL schema (reused when equal)."""
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {PG_SCHEMA}")
    src = sqlite3.connect(source)
    want = {t: src.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in TABLES}
    with open_store(PG_URL) as dst:
        have = {t: int(dst.db.query(f"SELECT COUNT(*) FROM {t}")[0][0]) for t in TABLES}
    if have != want:
        print(f"copying the store into PostgreSQL schema {PG_SCHEMA} ...", flush=True)
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            for t in TABLES:
                cur = src.execute(f"SELECT * FROM {t}")
                cols = ", ".join(d[0] for d in cur.description)
                conn.execute(f"TRUNCATE {t}")
                with conn.cursor().copy(f"COPY {t} ({cols}) FROM STDIN") as copy:
                    for row in cur:
                        copy.write_row(row)
                conn.execute(f"ANALYZE {t}")
    src.close()
    return PG_URL


def measure(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one process running ``cmd``."""
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            err.seek(0)
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{err.read().decode()}")
    return seconds, usage.ru_maxrss / 1024


def flip_breaches(url: str) -> None:
    """Turn ``deleted`` over on the breach events of every 100th ticket (1 % changed)."""
    sql = (
        "UPDATE ticket_metric_events SET deleted = NOT deleted "
        "WHERE type = 'breach' AND ticket_id % 100 = 7"
    )
    if url.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sql)
    else:
        with sqlite3.connect(url) as conn:
            conn.execute(sql)


def agree(url: str, as_of: int) -> str:
    """Whether the baseline's numbers are ours (the analysis tables must be built)."""
    with open_store(url) as store:
        ours: dict[str, Any] = asdict(store.analysis.report_data())
    base = aggregates(url, as_of)
    wrong = [k for k, v in base.items() if v != ours[k]]
    return "yes" if not wrong else f"NO: {', '.join(wrong)} differ"


def bench(name: str, url: str, as_of: int, repeat: int, out_dir: Path) -> list[list[object]]:
    cli = [python(), "-m", "zendesk_events"]
    analyze = [*cli, "analyze", "--to", url, "--as-of", str(as_of)]
    runs: dict[str, list[tuple[float, float]]] = {}
    runs["analyze, full build"] = [measure([*analyze, "--full"]) for _ in range(repeat)]
    print(f"{name}: baseline and ours agree: {agree(url, as_of)}", flush=True)
    runs["analyze, nothing changed"] = [measure(analyze) for _ in range(repeat)]
    changed = []
    for _ in range(repeat):
        flip_breaches(url)
        changed.append(measure(analyze))
    runs["analyze, 1 % of tickets changed"] = changed
    report = [*cli, "report", "--to", url, "--no-analyze", "--out", str(out_dir / "r.html")]
    runs["report from the tables"] = [measure(report) for _ in range(repeat)]
    ours = (
        "from zendesk_events.store import open_store\n"
        f"with open_store({url!r}) as s: s.analysis.report_data()\n"
    )
    runs["aggregates from the tables"] = [measure([python(), "-c", ours]) for _ in range(repeat)]
    base = [python(), str(HERE / "baseline_analysis.py"), url, str(as_of)]
    runs["baseline: one plain query each"] = [measure(base) for _ in range(repeat)]
    baseline = median([s for s, _ in runs["baseline: one plain query each"]])
    rows: list[list[object]] = []
    for step, values in runs.items():
        seconds = median([s for s, _ in values])
        rss = max(m for _, m in values)
        rows.append([name, step, seconds, rss, f"{seconds / baseline:.2f}"])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="ticket events in the store")
    parser.add_argument("--repeat", type=int, default=3, help="runs per step (median)")
    parser.add_argument("--backends", default="sqlite,pg", help="sqlite, pg or both")
    args, _ = parser.parse_known_args()  # run.sh passes every benchmark the same options
    DATA.mkdir(exist_ok=True)
    source = DATA / f"store-{args.events}.db"
    ensure_sqlite(source, args.events)
    work = sqlite_copy(source, args.events)
    with sqlite3.connect(work) as db:
        hi = db.execute("SELECT MAX(timestamp) FROM ticket_events").fetchone()[0]
        counts = {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in TABLES[:3]}
    as_of = int(hi) + 1
    print("store: " + ", ".join(f"{t} {n:,}" for t, n in counts.items()), flush=True)
    rows: list[list[object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.backends.split(","):
            if backend == "sqlite":
                rows += bench("SQLite", str(work), as_of, args.repeat, Path(tmp))
            elif backend == "pg":
                rows += bench("PostgreSQL", postgres_copy(work), as_of, args.repeat, Path(tmp))
            else:
                parser.error(f"unknown backend {backend!r}")
    print()
    print(table(["store", "step", "seconds (median)", "peak RSS MB", "vs baseline"], rows))


if __name__ == "__main__":
    main()
