"""5xx and network failures: bounded retries with jittered exponential backoff."""

from __future__ import annotations

import random

import httpx
import pytest
from clientkit import Script, json_response, make_client, ok_page

from zendesk_events.client import Wait
from zendesk_events.client.ratelimit import Backoff
from zendesk_events.errors import ServerError, TransportError
from zendesk_events.timeutil import FakeClock

REQ = httpx.Request("GET", "https://acme.zendesk.com/")


def _failures() -> list[httpx.Response | Exception]:
    return [
        json_response(500, {"error": "boom"}),
        json_response(502, {}),
        json_response(503, {}),
        httpx.ReadTimeout("read timed out", request=REQ),
        httpx.ConnectError("[Errno 104] Connection reset by peer", request=REQ),
        httpx.RemoteProtocolError("Server disconnected", request=REQ),
    ]


def test_failures_then_success_are_retried_with_backoff() -> None:
    clock = FakeClock()
    waits: list[Wait] = []
    script = Script(*_failures(), ok_page())
    with make_client(script, clock=clock, max_retries=6, on_wait=waits.append) as client:
        page = client.fetch_page("ticket_events", 1000)
    assert [i["id"] for i in page.items] == [1]
    assert len(script.requests) == 7
    assert len(clock.slept) == 6
    assert [w.reason for w in waits] == ["retry"] * 6
    assert [w.seconds for w in waits] == clock.slept
    ceilings = [1, 2, 4, 8, 16, 32]
    assert all(0 <= s <= c for s, c in zip(clock.slept, ceilings, strict=True))
    assert "retry 1 of 6" in waits[0].detail


def test_server_errors_exhaust_budget() -> None:
    clock = FakeClock()
    script = Script(*[json_response(503, {"error": "Unavailable"})] * 4)
    client = make_client(script, clock=clock, max_retries=3)
    with client, pytest.raises(ServerError) as info:
        client.fetch_page("ticket_events", 1000)
    message = str(info.value)
    assert "server error 503" in message
    assert "after 4 attempts" in message
    assert "/api/v2/incremental/ticket_events.json" in message
    assert info.value.status == 503
    assert len(script.requests) == 4
    assert len(clock.slept) == 3


def test_network_errors_exhaust_budget() -> None:
    exc = httpx.ConnectError("Connection refused", request=REQ)
    script = Script(exc, exc, exc)
    with make_client(script, max_retries=2) as client, pytest.raises(TransportError) as info:
        client.fetch_page("ticket_events", 1000)
    message = str(info.value)
    assert "ConnectError" in message
    assert "/api/v2/incremental/ticket_events.json?start_time=1000" in message
    assert "after 3 attempts" in message
    assert isinstance(info.value.__cause__, httpx.ConnectError)
    assert len(script.requests) == 3


def test_zero_retries_fails_on_first_error() -> None:
    script = Script(json_response(500, {}))
    with (
        make_client(script, max_retries=0) as client,
        pytest.raises(ServerError, match="after 1 attempt"),
    ):
        client.fetch_page("ticket_events", 1000)
    assert len(script.requests) == 1


def test_backoff_is_full_jitter_capped() -> None:
    backoff = Backoff(base=1.0, cap=60.0, rng=random.Random(1))
    assert [backoff.ceiling(n) for n in range(8)] == [1, 2, 4, 8, 16, 32, 60, 60]
    delays = [backoff.delay(10) for _ in range(200)]
    assert all(0 <= d <= 60 for d in delays)
    assert max(delays) > 30  # jitter spreads over the whole range
    assert min(delays) < 30
    again = Backoff(rng=random.Random(1))
    assert [again.delay(10) for _ in range(200)] == delays  # seeded: reproducible


def test_error_budget_resets_per_request() -> None:
    script = Script(json_response(500, {}), ok_page(), json_response(500, {}), ok_page())
    with make_client(script, max_retries=1) as client:
        client.fetch_page("ticket_events", 1000)
        client.fetch_page("ticket_events", 1000)
    assert len(script.requests) == 4


def test_every_wait_is_reported_before_the_sleep() -> None:
    clock = FakeClock()
    seen: list[tuple[str, int]] = []

    def on_wait(wait: Wait) -> None:
        seen.append((wait.reason, len(clock.slept)))

    limited = json_response(429, {}, {"Retry-After": "2"})
    script = Script(json_response(500, {}), limited, ok_page())
    with make_client(script, clock=clock, on_wait=on_wait) as client:
        client.fetch_page("ticket_events", 1000)
    assert seen == [("retry", 0), ("rate_limited", 1)]
    assert len(clock.slept) == 2
