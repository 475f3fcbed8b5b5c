"""429 Retry-After and pacing from the rate-limit headers."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from email.utils import format_datetime

import httpx
import pytest
from clientkit import FakeZendesk, Script, json_response, make_client, ok_page, ticket_event

from zendesk_events.client import Wait
from zendesk_events.client.ratelimit import (
    MAX_RETRY_AFTER,
    parse_rate_limit,
    retry_after_seconds,
)
from zendesk_events.errors import RateLimitedError
from zendesk_events.timeutil import FakeClock


def _429(retry_after: str | None) -> httpx.Response:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return json_response(429, {"error": "APIRateLimitExceeded"}, headers)


def test_429_waits_exactly_retry_after_and_retries() -> None:
    clock = FakeClock()
    waits: list[Wait] = []
    script = Script(_429("7"), _429("13"), ok_page())
    with make_client(script, clock=clock, max_retries=0, on_wait=waits.append) as client:
        page = client.fetch_page("ticket_events", 1000)
    assert page.count == 1
    assert clock.slept == [7.0, 13.0]  # and max_retries=0: 429s don't use the error budget
    assert [w.reason for w in waits] == ["rate_limited", "rate_limited"]
    assert "Retry-After 7s" in waits[0].detail


def test_429_wait_is_exactly_retry_after_even_with_limit_headers() -> None:
    clock = FakeClock()
    headers = {
        "Retry-After": "7",
        "Zendesk-RateLimit-incremental-exports": "total=10; remaining=0; resets=42",
    }
    script = Script(json_response(429, {"error": "APIRateLimitExceeded"}, headers), ok_page())
    with make_client(script, clock=clock) as client:
        client.fetch_page("ticket_events", 1000)
    assert clock.slept == [7.0]


def test_retry_after_http_date() -> None:
    clock = FakeClock(1_700_000_000.0)
    when = datetime.fromtimestamp(1_700_000_042, tz=UTC)
    script = Script(_429(format_datetime(when, usegmt=True)), ok_page())
    with make_client(script, clock=clock) as client:
        client.fetch_page("ticket_events", 1000)
    assert clock.slept == [42.0]


def test_retry_after_parsing_and_clamp() -> None:
    h = httpx.Headers
    assert retry_after_seconds(h({"Retry-After": "3"}), 0) == 3.0
    assert retry_after_seconds(h({"Retry-After": "-5"}), 0) == 0.0
    assert retry_after_seconds(h({"Retry-After": "99999"}), 0) == MAX_RETRY_AFTER
    assert retry_after_seconds(h({"Retry-After": "soon"}), 0) is None
    assert retry_after_seconds(h({}), 0) is None


def test_429_without_retry_after_waits_a_minute() -> None:
    clock = FakeClock()
    script = Script(_429(None), ok_page())
    with make_client(script, clock=clock) as client:
        client.fetch_page("ticket_events", 1000)
    assert clock.slept == [60.0]


def test_endless_429s_give_up() -> None:
    clock = FakeClock()
    script = Script(*[_429("1")] * 4)
    client = make_client(script, clock=clock, max_rate_limited=3)
    with client, pytest.raises(RateLimitedError, match="after 4 attempts") as info:
        client.fetch_page("ticket_events", 1000)
    assert info.value.retry_after == 1.0
    assert info.value.status == 429
    assert len(script.requests) == 4


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (
            {
                "Zendesk-RateLimit-incremental-exports": "total=10; remaining=9; resets=42",
                "ratelimit-remaining": "500",
                "ratelimit-reset": "5",
            },
            (9, 42.0),
        ),
        ({"ratelimit-remaining": "0", "ratelimit-reset": "17"}, (0, 17.0)),
        ({"X-Rate-Limit-Remaining": "3", "X-Rate-Limit": "700"}, (3, None)),
    ],
)
def test_limit_header_families(headers: dict[str, str], expected: tuple[int, float | None]) -> None:
    limit = parse_rate_limit(httpx.Headers(headers))
    assert limit is not None
    assert (limit.remaining, limit.reset) == expected


def test_no_limit_headers() -> None:
    assert parse_rate_limit(httpx.Headers({"Content-Type": "application/json"})) is None


def test_remaining_zero_paces_until_reset() -> None:
    clock = FakeClock()
    spent = {"Zendesk-RateLimit-incremental-exports": "total=10; remaining=0; resets=42"}
    first = json_response(200, ok_page().json(), spent)
    script = Script(first, ok_page())
    waits: list[Wait] = []
    with make_client(script, clock=clock, on_wait=waits.append) as client:
        client.fetch_page("ticket_events", 1000)
        clock.advance(2)  # time spent elsewhere counts towards the reset
        client.fetch_page("ticket_events", 1000)
    assert clock.slept == [40.0]
    assert waits[0].reason == "pacing"
    assert waits[0].seconds == 40.0


def test_long_run_at_the_limit_sees_no_429() -> None:
    clock = FakeClock(1_700_000_000.0)
    # 200 pages of 10 items, against a server allowing 10 requests a minute on the fake clock.
    zendesk = FakeZendesk(page_limit=10, clock=clock, rate_limit=10, window=60)
    zendesk.add(ticket_event(n, 1_600_000_000 + n) for n in range(1, 2001))
    waits: list[Wait] = []
    with make_client(zendesk, clock=clock, on_wait=waits.append) as client:
        ids = [e.id for e in client.ticket_events(1_600_000_000)]
    assert ids == list(range(1, 2001))
    assert zendesk.too_many == 0
    requests = len(zendesk.requests)
    assert requests > 200
    assert {w.reason for w in waits} == {"pacing"}
    assert len(waits) == -(-requests // 10) - 1  # one wait per spent window, none at the end


def test_429s_saying_retry_after_0_wait_at_least_a_second_doubling() -> None:
    clock = FakeClock()
    script = Script(*[_429("0")] * 8, ok_page(), _429("0"), ok_page())
    with make_client(script, clock=clock) as client:
        client.fetch_page("ticket_events", 1000)
        client.fetch_page("ticket_events", 1000)
    # 1, 2, 4 ... up to a minute; a success starts the count again
    assert clock.slept == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0, 1.0]


def test_the_floor_never_shortens_a_longer_retry_after() -> None:
    clock = FakeClock()
    script = Script(_429("0"), _429("0.5"), _429("30"), _429("0"), ok_page())
    with make_client(script, clock=clock) as client:
        client.fetch_page("ticket_events", 1000)
    assert clock.slept == [1.0, 2.0, 30.0, 8.0]


def test_a_real_server_answering_429_retry_after_0_is_asked_about_once_a_second_or_less() -> None:
    from hostile import hostile_server
    from zendesk_events.client import ZendeskClient

    with hostile_server() as server:
        client = ZendeskClient(
            base_url=f"{server.url}/429", email="a@example.com", token="t", max_rate_limited=2
        )
        t0 = time.monotonic()
        with client, pytest.raises(RateLimitedError, match="after 3 attempts"):
            client.fetch_page("ticket_events", 1000)
        seconds = time.monotonic() - t0
    assert server.limited == 3  # the first request, then after 1 s and 2 s more
    assert seconds >= 3.0
    assert server.limited / seconds <= 1.0  # was 21 requests in 0.8 s
