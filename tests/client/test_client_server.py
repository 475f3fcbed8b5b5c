"""The client against the real server (uvicorn on a socket) over a real SQLite/PostgreSQL store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from clientkit import metric_event, ticket_event

from zendesk_events.client import Wait, ZendeskClient
from zendesk_events.config import ServerSettings
from zendesk_events.errors import AuthenticationError, NotFoundError, PermissionDeniedError
from zendesk_events.server.app import create_app
from zendesk_events.store import Store, open_store
from zendesk_events.timeutil import FakeClock

T0 = 1_600_000_000
NOW = 1_700_000_000
ADMIN = "admin@example.com"
PASSWORD = "correct horse battery staple"


def fill(store: Store) -> tuple[list[int], list[int]]:
    """Fabricated history: a same-second run of 1500, then a spread; ids out of time order."""
    tickets = [ticket_event(n, T0 + 5) for n in range(10_000, 11_500)]
    tickets += [ticket_event(n, T0 + (n * 7919) % 3000) for n in range(1, 900)]
    tickets += [ticket_event(n, T0 + 6) for n in range(20_000, 20_003)]
    metrics = [metric_event(n, T0 + n // 4) for n in range(1, 1200)]
    with store.db.transaction() as tx:
        store.events.upsert(tx, "ticket_events", tickets)
        store.events.upsert(tx, "ticket_metric_events", metrics)
    order = sorted(tickets, key=lambda e: (e["timestamp"], e["id"]))
    return [e["id"] for e in order], [m["id"] for m in metrics]


@contextmanager
def serving(
    run_server: Callable[[Any], Any], url: str, clock: FakeClock | None = None, **settings: Any
) -> Iterator[tuple[str, Store]]:
    with open_store(url) as store:
        settings.setdefault("export_rate_limit", 0)
        app = create_app(ServerSettings(db=url, lag=60, **settings), store=store, clock=clock)
        with run_server(app) as base:
            yield base, store


def test_every_event_once_in_order(store_url: str, run_server: Callable[[Any], Any]) -> None:
    with serving(run_server, store_url) as (base, store):
        ticket_ids, metric_ids = fill(store)
        token = store.users.new_api_token(store.users.add(ADMIN, "admin"))
        with ZendeskClient(base_url=base, email=ADMIN, token=token) as client:
            results = list(client.pages("ticket_events", 0))
            got = [i["id"] for r in results for i in r.items]
            metrics = [e.id for e in client.ticket_metric_events(0)]
            typed = list(client.ticket_events(T0 + 5))
    assert got == ticket_ids
    assert len(set(got)) == len(got)
    assert results[-1].page.end_of_stream
    assert max(r.page.count for r in results) >= 1500  # the run came in one extended page
    assert metrics == metric_ids
    # a start inside the history: the typed view yields the same ids from that second on
    assert [e.id for e in typed] == ticket_ids[ticket_ids.index(10_000) :]
    assert {e.timestamp for e in typed[:1500]} == {T0 + 5}
    assert typed[0].child_events[0].event_type == "Change"


def test_small_pages_and_resume(sqlite_url: str, run_server: Callable[[Any], Any]) -> None:
    with serving(run_server, sqlite_url, page_limit=37) as (base, store):
        ticket_ids, _ = fill(store)
        token = store.users.new_api_token(store.users.add(ADMIN, "admin"))
        with ZendeskClient(base_url=base, email=ADMIN, token=token) as client:
            results = list(client.pages("ticket_events", T0))
            middle = results[len(results) // 2]
            taken = [i["id"] for r in results[: len(results) // 2 + 1] for i in r.items]
            rest = [
                i["id"] for r in client.pages("ticket_events", middle.checkpoint) for i in r.items
            ]
    assert [i["id"] for r in results for i in r.items] == ticket_ids
    assert taken + rest == ticket_ids


def test_paced_against_the_servers_own_limit(
    sqlite_url: str, run_server: Callable[[Any], Any]
) -> None:
    clock = FakeClock(NOW)
    waits: list[Wait] = []
    with serving(run_server, sqlite_url, clock, page_limit=100, export_rate_limit=10) as (
        base,
        store,
    ):
        ticket_ids, _ = fill(store)
        token = store.users.new_api_token(store.users.add(ADMIN, "admin"))
        client = ZendeskClient(
            base_url=base, email=ADMIN, token=token, clock=clock, on_wait=waits.append
        )
        with client:
            got = [i["id"] for r in client.pages("ticket_events", 0) for i in r.items]
    assert got == ticket_ids
    assert waits
    assert {w.reason for w in waits} == {"pacing"}  # never a 429


@pytest.mark.parametrize("how", ["password", "oauth"])
def test_other_credentials_work(
    how: str, sqlite_url: str, run_server: Callable[[Any], Any]
) -> None:
    with serving(run_server, sqlite_url) as (base, store):
        admin = store.users.add(ADMIN, "admin", password=PASSWORD)
        with store.db.transaction() as tx:
            store.events.upsert(tx, "ticket_events", [ticket_event(1, T0)])
        creds = (
            {"email": ADMIN, "password": PASSWORD}
            if how == "password"
            else {"oauth_token": store.users.new_oauth_token(admin)}
        )
        with ZendeskClient(base_url=base, **creds) as client:
            assert [e.id for e in client.ticket_events(0)] == [1]


def test_wrong_token_is_401(sqlite_url: str, run_server: Callable[[Any], Any]) -> None:
    with serving(run_server, sqlite_url) as (base, store):
        store.users.new_api_token(store.users.add(ADMIN, "admin"))
        client = ZendeskClient(base_url=base, email=ADMIN, token="wrong-token-xyz")
        with client, pytest.raises(AuthenticationError) as info:
            client.fetch_page("ticket_events", 0)
    assert "Zendesk refused the credentials (401)" in str(info.value)
    assert "wrong-token-xyz" not in str(info.value)


def test_agent_is_403(sqlite_url: str, run_server: Callable[[Any], Any]) -> None:
    with serving(run_server, sqlite_url) as (base, store):
        token = store.users.new_api_token(store.users.add("agent@example.com", "agent"))
        client = ZendeskClient(base_url=base, email="agent@example.com", token=token)
        with client, pytest.raises(PermissionDeniedError, match="not an admin"):
            client.fetch_page("ticket_events", 0)


def test_wrong_path_is_404(sqlite_url: str, run_server: Callable[[Any], Any]) -> None:
    with serving(run_server, sqlite_url) as (base, store):
        token = store.users.new_api_token(store.users.add(ADMIN, "admin"))
        client = ZendeskClient(base_url=base + "/nope", email=ADMIN, token=token)
        with client, pytest.raises(NotFoundError, match="Zendesk-compatible"):
            client.fetch_page("ticket_events", 0)


def test_too_recent_is_caught_up(sqlite_url: str, run_server: Callable[[Any], Any]) -> None:
    clock = FakeClock(NOW)
    with serving(run_server, sqlite_url, clock) as (base, store):
        token = store.users.new_api_token(store.users.add(ADMIN, "admin"))
        with ZendeskClient(base_url=base, email=ADMIN, token=token) as client:
            page = client.fetch_page("ticket_events", NOW - 5)
    assert page.end_of_stream
    assert page.items == []
    assert page.next_start_time == NOW - 5
