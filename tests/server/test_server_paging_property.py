"""Following next_page over HTTP with boundary dedup yields every event once, in order, and ends.

For any events (including same-second runs longer than a page) and any start_time: the ids
first seen, page after page, are exactly the events at or after start_time in (time, id) order.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
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
PATHS = {
    "ticket_events": "/api/v2/incremental/ticket_events",
    "ticket_metric_events": "/api/v2/incremental/ticket_metric_events",
}


def _fill(store: Store, stream: str, events: list[tuple[int, int]]) -> None:
    make = ticket_event if stream == "ticket_events" else metric_event
    with store.db.transaction() as tx:
        tx.execute(f"DELETE FROM {stream}")
        store.events.upsert(tx, stream, [make(i, ts) for ts, i in events])  # type: ignore[arg-type]


def _follow(
    http: httpx.Client, url: str, stream: str, headers: dict[str, str], max_pages: int
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (page number, item) for every item of every page until end_of_stream."""
    for number in range(max_pages):
        r = http.get(url, headers=headers)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["count"] == len(body[stream])
        for item in body[stream]:
            yield number, item
        if body["end_of_stream"]:
            return
        url = body["next_page"]
    raise AssertionError(f"no end_of_stream after {max_pages} pages")


def _first_seen(items: Iterator[tuple[int, dict[str, Any]]]) -> list[int]:
    seen: set[int] = set()
    order = []
    for _, item in items:
        if item["id"] not in seen:
            seen.add(item["id"])
            order.append(item["id"])
    return order


events_strategy = st.lists(
    st.tuples(st.integers(0, 6), st.integers(1, 10**9)), unique_by=lambda e: e[1], max_size=70
)


def test_following_next_page_yields_every_event_once_in_order(
    sqlite_url: str, run_server: Any
) -> None:
    clock = FakeClock(NOW)
    with open_store(sqlite_url) as store, ExitStack() as stack, httpx.Client() as http:
        acc = make_account(store)
        urls = {
            limit: stack.enter_context(
                run_server(
                    create_app(
                        ServerSettings(db="unused", page_limit=limit, export_rate_limit=0),
                        store,
                        clock,
                    )
                )
            )
            for limit in (1, 5, 13)
        }

        @settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(
            offsets=events_strategy,
            start=st.integers(-2, 8),
            limit=st.sampled_from(sorted(urls)),
            stream=st.sampled_from(sorted(PATHS)),
        )
        def check(offsets: list[tuple[int, int]], start: int, limit: int, stream: str) -> None:
            events = [(BASE_TS + off, i) for off, i in offsets]
            _fill(store, stream, events)
            start_time = BASE_TS + start
            url = f"{urls[limit]}{PATHS[stream]}?start_time={start_time}"
            got = _first_seen(_follow(http, url, stream, acc.admin, max_pages=len(events) + 3))
            want = [i for ts, i in sorted(events) if ts >= start_time]
            assert got == want

        check()


def test_more_than_a_thousand_events_in_one_second_at_the_real_limit(
    sqlite_url: str, serve: Any
) -> None:
    second = NOW - 7200
    events = (
        [(second - 5 + k % 5, k) for k in range(1, 11)]
        + [(second, 1000 + k) for k in range(2500)]
        + [(second + 1 + k % 3, 900_000 + k) for k in range(10)]
    )
    with open_store(sqlite_url) as store:
        acc = make_account(store)
        _fill(store, "ticket_events", events)
        with serve(store, export_rate_limit=0) as s, httpx.Client() as http:
            pages: dict[int, int] = {}
            items = list(
                _follow(
                    http,
                    f"{s.url}{PATHS['ticket_events']}.json?start_time=0",
                    "ticket_events",
                    acc.admin,
                    max_pages=10,
                )
            )
            for number, _ in items:
                pages[number] = pages.get(number, 0) + 1
            assert _first_seen(iter(items)) == [i for _, i in sorted(events)]
            # the first page is extended over the whole crowded second, not split
            assert pages[0] == 2510
            assert len(items) == len(events)
