"""Cursor pages, time-based pages and the store agree, for any events and page sizes (spec §2b).

For random metric events (same-second runs longer than the page included), a random
``page[size]`` and start: following ``links.next`` until ``meta.has_more`` is false yields every
stored item at or after start exactly once, in (time, id) order, never repeating one; walking
back with ``links.prev`` yields the same items; a time-based walk with boundary dedup by id holds
the same set; and so does the store. On a real server, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from serverkit import NOW, make_account, metric_event, ticket_event

from zendesk_events.config import ServerSettings
from zendesk_events.server import create_app
from zendesk_events.store import Store, open_store
from zendesk_events.timeutil import FakeClock

BASE_TS = NOW - 86400
TME = "/api/v2/incremental/ticket_metric_events.json"
TE = "/api/v2/incremental/ticket_events.json"


def _fill(store: Store, stream: str, events: list[tuple[int, int]]) -> None:
    make = ticket_event if stream == "ticket_events" else metric_event
    with store.db.transaction() as tx:
        tx.execute(f"DELETE FROM {stream}")
        store.events.upsert(tx, stream, [make(i, ts) for ts, i in events])  # type: ignore[arg-type]


def _cursor_walk(
    http: httpx.Client, url: str, headers: dict[str, str], direction: str, max_pages: int
) -> Iterator[dict[str, Any]]:
    """Each page, following ``links.<direction>`` until ``has_more`` is false."""
    for _ in range(max_pages):
        r = http.get(url, headers=headers)
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        assert set(body) == {"ticket_metric_events", "meta", "links"}
        yield body
        if not body["meta"]["has_more"]:
            return
        url = body["links"][direction]
    raise AssertionError(f"has_more still true after {max_pages} pages")


def _ids(page: dict[str, Any]) -> list[int]:
    return [e["id"] for e in page["ticket_metric_events"]]


def _time_walk(
    http: httpx.Client, url: str, key: str, headers: dict[str, str], max_pages: int
) -> list[int]:
    """Ids first seen following ``next_page`` until ``end_of_stream`` (boundary dedup)."""
    seen: list[int] = []
    for _ in range(max_pages):
        body = http.get(url, headers=headers).json()
        seen.extend(e["id"] for e in body[key] if e["id"] not in seen)
        if body["end_of_stream"]:
            return seen
        url = body["next_page"]
    raise AssertionError(f"no end_of_stream after {max_pages} pages")


events_strategy = st.lists(
    st.tuples(st.integers(0, 6), st.integers(1, 10**12)), unique_by=lambda e: e[1], max_size=60
)


def test_cursor_walks_time_walks_and_the_store_hold_the_same_items(
    store_url: str, run_server: Any
) -> None:
    clock = FakeClock(NOW)
    with open_store(store_url) as store, httpx.Client() as http:
        acc = make_account(store)
        app = create_app(
            ServerSettings(db="unused", page_limit=5, export_rate_limit=0), store, clock
        )
        with run_server(app) as base:

            @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
            @given(
                offsets=events_strategy,
                start=st.integers(-2, 8),
                size=st.one_of(st.integers(1, 7), st.just(1000)),
            )
            def check(offsets: list[tuple[int, int]], start: int, size: int) -> None:
                events = [(BASE_TS + off, i) for off, i in offsets]
                _fill(store, "ticket_metric_events", events)
                start_time = BASE_TS + start
                want = [i for ts, i in sorted(events) if ts >= start_time]
                pages = len(events) + 3

                url = f"{base}{TME}?start_time={start_time}&page[size]={size}"
                forward = list(_cursor_walk(http, url, acc.admin, "next", pages))
                assert [i for page in forward for i in _ids(page)] == want  # no repeat, no skip
                assert all(len(_ids(p)) <= size for p in forward)
                if want:  # and back again from the last page, following links.prev
                    back = list(
                        _cursor_walk(http, forward[-1]["links"]["prev"], acc.admin, "prev", pages)
                    )
                    before_last = [i for p in reversed(back) for i in _ids(p)]
                    assert before_last + _ids(forward[-1]) == want

                time_ids = _time_walk(
                    http,
                    f"{base}{TME}?start_time={start_time}",
                    "ticket_metric_events",
                    acc.admin,
                    pages,
                )
                assert time_ids == want
                stored = store.db.query(
                    "SELECT id FROM ticket_metric_events WHERE timestamp >= ? "
                    "ORDER BY timestamp, id",
                    (start_time,),
                )
                assert [int(r[0]) for r in stored] == want

            check()


def test_per_page_time_walks_of_ticket_events_hold_every_event_once(
    store_url: str, run_server: Any
) -> None:
    clock = FakeClock(NOW)
    with open_store(store_url) as store, httpx.Client() as http:
        acc = make_account(store)
        app = create_app(ServerSettings(db="unused", export_rate_limit=0), store, clock)
        with run_server(app) as base:

            @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
            @given(offsets=events_strategy, start=st.integers(-2, 8), per_page=st.integers(1, 7))
            def check(offsets: list[tuple[int, int]], start: int, per_page: int) -> None:
                events = [(BASE_TS + off, i) for off, i in offsets]
                _fill(store, "ticket_events", events)
                start_time = BASE_TS + start
                url = f"{base}{TE}?start_time={start_time}&per_page={per_page}"
                got = _time_walk(http, url, "ticket_events", acc.admin, len(events) + 3)
                assert got == [i for ts, i in sorted(events) if ts >= start_time]
                first = http.get(url, headers=acc.admin).json()
                assert f"per_page={per_page}" in first["next_page"]
                # at most per_page items, or more only to finish the per_page-th item's second
                seconds = [e["timestamp"] for e in first["ticket_events"]]
                assert all(ts == seconds[per_page - 1] for ts in seconds[per_page:])

            check()
