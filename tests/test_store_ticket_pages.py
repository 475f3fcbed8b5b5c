"""Pages of tickets changed since a start time (``incremental/tickets/cursor``) walk every
ticket exactly once, at its last audit, in (last audit second, ticket id) order, for any audits
and page size: same-second runs, several audits of one ticket in one second, audits in the
hold-back window. On SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zendesk_events.store import Store, open_store

BASE = 1_700_000_000

audits = st.lists(
    st.tuples(st.integers(0, 12), st.integers(1, 9)),  # (second offset, ticket)
    min_size=0,
    max_size=60,
)


def _event(audit_id: int, ts: int, ticket: int) -> dict[str, Any]:
    return {
        "id": audit_id,
        "ticket_id": ticket,
        "timestamp": ts,
        "created_at": "2023-11-14T22:13:20Z",
        "updater_id": 42,
        "via": "Web form",
        "event_type": "Audit",
        "child_events": [{"id": audit_id * 10, "event_type": "Change", "status": "open"}],
    }


def _fill(store: Store, rows: list[tuple[int, int]]) -> None:
    with store.db.transaction() as tx:
        tx.execute("DELETE FROM ticket_field_changes")
        tx.execute("DELETE FROM ticket_events")
        events = [_event(n + 1, BASE + offset, ticket) for n, (offset, ticket) in enumerate(rows)]
        store.events.upsert_ticket_events(tx, events)


def _expected(rows: list[tuple[int, int]], start: int, before: int) -> list[tuple[int, int]]:
    last: dict[int, int] = {}
    for offset, ticket in rows:
        if BASE + offset < before:
            last[ticket] = max(last.get(ticket, -1), BASE + offset)
    return sorted((ts, ticket) for ticket, ts in last.items() if ts >= start)


def _walk(store: Store, start: int, before: int, limit: int) -> list[tuple[int, int]]:
    seen: list[tuple[int, int]] = []
    after = None
    for _ in range(200):
        page = store.tickets.changed_page(start_time=start, after=after, before=before, limit=limit)
        assert len(page.tickets) <= limit
        seen += [(t["generated_timestamp"], t["id"]) for t in page.tickets]
        if not page.has_more:
            return seen
        assert page.last is not None
        after = page.last
    raise AssertionError("has_more still true after 200 pages")


@pytest.fixture
def store(store_url: str) -> Any:
    with open_store(store_url) as opened:
        yield opened


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rows=audits,
    limit=st.integers(1, 5),
    start=st.integers(0, 12),
    hold=st.integers(0, 13),
)
def test_every_ticket_once_at_its_last_audit(
    store: Store, rows: list[tuple[int, int]], limit: int, start: int, hold: int
) -> None:
    _fill(store, rows)
    before = BASE + 13 - hold  # audits at or after this second are in the hold-back window
    assert _walk(store, BASE + start, before, limit) == _expected(rows, BASE + start, before)
