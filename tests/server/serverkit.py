"""Helpers for the server tests: a store with users, fabricated events, a server on a FakeClock.

A module of its own (not conftest) so test files import it by a name no other folder uses.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from serving import serve_in_thread
from zendesk_events.config import ServerSettings
from zendesk_events.server import create_app
from zendesk_events.server.runner import bind, uvicorn_config
from zendesk_events.store import Store, open_store
from zendesk_events.timeutil import FakeClock, epoch_to_iso

NOW = 1_700_000_000
PASSWORD = "correct horse battery staple"


def basic(user: str, secret: str) -> dict[str, str]:
    raw = base64.b64encode(f"{user}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def ticket_event(event_id: int, ts: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": event_id,
        "ticket_id": 1000 + event_id % 7,
        "timestamp": ts,
        "created_at": epoch_to_iso(ts),
        "updater_id": 42,
        "via": "Web form",
        "event_type": "Audit",
        "child_events": [
            {
                "id": event_id * 10 + 1,
                "via": "Web form",
                "event_type": "Change",
                "status": "open",
                "previous_value": "new",
            }
        ],
        **extra,
    }


def metric_event(event_id: int, ts: int) -> dict[str, Any]:
    return {
        "id": event_id,
        "ticket_id": 1000 + event_id % 7,
        "metric": "reply_time",
        "instance_id": 1,
        "type": "measure",
        "time": epoch_to_iso(ts),
    }


def put(store: Store, stream: str, items: list[dict[str, Any]]) -> None:
    with store.db.transaction() as tx:
        store.events.upsert(tx, stream, items)  # type: ignore[arg-type]


@dataclass
class Account:
    """A store with one user of each role and credentials for each form."""

    store: Store
    admin: dict[str, str]
    """Basic header with the admin's API token."""
    api_token: str
    oauth_token: str
    agent: dict[str, str]
    end_user: dict[str, str]


def make_account(store: Store) -> Account:
    admin = store.users.add("admin@example.com", "admin", password=PASSWORD)
    agent = store.users.add("agent@example.com", "agent", password=PASSWORD)
    end_user = store.users.add("user@example.com", "end-user", password=PASSWORD)
    token = store.users.new_api_token(admin)
    return Account(
        store=store,
        admin=basic("admin@example.com/token", token),
        api_token=token,
        oauth_token=store.users.new_oauth_token(admin),
        agent=basic("agent@example.com/token", store.users.new_api_token(agent)),
        end_user=basic("user@example.com/token", store.users.new_api_token(end_user)),
    )


@pytest.fixture
def account(sqlite_url: str) -> Iterator[Account]:
    with open_store(sqlite_url) as store:
        yield make_account(store)


@dataclass
class Served:
    url: str
    clock: FakeClock
    client: httpx.Client

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.get(self.url + path, **kwargs)


@contextmanager
def serve_like_serve(app: Any, settings: ServerSettings) -> Iterator[str]:
    """``app`` on an ephemeral port as `zendesk-events serve` runs it (its socket, its uvicorn
    configuration, its HTTP protocol with read deadlines), in a thread; yields the base URL."""
    config = uvicorn_config(settings, app, log_level="warning")
    with serve_in_thread(app, config=config, sock=bind("127.0.0.1", 0)) as url:
        yield url


@pytest.fixture
def serve() -> Callable[..., Any]:
    """``with serve(store, **settings) as s: s.get(...)`` — a real server on a FakeClock."""

    @contextmanager
    def start(
        store: Store, clock: FakeClock | None = None, desk: Any = None, **settings: Any
    ) -> Iterator[Served]:
        the_clock = clock or FakeClock(NOW)
        server_settings = ServerSettings(db="unused", **settings)
        app = create_app(server_settings, store, the_clock, desk)
        with serve_like_serve(app, server_settings) as url, httpx.Client(timeout=30) as client:
            yield Served(url, the_clock, client)

    return start
