"""Helpers of the emulator tests: seeding small stores, reading back what was stored, and
walking the export of a real server over them (on a FakeClock)."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from zendesk_events.config import ServerSettings
from zendesk_events.emulator import DEFAULT_LATE_ARRIVAL, LateArrival, seed_store
from zendesk_events.server import create_app
from zendesk_events.store import Store, open_store
from zendesk_events.timeutil import FakeClock

END = 1_760_000_040  # a fixed end so every run writes the same history
LAG = 60
"""The server's hold-back (Zendesk's minute)."""


def seeded(
    path: str,
    *,
    tickets: int,
    days: float = 30,
    seed: int = 1,
    late: LateArrival = DEFAULT_LATE_ARRIVAL,
) -> Store:
    """Open ``path`` and seed it (no admin: scrypt is slow and most tests do not log in)."""
    store = open_store(path)
    seed_store(store, tickets=tickets, days=days, seed=seed, now=END, admin_email=None, late=late)
    return store


def audits(store: Store, *, comments: bool = False) -> list[dict[str, Any]]:
    """Every ticket event as stored to be served, in export order."""
    column = "COALESCE(raw_comments, raw)" if comments else "raw"
    rows = store.db.query(f"SELECT {column} FROM ticket_events ORDER BY timestamp, id")
    return [orjson.loads(r[0]) for r in rows]


def metric_events(store: Store) -> list[dict[str, Any]]:
    """Every metric event as stored to be served, in export order."""
    rows = store.db.query("SELECT raw FROM ticket_metric_events ORDER BY timestamp, id")
    return [orjson.loads(r[0]) for r in rows]


@dataclass
class Export:
    """A real server over a store, on a clock the test moves; walks its metric event export."""

    url: str
    clock: FakeClock
    auth: dict[str, str]
    client: httpx.Client

    def walk(self, start_time: int) -> tuple[dict[int, dict[str, Any]], int]:
        """Follow ``next_page`` from ``start_time`` to the end of the stream, as a time-based
        client does: the items by id, and the last page's ``end_time`` (where it resumes)."""
        items: dict[int, dict[str, Any]] = {}
        url = f"{self.url}/api/v2/incremental/ticket_metric_events.json?start_time={start_time}"
        while True:
            r = self.client.get(url, headers=self.auth)
            assert r.status_code == 200, r.text
            page = r.json()
            items.update((i["id"], i) for i in page["ticket_metric_events"])
            if page["end_of_stream"]:
                return items, int(page["end_time"])
            url = page["next_page"]


@contextmanager
def exported(store: Store, run_server: Callable[[Any], Any], now: int) -> Iterator[Export]:
    """Serve ``store`` (no rate limit) on a FakeClock at ``now``; an admin's token to call it."""
    user = store.users.by_email("admin@example.com") or store.users.add(
        "admin@example.com", "admin"
    )
    token = store.users.new_api_token(user)
    raw = base64.b64encode(f"admin@example.com/token:{token}".encode()).decode()
    clock = FakeClock(now)
    settings = ServerSettings(db="unused", export_rate_limit=0, lag=LAG)
    with run_server(create_app(settings, store, clock)) as url, httpx.Client(timeout=60) as c:
        yield Export(url, clock, {"Authorization": f"Basic {raw}"}, c)
