"""Server throughput: export pages from a 1 M-event store, ours vs a bare baseline.

Load comes from wrk (a C load generator) requesting random pages over the whole store, so the
client does not limit the figure. Four kinds of request, same store, same run:

  time          ticket_events, time-based 1000-event pages at a random start_time
  metric-time   ticket_metric_events, time-based 1000-event pages at a random start_time
  cursor-100    ticket_metric_events, cursor pages (page[size]=100) at a random page[after]
  cursor-1000   the same with page[size]=1000

For SQLite and PostgreSQL, with 1 and 2 workers, it prints pages/s, MB/s, median and p99 latency
and the server's peak RSS, for our server (auth, rate-limit headers, Zendesk JSON; limit switched
off as for a mirror) and for ``baseline_app.py`` (same query and bytes, nothing else), and
ours/baseline. Both servers stay up for all kinds; runs alternate ours/baseline. Medians of
``--repeat`` runs.

    python benchmarks/bench_server.py [--events 1000000] [--duration 10] [--repeat 3]
                                      [--kinds time,metric-time,cursor-100,cursor-1000]
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from common import (
    DATA,
    PG_ADMIN,
    free_port,
    median,
    peak_rss_mb,
    process,
    python,
    reusable,
    seed,
    table,
    tree_pids,
)
from zendesk_events.server.paging import encode_cursor
from zendesk_events.store import Store, open_store

ROOT = Path(__file__).resolve().parent.parent
PG_SCHEMA = "zde_bench"
PG_URL = f"{PG_ADMIN}?options=-csearch_path%3D{PG_SCHEMA}"


def events_per_ticket() -> float:
    from zendesk_events.emulator import seed_store

    with tempfile.TemporaryDirectory() as tmp, open_store(f"{tmp}/probe.db") as store:
        seed_store(store, tickets=300, days=30, seed=7)
        return store.events.counts()["ticket_events"] / 300


def ensure_sqlite(path: Path, events: int) -> None:
    if not reusable(path, events):
        seed(path, tickets=max(10, round(events / events_per_ticket())), days=120, seed=1)


_COPIED = {
    "ticket_events": "id, ticket_id, timestamp, created_at, updater_id, via, event_type, raw, "
    "raw_comments",
    "ticket_metric_events": "id, ticket_id, metric, instance_id, type, time, timestamp, "
    "deleted, visible_at, raw",
}


def ensure_postgres(sqlite_path: Path) -> None:
    """Copy the SQLite store's event tables into PostgreSQL (COPY; reused when complete)."""
    import psycopg

    with open_store(str(sqlite_path)) as src:
        want = src.events.counts()
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {PG_SCHEMA}")
        with open_store(PG_URL) as dst:
            have = dst.events.counts()
            for table, cols in _COPIED.items():
                if have[table] == want[table]:
                    continue
                print(f"copying {want[table]:,} rows of {table} into PostgreSQL ...", flush=True)
                with psycopg.connect(PG_URL, autocommit=True) as conn:
                    conn.execute(f"TRUNCATE {table}")
                    with conn.cursor().copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                        for row in src.db.query(f"SELECT {cols} FROM {table}"):
                            copy.write_row(row)
                    conn.execute(f"ANALYZE {table}")


def bench_token(store: Store) -> str:
    user = store.users.add("bench@example.com", "admin")
    token = store.users.new_api_token(user)
    return base64.b64encode(f"bench@example.com/token:{token}".encode()).decode()


KINDS = ("time", "metric-time", "cursor-100", "cursor-1000")

_EXPORT = "/api/v2/incremental/{stream}.json?start_time="
_CURSOR = "/api/v2/incremental/ticket_metric_events.json?page%5Bsize%5D={size}&page%5Bafter%5D="


def start_range(store: Store, table: str = "ticket_events") -> tuple[int, int]:
    """Start times whose page is a full one: from the oldest item to 1000 before the newest."""
    lo = store.db.query(f"SELECT MIN(timestamp) FROM {table}")[0][0]
    hi = store.db.query(
        f"SELECT timestamp FROM {table} ORDER BY timestamp DESC, id DESC LIMIT 1 OFFSET 1000"
    )[0][0]
    return int(lo), int(hi)


def cursor_sample(store: Store, count: int = 500) -> list[str]:
    """``count`` cursors at random metric events, each with 1000 events after it."""
    total = store.events.counts()["ticket_metric_events"]
    step = max(1, (total - 1000) // count)
    rows = store.db.query("SELECT timestamp, id FROM ticket_metric_events ORDER BY timestamp, id")[
        : max(0, total - 1000) : step
    ]
    return [encode_cursor((int(ts), int(i))).replace("=", "%3D") for ts, i in rows[:count]]


def request_scripts(store: Store, kinds: list[str]) -> dict[str, str]:
    """The Lua ``request`` function of each kind (random page over the whole store)."""
    scripts = {}
    for kind in kinds:
        if kind in ("time", "metric-time"):
            table = "ticket_events" if kind == "time" else "ticket_metric_events"
            lo, hi = start_range(store, table)
            path = _EXPORT.format(stream=table)
            scripts[kind] = (
                f'request = function()\n  return wrk.format("GET", "{path}" .. '
                f"math.random({lo}, {hi}))\nend\n"
            )
        else:
            size = int(kind.split("-")[1])
            cursors = ",".join(f'"{c}"' for c in cursor_sample(store))
            path = _CURSOR.format(size=size)
            scripts[kind] = (
                f"local cursors = {{{cursors}}}\n"
                f'request = function()\n  return wrk.format("GET", "{path}" .. '
                "cursors[math.random(#cursors)])\nend\n"
            )
    return scripts


def wrk(port: int, auth: str | None, request: str, duration: int) -> dict[str, float]:
    header = f'wrk.headers["Authorization"] = "Basic {auth}"' if auth else ""
    # A fresh connection per request: with keep-alive, the kernel hands wrk's few connections
    # to the workers at random (often all to one), so a 2-worker figure would measure that
    # draw; per-request connections let the idle worker take the next request. Both servers
    # are measured the same way.
    script = f"""
math.randomseed(os.time())
{header}
wrk.headers["Connection"] = "close"
{request}
"""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            "-c4",
            f"-d{duration}s",
            "--latency",
            "-s",
            f.name,
            f"http://127.0.0.1:{port}/",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    Path(f.name).unlink()
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise RuntimeError(f"{non2xx.group(1)} error responses during the run:\n{out}")
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "mbps": _mb(re.search(r"Transfer/sec:\s+([\d.]+\w+)", out).group(1)),  # type: ignore[union-attr]
        "p50": _ms(re.search(r"\s50%\s+([\d.]+\w+)", out).group(1)),  # type: ignore[union-attr]
        "p99": _ms(re.search(r"\s99%\s+([\d.]+\w+)", out).group(1)),  # type: ignore[union-attr]
    }


def _mb(text: str) -> float:
    value, unit = float(re.match(r"[\d.]+", text).group()), text.lstrip("0123456789.")  # type: ignore[union-attr]
    return value * {"B": 1 / 2**20, "KB": 1 / 1024, "MB": 1, "GB": 1024}[unit]


def _ms(text: str) -> float:
    value, unit = float(re.match(r"[\d.]+", text).group()), text.lstrip("0123456789.")  # type: ignore[union-attr]
    return value * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def ours_cmd(url: str, port: int, workers: int) -> list[str]:
    return [
        python(),
        "-m",
        "zendesk_events",
        "serve",
        "--db",
        url,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--export-rate-limit",
        "0",
        "--log-level",
        "warning",
    ]


def small_store_rss(events: int, workers: int, kinds: list[str], duration: int) -> float:
    """Our server's peak RSS under the same load on a SQLite store of ``events`` events."""
    path = DATA / f"store-{events}.db"
    ensure_sqlite(path, events)
    with open_store(str(path)) as store:
        auth = bench_token(store)
        scripts = request_scripts(store, kinds)
    port = free_port()
    return measure([(ours_cmd(str(path), port, workers), {}, port, auth)], scripts, duration, 1)[1][
        0
    ]


class _Peak:
    """Samples a process tree's peak RSS (VmHWM is per process) while the load runs."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.mb = 0.0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._done.wait(0.5):
            self.sample()

    def sample(self) -> None:
        with contextlib.suppress(OSError):
            self.mb = max(self.mb, peak_rss_mb(tree_pids(self.pid)))

    def stop(self) -> float:
        self.sample()
        self._done.set()
        return self.mb


def measure(
    servers: list[tuple[list[str], dict[str, str], int, str | None]],
    scripts: dict[str, str],
    duration: int,
    repeat: int,
) -> tuple[dict[str, list[dict[str, float]]], list[float]]:
    """Medians per kind and server, and each server's peak RSS over the whole run.

    All servers stay up and their wrk runs alternate (ours, baseline, ours, baseline, ...,
    kind by kind) rather than all of one then all of the other: on a shared machine the load
    drifts, and a drift must not favour either side. An idle server costs nothing while the
    other one is measured.
    """
    with contextlib.ExitStack() as stack:
        pids = [stack.enter_context(process(cmd, port, env)) for cmd, env, port, _ in servers]
        peaks = [_Peak(pid) for pid in pids]
        for request in scripts.values():
            for _cmd, _env, port, auth in servers:
                wrk(port, auth, request, duration=2)  # warm-up (connections, caches)
        runs: dict[str, list[list[dict[str, float]]]] = {k: [[] for _ in servers] for k in scripts}
        for _ in range(repeat):
            for kind, request in scripts.items():
                for i, (_cmd, _env, port, auth) in enumerate(servers):
                    runs[kind][i].append(wrk(port, auth, request, duration=duration))
        rss = [p.stop() for p in peaks]
    medians = {
        kind: [{k: median([r[k] for r in one]) for k in one[0]} for one in per_server]
        for kind, per_server in runs.items()
    }
    return medians, rss


def baseline_cmd(port: int, workers: int) -> list[str]:
    return [
        python(),
        "-m",
        "uvicorn",
        "--app-dir",
        str(ROOT / "benchmarks"),
        "baseline_app:app",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--http",
        "httptools",
        "--no-access-log",
        "--log-level",
        "warning",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000, help="ticket events in the store")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--repeat", type=int, default=3, help="wrk runs per configuration (median)")
    parser.add_argument("--backends", default="sqlite,postgresql", help="comma-separated")
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    parser.add_argument(
        "--kinds", default=",".join(KINDS), help=f"comma-separated, of {', '.join(KINDS)}"
    )
    parser.add_argument(
        "--small-events",
        type=int,
        default=100_000,
        help="events in the small SQLite store whose RSS shows RSS does not grow with the store "
        "(0 = skip)",
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("error: wrk is not installed (apt-get install wrk; `make bench` does it)")
    kinds = [k for k in args.kinds.split(",") if k]
    unknown = set(kinds) - set(KINDS)
    if unknown:
        sys.exit(f"error: unknown --kinds {', '.join(sorted(unknown))}")
    DATA.mkdir(exist_ok=True)
    sqlite_path = DATA / f"store-{args.events}.db"
    ensure_sqlite(sqlite_path, args.events)
    urls = {"sqlite": str(sqlite_path)}
    if "postgresql" in args.backends:
        ensure_postgres(sqlite_path)
        urls["postgresql"] = PG_URL
    rows = []
    for backend in args.backends.split(","):
        with open_store(urls[backend]) as store:
            auth = bench_token(store)
            scripts = request_scripts(store, kinds)
            counts = store.events.counts()
        for workers in (int(w) for w in args.workers.split(",")):
            ours_port, base_port = free_port(), free_port()
            medians, rss = measure(
                [
                    (ours_cmd(urls[backend], ours_port, workers), {}, ours_port, auth),
                    (
                        baseline_cmd(base_port, workers),
                        {"BASELINE_DB": urls[backend]},
                        base_port,
                        None,
                    ),
                ],
                scripts,
                args.duration,
                args.repeat,
            )
            small = ""
            if backend == "sqlite" and args.small_events:
                small = f"{small_store_rss(args.small_events, workers, kinds, args.duration):.1f}"
            for kind in kinds:
                ours, base = medians[kind]
                for name, r, peak in (("ours", ours, rss[0]), ("baseline", base, rss[1])):
                    rows.append(
                        [backend, workers, kind, name, r["rps"], r["mbps"], r["p50"], r["p99"]]
                    )
                    rows[-1].extend([f"{peak:.1f}", small if name == "ours" else ""])
                    rows[-1].append(f"{ours['rps'] / base['rps']:.2f}" if name == "ours" else "")
                print(
                    f"  {backend} {workers}w {kind}: ours {ours['rps']:.0f} pages/s, "
                    f"baseline {base['rps']:.0f} pages/s",
                    flush=True,
                )
    print()
    print(
        f"Server: random pages of a store with {counts['ticket_events']:,} ticket events and "
        f"{counts['ticket_metric_events']:,} metric events, wrk -t1 -c4, median of "
        f"{args.repeat} x {args.duration}s alternating ours/baseline, one connection per request; "
        "peak RSS over all kinds of the run"
    )
    print(
        table(
            [
                "store",
                "workers",
                "request",
                "server",
                "pages/s",
                "MB/s",
                "p50 ms",
                "p99 ms",
                "peak RSS MB",
                f"peak RSS MB, {args.small_events // 1000}k store",
                "ours/baseline",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()
