"""Sync throughput, pacing at the rate limit, back-fill under the limit, the look-back's cost,
and ours vs zenpy.

1. Events/s exporting the 1 M-event store from our server (limit off) into SQLite, PostgreSQL
   and JSON Lines, against a bare baseline (httpx GETs + orjson parsing, storing nothing); the
   child-process fetcher (what ``sync`` picks for a backfill) and the thread one.
2. With the server's limit at 10 requests per (scaled-down) window: share of the ceiling
   reached and the number of 429s.
3. The same export with zenpy's ``tickets.events()`` writing the same SQLite rows, ours/zenpy.
4. Back-fill of a fixed history (both streams) under 10 requests per scaled window: requests,
   events per request and time, next to the ideal of one full page (1000 events) per request.
5. The look-back in ``--follow``: requests per hour at several metric-event rates, forward-only
   vs the default 30-minute look-back vs trailing 30 minutes, on a simulated clock (an hour
   of polls takes seconds); and whether each caught the late events.

    python benchmarks/bench_sync.py [--events 1000000] [--repeat 3] [--parts 12345]
"""

from __future__ import annotations

import argparse
import base64
import math
import os
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import orjson

from bench_server import ensure_sqlite
from common import DATA, PG_ADMIN, free_port, median, process, python, reusable, seed, table
from sync_budget import BACKFILL_HEADERS, FOLLOW_HEADERS, backfill, follow_cost
from zendesk_events.client import ZendeskClient
from zendesk_events.store import open_store
from zendesk_events.sync import (
    ClientRecipe,
    Fetcher,
    ProcessFetcher,
    ThreadFetcher,
    open_sink,
    run_sync,
)

EMAIL = "bench@example.com"


def serve(
    db: str,
    port: int,
    *,
    export_limit: int = 0,
    window: int = 60,
    request_log: str | None = None,
) -> Any:
    """Our server in its own process; the account-wide figure it reports raised out of the way.

    That figure (``X-Rate-Limit``, 700/min by default) is only reported by our server, but our
    client paces on it as it must with real Zendesk, which enforces it: at 1000 events a page
    it would cap every sync at 700 pages a minute. Mirror-speed runs set it out of reach.

    With ``request_log``, the server appends ``<epoch> <status>`` for every response to that
    file: requests counted where they arrive, whichever process of ours sent them.
    """
    settings = (
        f"ServerSettings(db={db!r}, export_rate_limit={export_limit}, "
        f"export_rate_window={window}, account_rate_limit=10**9, lag=60)"
    )
    if request_log is None:
        code = (
            "from zendesk_events.config import ServerSettings\n"
            "from zendesk_events.server.runner import bind, serve\n"
            f"serve({settings}, bind('127.0.0.1', {port}), workers=1, "
            "log_level='warning', access_log=False)"
        )
    else:
        code = f"""
import time, uvicorn
from zendesk_events.config import ServerSettings
from zendesk_events.server import create_app
inner = create_app({settings})
log = open({request_log!r}, "a", buffering=1)
async def app(scope, receive, send):
    async def counting(message):
        if message["type"] == "http.response.start":
            log.write(f"{{time.time()}} {{message['status']}} {{scope['path']}}\\n")
        await send(message)
    await inner(scope, receive, counting)
uvicorn.run(app, host="127.0.0.1", port={port}, log_level="warning", access_log=False)
"""
    return process([python(), "-c", code], port)


def make_token(db: str) -> str:
    with open_store(db) as store:
        return store.users.new_api_token(store.users.add(EMAIL, "admin"))


def baseline(base: str, token: str, start: int) -> tuple[int, float]:
    """GET every ticket_events page and parse it; store nothing."""
    auth = "Basic " + base64.b64encode(f"{EMAIL}/token:{token}".encode()).decode()
    n = 0
    t0 = time.perf_counter()
    with httpx.Client(headers={"Authorization": auth}, timeout=60) as http:
        url: str | None = f"{base}/api/v2/incremental/ticket_events.json?start_time={start}"
        while url:
            page = orjson.loads(http.get(url).content)
            n += len(page["ticket_events"])
            url = None if page["end_of_stream"] else page["next_page"]
    return n, time.perf_counter() - t0


def _fetcher(kind: str, base: str, token: str) -> Fetcher:
    if kind == "process":
        return ProcessFetcher(ClientRecipe(base_url=base, email=EMAIL, token=token))
    return ThreadFetcher()


def ours(
    base: str, token: str, start: int, target: str, fetcher: str = "process"
) -> tuple[int, float]:
    """Our sync of ticket_events into ``target`` with the ``fetcher`` kind (``process``: what
    ``sync`` picks for a backfill)."""
    client = ZendeskClient(base_url=base, email=EMAIL, token=token)
    sink = open_sink(target)
    t0 = time.perf_counter()
    report = run_sync(
        client,
        sink,
        streams=["ticket_events"],
        since=start,
        fetcher=_fetcher(fetcher, base, token),
    )
    elapsed = time.perf_counter() - t0
    sink.close()
    client.close()
    return report.events_total, elapsed


def zenpy_export(base: str, token: str, start: int, target: str) -> tuple[int, float]:
    """zenpy's ``tickets.events()`` iterator, writing the same rows through our store.

    zenpy is pointed at our server with its own overrides (``ZENPY_FORCE_SCHEME``/``_NETLOC``).
    It does not drop the boundary duplicates of time-based paging; the upserts make the rows the
    same anyway. Returns the distinct events stored and the seconds taken.
    """
    from zenpy import Zenpy

    scheme, netloc = base.split("://")
    os.environ["ZENPY_FORCE_SCHEME"] = scheme
    os.environ["ZENPY_FORCE_NETLOC"] = netloc
    zd = Zenpy(subdomain="bench", email=EMAIL, token=token)
    store = open_store(target)
    batch: list[dict[str, Any]] = []
    t0 = time.perf_counter()
    for event in zd.tickets.events(start_time=start):
        batch.append(event.to_dict())
        if len(batch) == 1000:
            with store.db.transaction() as tx:
                store.events.upsert(tx, "ticket_events", batch)
            batch = []
    if batch:
        with store.db.transaction() as tx:
            store.events.upsert(tx, "ticket_events", batch)
    elapsed = time.perf_counter() - t0
    n = store.events.counts()["ticket_events"]
    store.close()
    return n, elapsed


def _no_nulls(value: Any) -> Any:
    """``value`` with every null member of every object left out."""
    if isinstance(value, dict):
        return {k: _no_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_no_nulls(v) for v in value]
    return value


def same_rows(a: str, b: str) -> bool:
    """Whether two SQLite stores hold the same ticket event rows (all three tables).

    ``raw`` is compared as JSON without null members: zenpy's ``to_dict()`` reorders an
    event's keys and writes every attribute of its model, those the server did not send as
    null (``system.ip_address``, which Zendesk's recorded events do not carry).
    """
    events = (
        "SELECT id, ticket_id, timestamp, created_at, updater_id, via, event_type, raw "
        "FROM ticket_events ORDER BY id"
    )
    others = (
        "SELECT * FROM ticket_field_changes ORDER BY id, field",
        "SELECT * FROM ticket_comments ORDER BY id",
    )
    with open_store(a) as x, open_store(b) as y:
        ex, ey = x.db.query(events), y.db.query(events)
        if len(ex) != len(ey):
            return False
        for rx, ry in zip(ex, ey, strict=True):
            if rx[:-1] != ry[:-1] or _no_nulls(orjson.loads(rx[-1])) != _no_nulls(
                orjson.loads(ry[-1])
            ):
                return False
        return all(x.db.query(q) == y.db.query(q) for q in others)


def ensure_zenpy_store(events: int) -> str:
    """A store whose newest events are two days old: zenpy stops paging within 5 min of now."""
    path = DATA / f"zenpy-{events}.db"
    if not reusable(path, events):
        end = (int(time.time()) - 2 * 86400) // 60 * 60
        seed(path, tickets=max(10, events // 8), days=30, seed=2, end=end)
    return str(path)


def versus_zenpy(events: int) -> list[list[object]]:
    """3. zenpy and ours on the same (older) store, into SQLite, side by side."""
    db = ensure_zenpy_store(events)
    token = make_token(db)
    with open_store(db) as store:
        lo, _ = store.events.time_span("ticket_events") or (0, 0)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with (
        serve(db, port),
        tempfile.TemporaryDirectory() as tmp,
    ):
        zpath, opath = str(Path(tmp) / "zenpy.db"), str(Path(tmp) / "ours.db")
        zn, zsecs = zenpy_export(base, token, lo, zpath)
        on, osecs = ours(base, token, lo, opath, "process")  # as `sync` picks: 2 days behind
        same = "yes" if same_rows(zpath, opath) else "NO"
    zrate, orate = zn / zsecs, on / osecs
    return [
        ["zenpy tickets.events() -> SQLite", zn, f"{zsecs:.1f}", zrate, "", same],
        ["ours -> SQLite", on, f"{osecs:.1f}", orate, f"{orate / zrate:.1f}", same],
    ]


def throughput(db: str, repeat: int, kinds: str) -> list[list[object]]:
    """1. Every ticket event of ``db`` into each target; medians of ``repeat`` rounds."""
    token = make_token(db)
    with open_store(db) as store:
        lo, _ = store.events.time_span("ticket_events") or (0, 0)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    targets = {
        "baseline (httpx GET + orjson parse only)": None,
        "ours -> SQLite": "sqlite",
        "ours -> SQLite, thread fetcher": "sqlite-thread",
        "ours -> PostgreSQL": "pg",
        "ours -> JSON Lines": "jsonl",
    }
    wanted = kinds.split(",")
    targets = {
        k: v for k, v in targets.items() if v is None or v in wanted or v.split("-")[0] in wanted
    }
    runs: dict[str, list[float]] = {label: [] for label in targets}
    cpu: dict[str, list[tuple[float, float, float]]] = {label: [] for label in targets}
    counts: dict[str, int] = {}
    schemas: list[str] = []
    try:
        with (
            serve(db, port) as server_pid,
            tempfile.TemporaryDirectory() as tmp,
        ):
            for _ in range(repeat):
                for label, kind in targets.items():
                    before = _cpu_seconds(server_pid)
                    if kind is None:
                        n, secs = baseline(base, token, lo)
                    else:
                        sink_kind, _, fetcher = kind.partition("-")
                        target = _target(sink_kind, tmp, schemas)
                        n, secs = ours(base, token, lo, target, fetcher or "process")
                        _remove(target)
                        # Pay PostgreSQL's after-work (autovacuum of the new tables, the
                        # checkpoint of ~2 GB of dirty pages) now, not during the next run.
                        _drop_schemas(schemas, checkpoint=True)
                        schemas.clear()
                    after = _cpu_seconds(server_pid)
                    runs[label].append(n / secs)
                    cpu[label].append(tuple(b - a for a, b in zip(before, after, strict=True)))
                    counts[label] = n
    finally:
        _drop_schemas(schemas)
    base_rate = median(runs["baseline (httpx GET + orjson parse only)"])
    rows: list[list[object]] = []
    for label, rates in runs.items():
        mine, child, served = (median([c[i] for c in cpu[label]]) for i in range(3))
        rows.append(
            [
                label,
                counts[label],
                median(rates),
                f"{min(rates):,.0f}-{max(rates):,.0f}",
                f"{median(rates) / base_rate:.2f}",
                f"{mine:.2f} / {child:.2f}",
                f"{served:.2f}",
                f"{(mine + child + served) / (counts[label] / median(rates)):.2f}",
            ]
        )
    return rows


THROUGHPUT_HEADERS = [
    "run",
    "events",
    "events/s",
    "range",
    "x baseline",
    "CPU s: writer / fetcher",
    "CPU s: server",
    "cores busy",
]
"""Part 1's columns. The CPU columns say where the time goes on this machine: the writer is
this process (its threads included; in the baseline, its GETs and parsing), the fetcher the
child process that ``sync`` starts for a
backfill, the server our ``serve`` process (PostgreSQL's own backends are not counted).
"Cores busy" is their sum over the wall time: near the machine's core count, a sync is bound
by CPU as a whole, and only less work per event (not more overlap) makes it faster."""


def _cpu_seconds(server_pid: int) -> tuple[float, float, float]:
    """CPU seconds so far of this process, of its waited-for children, and of the server."""
    import resource

    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(f"/proc/{server_pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (
        time.process_time(),
        children.ru_utime + children.ru_stime,
        (int(fields[11]) + int(fields[12])) / ticks,
    )


def _target(kind: str, tmp: str, schemas: list[str]) -> str:
    name = uuid.uuid4().hex[:8]
    if kind == "sqlite":
        return str(Path(tmp) / f"{name}.db")
    if kind == "jsonl":
        return str(Path(tmp) / f"{name}.jsonl")
    import psycopg

    schema = f"zde_sync_{name}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    schemas.append(schema)
    return f"{PG_ADMIN}?options=-csearch_path%3D{schema}"


def _remove(target: str) -> None:
    if target.startswith("postgresql://"):
        return
    for suffix in ("", "-wal", "-shm", ".cursor.json"):
        Path(target + suffix).unlink(missing_ok=True)


def _drop_schemas(schemas: list[str], *, checkpoint: bool = False) -> None:
    if not schemas:
        return
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        for schema in schemas:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        if checkpoint:
            conn.execute("CHECKPOINT")


def pacing(db: str, window: int, windows: int) -> list[list[object]]:
    """2. Sync at 10 requests per ``window`` s for ``windows`` windows; requests and 429s.

    The server's windows are aligned on multiples of ``window``; the run starts at a window's
    start and stops just before the last one ends, so the ceiling is ``10 * windows``.
    """
    token = make_token(db)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with open_store(db) as store:
        lo, _ = store.events.time_span("ticket_events") or (0, 0)
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "requests.log"
        with serve(db, port, export_limit=10, window=window, request_log=str(log)):
            # The first request may be the start probe's: only the sync's count.
            log.write_text("")
            client = ZendeskClient(base_url=base, email=EMAIL, token=token)
            sink = open_sink(str(Path(tmp) / "paced.db"))
            stop = threading.Event()
            now = time.time()
            time.sleep(math.ceil(now / window) * window - now)  # start with a fresh window
            first = math.floor(time.time() / window)
            timer = threading.Timer(window * windows - 0.3, stop.set)
            timer.start()
            # The child-process fetcher, as `sync` picks for this backlog: on stop it ends at
            # once, even inside a rate-limit wait, so no request of the next window is spent.
            report = run_sync(
                client,
                sink,
                streams=["ticket_events"],
                since=lo,
                stop=stop,
                fetcher=_fetcher("process", base, token),
            )
            timer.cancel()
            sink.close()
            client.close()
        stamps = [
            (float(t), int(status))
            for t, status, _ in (line.split() for line in log.read_text().splitlines())
        ]
    last = first + windows - 1
    inside = [status for t, status in stamps if math.floor(t / window) <= last]
    made = sum(1 for status in inside if status != 429)
    ceiling = 10 * windows
    return [
        [
            f"10 per {window}s",
            windows,
            made,
            ceiling,
            f"{100 * made / ceiling:.1f}%",
            inside.count(429),
            len(stamps) - len(inside),
            report.events_total,
        ]
    ]


def backfill_under_limit(db: str, window: int, events: int) -> list[list[object]]:
    """4. A fixed history back-filled at 10 requests per ``window`` s (see sync_budget)."""
    token = make_token(db)
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "requests.log"
        with serve(db, port, export_limit=10, window=window, request_log=str(log)):
            return backfill(db, f"http://127.0.0.1:{port}", token, log, window, events)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--zenpy-events", type=int, default=40_000)
    parser.add_argument("--window", type=int, default=10, help="scaled rate-limit window, s")
    parser.add_argument("--windows", type=int, default=6, help="windows to run the pacing test")
    parser.add_argument("--parts", default="12345", help="which parts to run, e.g. 13")
    parser.add_argument(
        "--backfill-events", type=int, default=50_000, help="part 4's history (ticket events)"
    )
    parser.add_argument(
        "--rates", default="0.2,1,3", help="part 5's metric events per second, comma-separated"
    )
    parser.add_argument("--targets", default="sqlite,pg,jsonl", help="part 1's sinks")
    args = parser.parse_args()
    DATA.mkdir(exist_ok=True)
    db = str(DATA / f"store-{args.events}.db")
    if set(args.parts) & set("124"):
        ensure_sqlite(Path(db), args.events)
    if "1" in args.parts:
        rows = throughput(db, args.repeat, args.targets)
        print(f"\n1. Sync of ticket_events from our server (limit off), median of {args.repeat}")
        print(table(THROUGHPUT_HEADERS, rows), flush=True)
    if "2" in args.parts:
        prow = pacing(db, args.window, args.windows)
        print("\n2. Pacing at the rate limit (server limit 10/min scaled to a short window)")
        print(
            table(
                [
                    "limit",
                    "windows",
                    "requests",
                    "ceiling",
                    "share",
                    "429s",
                    "requests after stop",
                    "events",
                ],
                prow,
            ),
            flush=True,
        )
    if "3" in args.parts:
        zrows = versus_zenpy(args.zenpy_events)
        print("\n3. Ours vs zenpy, the same SQLite rows, one run side by side")
        print(
            table(["run", "events", "seconds", "events/s", "ours/zenpy", "same rows"], zrows),
            flush=True,
        )
    if "4" in args.parts:
        brows = backfill_under_limit(db, args.window, args.backfill_events)
        print(
            f"\n4. Back-fill of the first {args.backfill_events:,} ticket events and their "
            f"metric events at 10 requests per {args.window}s (a scaled minute)"
        )
        print(table(BACKFILL_HEADERS, brows), flush=True)
    if "5" in args.parts:
        frows = follow_cost([float(r) for r in args.rates.split(",")])
        print(
            "\n5. --follow for an hour (poll every 60 s, simulated clock): export requests, "
            "2% of metric events written 12 minutes late"
        )
        print(table(FOLLOW_HEADERS, frows), flush=True)


if __name__ == "__main__":
    main()
