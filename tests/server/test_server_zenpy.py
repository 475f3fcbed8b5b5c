"""zenpy, an unmodified third-party Zendesk client, reads every event of a store from our server.

zenpy builds ``https://{subdomain}.zendesk.com``; its documented overrides ``ZENPY_FORCE_NETLOC``
and ``ZENPY_FORCE_SCHEME`` point it at the local server (no patching of either side).
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from serverkit import make_account, metric_event, put, ticket_event

from zendesk_events.config import ServerSettings
from zendesk_events.server import create_app
from zendesk_events.store import open_store


def test_zenpy_reads_every_ticket_event_and_metric_event(
    store_url: str, run_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zenpy import Zenpy

    # zenpy stops paging within 5 minutes of now (its own rule): keep the data older.
    base = int(time.time()) - 2 * 86400
    tickets = [ticket_event(i, base + i // 4) for i in range(1, 61)]
    metrics = [metric_event(i, base + i // 3) for i in range(1, 41)]
    with open_store(store_url) as store:
        acc = make_account(store)
        put(store, "ticket_events", tickets)
        put(store, "ticket_metric_events", metrics)
        app = create_app(ServerSettings(db="unused", page_limit=7, export_rate_limit=0), store)
        with run_server(app) as url:
            scheme, netloc = url.split("://")
            monkeypatch.setenv("ZENPY_FORCE_SCHEME", scheme)
            monkeypatch.setenv("ZENPY_FORCE_NETLOC", netloc)
            zd = Zenpy(subdomain="emulated", email="admin@example.com", token=acc.api_token)
            events = list(zd.tickets.events(start_time=base - 10, include=["comment_events"]))
            metric_events = list(zd.tickets.metrics_incremental(start_time=base - 10))

    # boundary duplicates are normal (zenpy does not drop them); every event is there
    assert {e.id for e in events} == {t["id"] for t in tickets}
    assert len(events) >= len(tickets)
    first = next(e for e in events if e.id == 1)
    assert first.ticket_id == tickets[0]["ticket_id"]
    assert first.child_events[0]["status"] == "open"
    assert {m.id for m in metric_events} == {m["id"] for m in metrics}
    assert {m.metric for m in metric_events} == {"reply_time"}


def test_zenpy_reads_an_emulated_history(
    sqlite_url: str, run_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zenpy import Zenpy

    from zendesk_events.emulator import seed_store

    now = int(time.time()) - 8 * 86400  # every breach written in advance is due by now
    with open_store(sqlite_url) as store:
        report = seed_store(store, tickets=40, days=5, seed=11, now=now, admin_password=None)
        acc = make_account(store)
        want_events = {int(r[0]) for r in store.db.query("SELECT id FROM ticket_events")}
        want_metrics = {int(r[0]) for r in store.db.query("SELECT id FROM ticket_metric_events")}
        comments = {int(r[0]) for r in store.db.query("SELECT id FROM ticket_comments")}
        app = create_app(ServerSettings(db="unused", page_limit=100, export_rate_limit=0), store)
        with run_server(app) as url:
            scheme, netloc = url.split("://")
            monkeypatch.setenv("ZENPY_FORCE_SCHEME", scheme)
            monkeypatch.setenv("ZENPY_FORCE_NETLOC", netloc)
            zd = Zenpy(subdomain="emulated", email="admin@example.com", token=acc.api_token)
            start = report.start - 1
            events = list(zd.tickets.events(start_time=start, include=["comment_events"]))
            metric_events = list(zd.tickets.metrics_incremental(start_time=start))

    assert want_events and want_metrics and comments
    assert {e.id for e in events} == want_events
    assert {m.id for m in metric_events} == want_metrics
    served_comments = {
        c["id"] for e in events for c in e.child_events if c.get("event_type") == "Comment"
    }
    assert served_comments == comments
    assert all("body" in c for e in events for c in e.child_events if c["id"] in comments)
