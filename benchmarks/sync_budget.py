"""What a sync spends of Zendesk's export budget (bench_sync.py parts 4 and 5).

4. Back-fill of a fixed history under 10 requests per (scaled) window: requests made, events per
   request and time, next to the ideal of one full page per request.
5. The look-back in ``--follow``: export requests per hour at several metric-event rates, on a
   simulated clock, forward-only vs look-back vs trailing, and the late events each caught.
"""

from __future__ import annotations

import contextlib
import math
import random
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from zendesk_events.client import ZendeskClient
from zendesk_events.config import ServerSettings
from zendesk_events.server import create_app
from zendesk_events.store import open_store
from zendesk_events.sync import Lookback, ThreadFetcher, open_sink, run_sync
from zendesk_events.timeutil import FakeClock, epoch_to_iso, iso_to_epoch

EMAIL = "bench@example.com"
PAGE = 1000
LIMIT = 10
"""Zendesk's export limit: requests per window (a minute; scaled down here)."""
STREAMS = ("ticket_events", "ticket_metric_events")


def backfill(db: str, base: str, token: str, log: Path, window: int, events: int) -> list[Any]:
    """4. Sync the first ``events`` ticket events (and the metric events of that span) of
    ``db`` from a server limited to 10 requests per ``window`` s; rows per stream and a total.

    The server appends ``<epoch> <status> <path>`` per response to ``log``.
    """
    with open_store(db) as store:
        lo, _ = store.events.time_span("ticket_events") or (0, 0)
        (until,) = store.db.query(
            "SELECT timestamp FROM ticket_events ORDER BY timestamp, id LIMIT 1 OFFSET ?",
            (events,),
        )[0]
        counts = {
            s: int(
                store.db.query(
                    f"SELECT COUNT(*) FROM {s} WHERE timestamp >= ? AND timestamp < ?",
                    (lo, until),
                )[0][0]
            )
            for s in STREAMS
        }
    with tempfile.TemporaryDirectory() as tmp:
        log.write_text("")
        now = time.time()
        time.sleep(math.ceil(now / window) * window - now)  # start with a fresh window
        t0 = time.perf_counter()
        with (
            ZendeskClient(base_url=base, email=EMAIL, token=token) as client,
            open_sink(str(Path(tmp) / "backfill.db")) as sink,
        ):
            report = run_sync(
                client, sink, streams=list(STREAMS), since=lo, until=until, fetcher=ThreadFetcher()
            )
        seconds = time.perf_counter() - t0
    lines = [line.split() for line in log.read_text().splitlines()]
    rows: list[Any] = []
    total_made = total_ideal = 0
    for stream in STREAMS:
        made = sum(1 for _, status, path in lines if stream in path and status != "429")
        ideal = math.ceil(counts[stream] / PAGE)
        stored = report.streams[stream].events
        assert stored == counts[stream], (stream, stored, counts[stream])
        rows.append([stream, stored, made, f"{stored / made:,.1f}", ideal, f"{PAGE:,}", "", ""])
        total_made += made
        total_ideal += ideal
    limited = sum(1 for _, status, _ in lines if status == "429")
    ideal_seconds = (math.ceil(total_ideal / LIMIT) - 1) * window
    rows.append(
        [
            f"both (429s: {limited})",
            report.events_total,
            total_made,
            f"{report.events_total / total_made:,.1f}",
            total_ideal,
            f"{report.events_total / total_ideal:,.1f}",
            f"{seconds:.1f}",
            f"{ideal_seconds:.1f}",
        ]
    )
    return rows


BACKFILL_HEADERS = [
    "stream",
    "events",
    "requests",
    "events/request",
    "ideal requests",
    "ideal events/request",
    "seconds",
    "ideal seconds",
]


# ---- 5. the look-back's cost in --follow -----------------------------------------------------


class _Counting:
    """An ASGI app in front of ours that counts the export requests it answers."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.count = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/api/v2/incremental/"):
            self.count += 1
        await self.app(scope, receive, send)


@contextlib.contextmanager
def _serve(app: Any) -> Iterator[str]:
    """``app`` under uvicorn in a thread on an ephemeral port (requests are only counted)."""
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def _metric(event_id: int, ts: int) -> dict[str, Any]:
    """A metric event of the recorded shape (spec §5)."""
    return {
        "id": event_id,
        "ticket_id": 1 + event_id % 997,
        "metric": "reply_time",
        "instance_id": 1,
        "type": "activate",
        "time": epoch_to_iso(ts),
        "deleted": False,
    }


class _Simulation:
    """One hour of ``--follow`` polls against one store, on a clock only it moves."""

    START = 1_700_000_000

    def __init__(self, tmp: str, rate: float, late_share: float, late_by: int) -> None:
        self.store = open_store(f"{tmp}/src.db")
        self.token = self.store.users.new_api_token(self.store.users.add(EMAIL, "admin"))
        self.clock = FakeClock(self.START)
        settings = ServerSettings(db="unused", export_rate_limit=0)
        self.app = _Counting(create_app(settings, self.store, self.clock))
        self.rate = rate
        self.late_share = late_share
        self.late_by = late_by
        self.rng = random.Random(7)
        self.late: list[tuple[int, int]] = []
        self.next_id = 1

    def add(self, begin: int, seconds: int) -> None:
        """``rate`` events a second over ``seconds`` from ``begin``; some written late."""
        plain: list[dict[str, Any]] = []
        late: list[dict[str, Any]] = []
        for _ in range(round(self.rate * seconds)):
            ts = begin + self.rng.randrange(seconds)
            item = _metric(self.next_id, ts)
            if self.rng.random() < self.late_share:
                late.append(item)
                self.late.append((self.next_id, ts))
            else:
                plain.append(item)
            self.next_id += 1
        with self.store.db.transaction() as tx:
            self.store.events.upsert(tx, "ticket_metric_events", plain)
            for item in late:
                visible = iso_to_epoch(item["time"]) + self.late_by
                self.store.events.upsert(tx, "ticket_metric_events", [item], visible_at=visible)

    def run(self, mode: Lookback, poll: int, target: str) -> tuple[int, float, set[int]]:
        """An hour of history, a first sync, then an hour of polls: (requests during the polls,
        how far the cursor ends behind now, ids stored)."""
        self.add(self.START - 3600, 3600)
        with (
            _serve(self.app) as url,
            ZendeskClient(base_url=url, email=EMAIL, token=self.token, clock=self.clock) as client,
            open_sink(target) as sink,
        ):
            for n in range(-1, 3600 // poll):
                if n == 0:
                    self.app.count = 0  # from the first poll on
                if n >= 0:
                    self.add(int(self.clock.now()), poll)
                    self.clock.advance(poll)
                run_sync(
                    client,
                    sink,
                    streams=["ticket_metric_events"],
                    since=self.START - 3600,
                    lookback=mode,
                    clock=self.clock,
                    fetcher=ThreadFetcher(),
                )
            state = sink.cursor("ticket_metric_events")
        assert state is not None
        with open_store(target) as synced:
            ids = {int(r[0]) for r in synced.db.query("SELECT id FROM ticket_metric_events")}
        return self.app.count, self.clock.now() - state.checkpoint.start_time, ids

    def close(self) -> None:
        self.store.close()


def follow_cost(
    rates: list[float],
    *,
    lookback: int = 1800,
    poll: int = 60,
    late_share: float = 0.02,
    late_by: int = 720,
) -> list[Any]:
    """5. An hour of ``--follow`` polls per rate and mode; export requests counted.

    A store gets ``rate`` metric events per second, ``late_share`` of them written
    ``late_by`` s late with their original time (12 minutes, as recorded live). Time is a
    FakeClock shared by server and sync; one poll is one ``run_sync`` pass (what a poll of
    ``--follow`` does). An hour of history comes first, so the look-back window is full from
    the first measured poll.
    """
    modes = {
        "forward-only (--lookback 0)": Lookback({"ticket_metric_events": 0}),
        f"look-back {lookback // 60}m (default)": Lookback({"ticket_metric_events": lookback}),
        f"trail {lookback // 60}m (--trail)": Lookback(
            {"ticket_metric_events": lookback}, trail=True
        ),
    }
    rows: list[Any] = []
    for rate in rates:
        base: int | None = None
        for label, mode in modes.items():
            with tempfile.TemporaryDirectory() as tmp:
                sim = _Simulation(tmp, rate, late_share, late_by)
                try:
                    requests, behind, have = sim.run(mode, poll, f"{tmp}/t.db")
                finally:
                    sim.close()
            end = sim.clock.now()
            # late events of the measured hour that any of the three could hold by now
            # (trailing reads them last)
            due = [i for i, ts in sim.late if sim.START <= ts < end - lookback - 2 * poll]
            caught = sum(1 for i in due if i in have)
            base = requests if base is None else base
            rows.append(
                [
                    f"{rate:g}/s ({round(rate * 3600):,}/h)",
                    label,
                    requests,
                    requests - base,
                    f"{100 * requests / 600:.0f}%",
                    f"{caught} of {len(due)}",
                    f"{behind / 60:.0f} min",
                ]
            )
    return rows


FOLLOW_HEADERS = [
    "metric events",
    "mode",
    "requests/hour",
    "extra vs forward-only",
    "of the 600/h budget",
    "late events caught",
    "cursor behind now",
]
