"""Helpers of the live tests: a real server over a store with the emulated account (its desk),
on a fake clock the test moves through ``/_emulator/clock``, and users of each role.

A module of its own (not conftest) so test files import it by a name no other folder uses.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from zendesk_events.config import ServerSettings
from zendesk_events.emulator import LateArrival, LiveDesk
from zendesk_events.server import create_app
from zendesk_events.store import Store
from zendesk_events.timeutil import FakeClock

MONDAY_10AM = 1_759_744_800
"""2025-10-06T10:00:00Z, a Monday inside business hours."""
LAG = 60
NO_LATE = LateArrival(share=0.0)


def token_header(store: Store, email: str, role: str) -> dict[str, str]:
    """A user of ``role`` and a Basic header with an API token of theirs (no scrypt: fast)."""
    user = store.users.add(email, role)  # type: ignore[arg-type]
    token = store.users.new_api_token(user)
    raw = base64.b64encode(f"{email}/token:{token}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


@dataclass
class Live:
    """A running server with the emulated account."""

    url: str
    clock: FakeClock
    store: Store
    desk: LiveDesk
    client: httpx.Client
    admin: dict[str, str]
    agent: dict[str, str]
    end_user: dict[str, str]
    ids: dict[str, int] = field(default_factory=dict)

    def call(
        self, method: str, path: str, body: Any = None, *, who: dict[str, str] | None = None
    ) -> httpx.Response:
        return self.client.request(
            method, self.url + path, json=body, headers=who if who is not None else self.admin
        )

    def advance(self, seconds: float) -> None:
        """Move the clock (and run what that made due), as a client of the control does."""
        r = self.client.post(f"{self.url}/_emulator/clock?advance={seconds}", headers=self.admin)
        assert r.status_code == 200, r.text

    def set_clock(self, epoch: float) -> None:
        r = self.client.post(f"{self.url}/_emulator/clock?set={epoch}", headers=self.admin)
        assert r.status_code == 200, r.text

    def export(self, stream: str, start: int) -> list[dict[str, Any]]:
        """Every item of a time-based export from ``start``, boundary duplicates dropped,
        in the order served (as a client walks ``next_page``)."""
        url = f"{self.url}/api/v2/incremental/{stream}.json?start_time={start}"
        seen: dict[int, dict[str, Any]] = {}
        while True:
            r = self.client.get(url, headers=self.admin)
            assert r.status_code == 200, r.text
            page = r.json()
            for item in page[stream]:
                seen.setdefault(item["id"], item)
            if page["end_of_stream"]:
                return list(seen.values())
            url = page["next_page"]


@contextmanager
def live(
    store: Store,
    run_server: Callable[[Any], Any],
    *,
    now: int = MONDAY_10AM,
    late: LateArrival = NO_LATE,
    seed: int = 1,
    traffic: float = 0.0,
    lag: int = LAG,
) -> Iterator[Live]:
    """Serve ``store`` with the emulated account on a FakeClock at ``now`` (no rate limit)."""
    admin = token_header(store, "admin@example.com", "admin")
    agent = token_header(store, "agent@example.com", "agent")
    end_user = token_header(store, "user@example.com", "end-user")
    clock = FakeClock(now)
    desk = LiveDesk(store, clock, late=late, seed=seed, traffic=traffic, poll=3600)
    desk.prepare()
    settings = ServerSettings(db="unused", export_rate_limit=0, lag=lag)
    app = create_app(settings, store, clock, desk)
    with run_server(app) as url, httpx.Client(timeout=60) as client:
        ids = {
            e: int(store.db.query("SELECT id FROM users WHERE email = ?", (e,))[0][0])
            for e in ("admin@example.com", "agent@example.com", "user@example.com")
        }
        yield Live(url, clock, store, desk, client, admin, agent, end_user, ids)
