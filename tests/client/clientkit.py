"""Stand-ins for real Zendesk (httpx.MockTransport handlers) shared by the client tests.

A module of its own (not conftest) so test files import it by a name no other folder uses.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import httpx
import orjson

from zendesk_events.client import ZendeskClient
from zendesk_events.timeutil import FakeClock, epoch_to_iso

BASE = "https://acme.zendesk.com"
EMAIL = "admin@acme.example"
TOKEN = "tok-SECRET-1234567890"

Handler = Callable[[httpx.Request], httpx.Response]


def ticket_event(event_id: int, ts: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": event_id,
        "ticket_id": 100 + event_id % 5,
        "timestamp": ts,
        "created_at": epoch_to_iso(ts),
        "event_type": "Audit",
        "child_events": [{"id": event_id * 10, "event_type": "Change", "status": "open"}],
        **extra,
    }


def metric_event(event_id: int, ts: int) -> dict[str, Any]:
    return {
        "id": event_id,
        "ticket_id": 100 + event_id % 5,
        "metric": "reply_time",
        "instance_id": 1,
        "type": "measure",
        "time": epoch_to_iso(ts),
    }


def page_json(
    key: str,
    items: list[dict[str, Any]],
    end_time: int,
    end_of_stream: bool,
    next_start: int | None = None,
) -> dict[str, Any]:
    nxt = end_time if next_start is None else next_start
    return {
        key: items,
        "next_page": f"{BASE}/api/v2/incremental/{key}.json?start_time={nxt}",
        "count": len(items),
        "end_of_stream": end_of_stream,
        "end_time": end_time,
    }


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, content=orjson.dumps(body), headers=headers or {})


def start_of(request: httpx.Request) -> int:
    return int(parse_qs(request.url.query.decode())["start_time"][0])


@dataclass
class FakeZendesk:
    """Serves stored items the way real Zendesk does: ``end_time`` = the last item's second.

    ``extend`` switches on our server's rule (a page never splits a second, and a page holding
    a whole second ends at that second + 1). ``rate_limit`` enforces that many requests per
    ``window`` seconds on ``clock``, answering 429 beyond it, and reports the budget in the
    ``Zendesk-RateLimit-incremental-exports`` header.
    """

    items: list[dict[str, Any]] = field(default_factory=list)
    key: str = "ticket_events"
    page_limit: int = 1000
    extend: bool = False
    clock: FakeClock | None = None
    rate_limit: int = 0
    window: int = 60
    requests: list[httpx.Request] = field(default_factory=list)
    too_many: int = 0

    def add(self, items: Iterable[dict[str, Any]]) -> None:
        self.items.extend(items)
        self.items.sort(key=lambda i: (self._ts(i), i["id"]))

    @staticmethod
    def _ts(item: dict[str, Any]) -> int:
        from zendesk_events.events import item_timestamp

        return item_timestamp(item)

    def _window_state(self) -> tuple[int, int] | None:
        """(used so far in this window incl. this request, seconds to reset)."""
        if not self.rate_limit or self.clock is None:
            return None
        now = self.clock.now()
        start = math.floor(now / self.window) * self.window
        if getattr(self, "_window_start", None) != start:
            self._window_start = start
            self._used = 0
        self._used += 1
        return self._used, max(1, math.ceil(start + self.window - now))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        headers: dict[str, str] = {}
        state = self._window_state()
        if state is not None:
            used, reset = state
            remaining = max(0, self.rate_limit - used)
            headers["Zendesk-RateLimit-incremental-exports"] = (
                f"total={self.rate_limit}; remaining={remaining}; resets={reset}"
            )
            if used > self.rate_limit:
                self.too_many += 1
                headers["Retry-After"] = str(reset)
                return json_response(429, {"error": "APIRateLimitExceeded"}, headers)
        start = start_of(request)
        rows = [i for i in self.items if self._ts(i) >= start]
        page = rows[: self.page_limit]
        if not page:
            return json_response(200, page_json(self.key, [], start, True), headers)
        last = self._ts(page[-1])
        end_of_stream = len(page) < self.page_limit
        end_time = last
        if self.extend:
            extended = len(rows) > self.page_limit and self._ts(rows[self.page_limit]) == last
            if extended:
                page += [i for i in rows[self.page_limit :] if self._ts(i) == last]
            if not end_of_stream and (extended or self._ts(page[0]) == last):
                end_time = last + 1
        return json_response(200, page_json(self.key, page, end_time, end_of_stream), headers)


class Script:
    """A transport handler that plays a list of responses (or exceptions to raise) in order."""

    def __init__(self, *steps: httpx.Response | Exception | Handler) -> None:
        self.steps = list(steps)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if not self.steps:
            raise AssertionError("the client sent more requests than scripted")
        step = self.steps.pop(0)
        if isinstance(step, Exception):
            raise step
        if isinstance(step, httpx.Response):
            return step
        return step(request)


def ok_page(start: int = 1000) -> httpx.Response:
    return json_response(200, page_json("ticket_events", [ticket_event(1, start)], start, True))


def make_client(handler: Handler, clock: FakeClock | None = None, **kwargs: Any) -> ZendeskClient:
    """A client on ``handler`` with a FakeClock and seeded jitter."""
    import random

    kwargs.setdefault("base_url", BASE)
    if "oauth_token" not in kwargs and "password" not in kwargs:
        kwargs.setdefault("token", TOKEN)
    kwargs.setdefault("email", EMAIL)
    return ZendeskClient(
        transport=httpx.MockTransport(handler),
        clock=clock or FakeClock(),
        rng=random.Random(7),
        **kwargs,
    )
