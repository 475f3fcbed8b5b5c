"""Ticket writes of the live emulated account: writes per second, and the events each makes.

For SQLite and PostgreSQL, creates (a ticket with a comment, under an SLA policy) and updates
(a public comment and a status change) three ways, each on a fresh store:

  bare inserts   the very rows the writes made, replayed one transaction per write with the
                 same statements (EventStore.write, LiveStore.put): the floor, no model, no HTTP
  desk           LiveDesk.create_ticket / update_ticket in-process: the live lock, reading the
                 ticket and the account, the model (audit, triggers, SLA), numbering, writing
  HTTP           `zendesk-events serve` in its own process, a client sending the Tickets API's
                 requests over a keep-alive connection (1 client, then 4 at once)

Medians of --repeat runs; "x bare" is writes/s relative to the bare inserts of the same store
and operation. "events/write" counts what one write puts in the exports: the audit, its child
events, its metric events.

    python benchmarks/bench_writes.py [--writes 500] [--repeat 3] [--backends sqlite,pg]
"""

from __future__ import annotations

import argparse
import base64
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
import psycopg

from common import PG_ADMIN, free_port, median, process, python, table
from zendesk_events.emulator import LateArrival, LiveDesk
from zendesk_events.store import PreparedRows, Store, open_store
from zendesk_events.timeutil import SystemClock

WARM_UP = 10
"""Creates and updates before each measured run (not measured, not replayed)."""

POLICY = {
    "title": "Bench",
    "filter": {"all": [], "any": []},
    "policy_metrics": [
        {"priority": p, "metric": m, "target": 60, "business_hours": False}
        for p in ("low", "normal", "high", "urgent")
        for m in ("first_reply_time", "requester_wait_time", "agent_work_time")
    ],
}


def _create_body(i: int) -> dict[str, Any]:
    return {
        "subject": f"Bench ticket {i}",
        "priority": ("low", "normal", "high", "urgent")[i % 4],
        "tags": ["bench"],
        "comment": {"body": f"Something is broken ({i})."},
    }


def _update_body(i: int) -> dict[str, Any]:
    return {
        "status": ("pending", "open")[i % 2],
        "comment": {"body": f"Update {i}", "public": True},
    }


@contextmanager
def _store(backend: str, tmp: Path) -> Iterator[tuple[Store, str]]:
    """A fresh, empty store (a new SQLite file or PostgreSQL schema) and its URL."""
    if backend == "sqlite":
        url = str(tmp / f"{uuid.uuid4().hex[:8]}.db")
        with open_store(url) as store:
            yield store, url
        return
    schema = f"zde_bw_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    url = f"{PG_ADMIN}?options=-csearch_path%3D{schema}"
    try:
        with open_store(url) as store:
            yield store, url
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def _admin(store: Store) -> tuple[Any, str]:
    user = store.users.add("bench@example.com", "admin")
    return user, store.users.new_api_token(user)


class _Recorder:
    """Forwards a store's event and live writes, keeping each write's rows for the replay."""

    def __init__(self, store: Store) -> None:
        self.events, self.live = store.events, store.live
        self.writes: list[list[tuple[str, Any]]] = []
        self.current: list[tuple[str, Any]] = []
        store.events = self  # type: ignore[assignment]
        store.live = self  # type: ignore[assignment]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.live, name) if hasattr(self.live, name) else getattr(self.events, name)

    def write(self, tx: Any, prepared: PreparedRows) -> int:
        self.current.append(("events", prepared))
        return self.events.write(tx, prepared)

    def put(self, tx: Any, rows: Any) -> None:
        rows = list(rows)
        self.current.append(("live", rows))
        self.live.put(tx, rows)
        self.writes.append(self.current)  # the live row is each write's last
        self.current = []


def _desk(store: Store) -> LiveDesk:
    desk = LiveDesk(store, SystemClock(), late=LateArrival(0.0), poll=3600)
    desk.prepare()
    desk.create_policy(POLICY)
    return desk


def _timed(n: int, fn: Callable[[int], None]) -> float:
    t0 = time.perf_counter()
    for i in range(n):
        fn(i)
    return n / (time.perf_counter() - t0)


def run_desk(store: Store, n: int) -> tuple[float, float, list[Any], list[Any]]:
    """Writes/s of creates and updates through the desk, and each write's rows."""
    user, _ = _admin(store)
    desk = _desk(store)
    for i in range(WARM_UP):  # the same warm-up as the server gets, not measured
        desk.update_ticket(
            user, desk.create_ticket(user, _create_body(i))[0]["id"], _update_body(i)
        )
    recorder = _Recorder(store)
    ids: list[int] = []
    creates = _timed(n, lambda i: ids.append(desk.create_ticket(user, _create_body(i))[0]["id"]))
    made = recorder.writes
    recorder.writes = []
    updates = _timed(n, lambda i: desk.update_ticket(user, ids[i], _update_body(i)))
    return creates, updates, made, recorder.writes


def run_bare(store: Store, creates: list[Any], updates: list[Any]) -> tuple[float, float]:
    """Writes/s replaying the recorded rows, one transaction per write."""

    def replay(write: list[tuple[str, Any]]) -> None:
        with store.db.transaction() as tx:
            for kind, rows in write:
                if kind == "events":
                    store.events.write(tx, rows)
                else:
                    store.live.put(tx, rows)

    return (
        _timed(len(creates), lambda i: replay(creates[i])),
        _timed(len(updates), lambda i: replay(updates[i])),
    )


def run_http(url: str, n: int, clients: int) -> tuple[float, float]:
    """Writes/s through a `serve` process, ``clients`` clients at once."""
    with open_store(url) as store:
        _, token = _admin(store)
        _desk(store)  # the account's groups, fields and the policy, as serve's prepare writes
    port = free_port()
    auth = base64.b64encode(f"bench@example.com/token:{token}".encode()).decode()
    headers = {"Authorization": f"Basic {auth}"}
    cmd = [python(), "-m", "zendesk_events", "serve", "--db", url, "--port", str(port)]
    cmd += ["--export-rate-limit", "0", "--late-share", "0", "--log-level", "warning"]
    with process(cmd, port):
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, headers=headers, timeout=120) as c:
            for i in range(WARM_UP):  # imports, code paths, the connection: not measured
                made = c.post("/api/v2/tickets.json", json={"ticket": _create_body(i)}).json()
                c.put(
                    f"/api/v2/tickets/{made['ticket']['id']}.json", json={"ticket": _update_body(i)}
                )
        ids: list[int] = [0] * n
        rates = []
        for phase in ("create", "update"):
            barrier = threading.Barrier(clients + 1)

            def work(k: int, phase: str = phase, barrier: threading.Barrier = barrier) -> None:
                with httpx.Client(base_url=base, headers=headers, timeout=120) as c:
                    barrier.wait()
                    for i in range(k, n, clients):
                        if phase == "create":
                            body = {"ticket": _create_body(i)}
                            r = c.post("/api/v2/tickets.json", json=body)
                            ids[i] = r.json()["ticket"]["id"]
                        else:
                            r = c.put(
                                f"/api/v2/tickets/{ids[i]}.json", json={"ticket": _update_body(i)}
                            )
                        assert r.status_code in (200, 201), r.text

            threads = [threading.Thread(target=work, args=(k,)) for k in range(clients)]
            for t in threads:
                t.start()
            barrier.wait()
            t0 = time.perf_counter()
            for t in threads:
                t.join()
            rates.append(n / (time.perf_counter() - t0))
    return rates[0], rates[1]


def _events_per_write(writes: list[Any]) -> float:
    """Mean audits + child events + metric events one write puts in the exports."""
    counts = []
    for write in writes:
        total = 0
        for kind, rows in write:
            if kind != "events":
                continue
            if rows.stream == "ticket_events":
                total += sum(1 + len(orjson.loads(r[7])["child_events"]) for r in rows.events)
            else:
                total += len(rows.events)
        counts.append(total)
    return statistics.mean(counts) if counts else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--writes", type=int, default=500, help="creates (and as many updates)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--backends", default="sqlite,pg", help="sqlite, pg or both")
    args, _ = parser.parse_known_args()  # run.sh passes every benchmark the same options
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    rows: list[list[object]] = []
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        for backend in backends:
            results: dict[str, list[tuple[float, float]]] = {}
            per_write: tuple[float, float] = (0.0, 0.0)
            for _ in range(args.repeat):
                with _store(backend, tmp) as (store, _url):
                    c, u, made, updated = run_desk(store, args.writes)
                results.setdefault("desk (model + store, no HTTP)", []).append((c, u))
                per_write = (_events_per_write(made), _events_per_write(updated))
                with _store(backend, tmp) as (store, _url):
                    results.setdefault("bare inserts (same rows)", []).append(
                        run_bare(store, made, updated)
                    )
                for clients in (1, 4):
                    with _store(backend, tmp) as (store, url):
                        store.close()
                        label = f"HTTP, {clients} client{'s' if clients > 1 else ''}"
                        results.setdefault(label, []).append(run_http(url, args.writes, clients))
            bare = results["bare inserts (same rows)"]
            base = (median([b[0] for b in bare]), median([b[1] for b in bare]))
            for op, k in (("create", 0), ("update", 1)):
                for label in (
                    "bare inserts (same rows)",
                    "desk (model + store, no HTTP)",
                    "HTTP, 1 client",
                    "HTTP, 4 clients",
                ):
                    rate = median([r[k] for r in results[label]])
                    rows.append([backend, op, label, rate, f"{rate / base[k]:.2f}", per_write[k]])
    head = f"{args.writes} creates then {args.writes} updates, median of {args.repeat}"
    print(f"\nTicket writes: {head}")
    print(table(["store", "write", "path", "writes/s", "x bare", "events/write"], rows))


if __name__ == "__main__":
    main()
