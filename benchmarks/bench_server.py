"""Server throughput: 1000-event pages from a 1 M-event store, ours vs a bare baseline.

Load comes from wrk (a C load generator) requesting random start_times over the whole store, so
the client does not limit the figure. For SQLite and PostgreSQL, with 1 and 2 workers, it prints
pages/s, MB/s, median and p99 latency and the server's peak RSS, for our server (auth, rate-limit
headers, Zendesk JSON; limit switched off as for a mirror) and for ``baseline_app.py`` (same query
and bytes, nothing else), and ours/baseline. Medians of ``--repeat`` runs.

    python benchmarks/bench_server.py [--events 1000000] [--duration 10] [--repeat 3]
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


def ensure_postgres(sqlite_path: Path) -> None:
    """Copy the SQLite store's tables into a PostgreSQL schema (COPY; reused when complete)."""
    import psycopg

    with open_store(str(sqlite_path)) as src:
        want = src.events.counts()["ticket_events"]
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {PG_SCHEMA}")
        with open_store(PG_URL) as dst:
            if dst.events.counts()["ticket_events"] == want:
                return
            print(f"copying {want:,} ticket events into PostgreSQL ...", flush=True)
            cols = (
                "id, ticket_id, timestamp, created_at, updater_id, via, event_type, raw, "
                "raw_comments"
            )
            with psycopg.connect(PG_URL, autocommit=True) as conn:
                conn.execute("TRUNCATE ticket_events")
                with conn.cursor().copy(f"COPY ticket_events ({cols}) FROM STDIN") as copy:
                    for row in src.db.query(f"SELECT {cols} FROM ticket_events"):
                        copy.write_row(row)
                conn.execute("ANALYZE ticket_events")


def bench_token(store: Store) -> str:
    user = store.users.add("bench@example.com", "admin")
    token = store.users.new_api_token(user)
    return base64.b64encode(f"bench@example.com/token:{token}".encode()).decode()


def start_range(store: Store) -> tuple[int, int]:
    lo = store.db.query("SELECT MIN(timestamp) FROM ticket_events")[0][0]
    hi = store.db.query(
        "SELECT timestamp FROM ticket_events ORDER BY timestamp DESC, id DESC LIMIT 1 OFFSET 1000"
    )[0][0]
    return int(lo), int(hi)


def wrk(port: int, auth: str | None, lo: int, hi: int, duration: int) -> dict[str, float]:
    header = f'wrk.headers["Authorization"] = "Basic {auth}"' if auth else ""
    # A fresh connection per request: with keep-alive, the kernel hands wrk's few connections
    # to the workers at random (often all to one), so a 2-worker figure would measure that
    # draw; per-request connections let the idle worker take the next request. Both servers
    # are measured the same way.
    path = "/api/v2/incremental/ticket_events.json?start_time="
    script = f"""
math.randomseed(os.time())
{header}
wrk.headers["Connection"] = "close"
request = function()
  return wrk.format("GET", "{path}" .. math.random({lo}, {hi}))
end
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


def small_store_rss(events: int, workers: int, duration: int) -> float:
    """Our server's peak RSS under the same load on a SQLite store of ``events`` events."""
    path = DATA / f"store-{events}.db"
    ensure_sqlite(path, events)
    with open_store(str(path)) as store:
        auth = bench_token(store)
        rng = start_range(store)
    port = free_port()
    return measure([(ours_cmd(str(path), port, workers), {}, port, auth)], rng, duration, 1)[0][
        "rss"
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
    rng: tuple[int, int],
    duration: int,
    repeat: int,
) -> list[dict[str, float]]:
    """Medians per server, with all servers up and their wrk runs alternating.

    Alternating (ours, baseline, ours, baseline, ...) rather than all of one then all of the
    other: on a shared machine the load drifts, and a drift must not favour either side. An
    idle server costs nothing while the other one is measured.
    """
    with contextlib.ExitStack() as stack:
        pids = [stack.enter_context(process(cmd, port, env)) for cmd, env, port, _ in servers]
        peaks = [_Peak(pid) for pid in pids]
        for _cmd, _env, port, auth in servers:
            wrk(port, auth, *rng, duration=2)  # warm-up (connections, caches)
        runs: list[list[dict[str, float]]] = [[] for _ in servers]
        for _ in range(repeat):
            for i, (_cmd, _env, port, auth) in enumerate(servers):
                runs[i].append(wrk(port, auth, *rng, duration=duration))
        rss = [p.stop() for p in peaks]
    return [
        {k: median([r[k] for r in server_runs]) for k in server_runs[0]} | {"rss": rss[i]}
        for i, server_runs in enumerate(runs)
    ]


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
        "--small-events",
        type=int,
        default=100_000,
        help="events in the small SQLite store whose RSS shows RSS does not grow with the store",
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("error: wrk is not installed (apt-get install wrk; `make bench` does it)")
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
            rng = start_range(store)
            total = store.events.counts()["ticket_events"]
        for workers in (int(w) for w in args.workers.split(",")):
            ours_port, base_port = free_port(), free_port()
            ours, base = measure(
                [
                    (ours_cmd(urls[backend], ours_port, workers), {}, ours_port, auth),
                    (
                        baseline_cmd(base_port, workers),
                        {"BASELINE_DB": urls[backend]},
                        base_port,
                        None,
                    ),
                ],
                rng,
                args.duration,
                args.repeat,
            )
            small = ""
            if backend == "sqlite" and args.small_events:
                small = f"{small_store_rss(args.small_events, workers, args.duration):.1f}"
            for name, r in (("ours", ours), ("baseline", base)):
                rows.append(
                    [backend, workers, name, r["rps"], r["mbps"], r["p50"], r["p99"], r["rss"]]
                )
            rows[-2].extend([small, f"{ours['rps'] / base['rps']:.2f}"])
            rows[-1].extend(["", ""])
            print(
                f"  {backend} {workers}w: ours {ours['rps']:.0f} pages/s, "
                f"baseline {base['rps']:.0f} pages/s",
                flush=True,
            )
    print()
    print(
        f"Server: 1000-event pages, random start_time, {total:,}-event store, wrk -t1 -c4, "
        f"median of {args.repeat} x {args.duration}s alternating ours/baseline, "
        "one connection per request"
    )
    print(
        table(
            [
                "store",
                "workers",
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
