"""When to wait and when to give up: status classification, pacing, Retry-After and backoff.

Everything that decides a sleep lives here, so "why did it wait?" has one answer. The client
calls :func:`classify_status` on every response, feeds every response's headers to a
:class:`Pacer`, and asks :class:`Backoff` how long to wait before retrying a failure.
"""

from __future__ import annotations

import math
import random
import threading
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Literal

import httpx

from zendesk_events.timeutil import Clock

__all__ = [
    "MAX_RATE_LIMIT_RETRIES",
    "MAX_RETRY_AFTER",
    "Backoff",
    "Outcome",
    "Pacer",
    "RateLimit",
    "Wait",
    "classify_status",
    "parse_rate_limit",
    "rate_limited_wait",
    "retry_after_seconds",
]

MAX_RETRY_AFTER = 900.0
"""Longest ``Retry-After`` we obey (seconds). Zendesk's windows are a minute (20 for
``/sample``); a bigger value is a misbehaving proxy, and waiting hours on it helps no one."""

DEFAULT_RETRY_AFTER = 60.0
"""Wait after a 429 that names no ``Retry-After`` and no reset: Zendesk's window is a minute."""

RATE_LIMITED_FLOOR = 1.0
"""Shortest wait after a 429, seconds; it doubles with each further 429 in a row, up to
:data:`DEFAULT_RETRY_AFTER`. A ``Retry-After: 0`` (or a date already past) taken at its word
made the client send 21 requests in 0.8 s to a server that had just said it was overloaded.
Zendesk's own values (seconds to the end of its minute) are longer and are waited exactly."""

MAX_RATE_LIMIT_RETRIES = 20
"""429s in a row before giving up. They don't use the error budget (a 429 is the server
working as designed), but a server that answers nothing else must not hold a sync forever."""

UNKNOWN_RESET = 60.0
"""Assumed window when a response says ``remaining`` is 0 but not when it resets
(``X-Rate-Limit-Remaining`` alone): Zendesk's account-wide limit is per minute."""

Outcome = Literal["ok", "rate_limited", "retry", "fatal"]


@dataclass(frozen=True)
class Wait:
    """A sleep the client is about to take, reported through ``on_wait`` before it starts.

    Attributes:
        reason: ``pacing`` (the rate-limit headers said the budget is spent), ``rate_limited``
            (a 429 said so), ``retry`` (backing off after a 5xx or a network error).
        seconds: how long.
        detail: one line for a human: what happened and where.
    """

    reason: Literal["pacing", "rate_limited", "retry"]
    seconds: float
    detail: str


def classify_status(status: int) -> Outcome:
    """What to do with a response, by status code: the only place this is decided.

    2xx is data; 429 means wait and ask again (the error budget is untouched); 5xx and 408
    are worth retrying with backoff; everything else (400/401/403/404/422, redirects) would
    fail the same way again, so it is fatal.
    """
    if 200 <= status < 300:
        return "ok"
    if status == 429:
        return "rate_limited"
    if status >= 500 or status == 408:
        return "retry"
    return "fatal"


@dataclass(frozen=True, slots=True)
class RateLimit:
    """What a response said about the request budget.

    Attributes:
        remaining: requests left in the current window.
        reset: seconds until the window resets (None when the header family doesn't say).
        source: the header it came from (for messages).
    """

    remaining: int
    reset: float | None
    source: str


def _int(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(float(text.strip()))
    except ValueError:
        return None


def parse_rate_limit(headers: httpx.Headers) -> RateLimit | None:
    """The budget a response reports, from the most specific header family present.

    ``Zendesk-RateLimit-incremental-exports: total=10; remaining=9; resets=42`` is the
    export endpoints' own limit and wins; ``ratelimit-remaining``/``ratelimit-reset`` (the
    IETF draft names) come next; ``X-Rate-Limit-Remaining`` (account-wide, no reset) last.
    """
    value = headers.get("zendesk-ratelimit-incremental-exports")
    if value:
        fields: dict[str, str] = {}
        for part in value.split(";"):
            key, _, val = part.partition("=")
            fields[key.strip().lower()] = val.strip()
        remaining = _int(fields.get("remaining"))
        if remaining is not None:
            reset = _int(fields.get("resets"))
            return RateLimit(
                remaining, None if reset is None else float(reset), "Zendesk-RateLimit"
            )
    remaining = _int(headers.get("ratelimit-remaining"))
    if remaining is not None:
        reset = _int(headers.get("ratelimit-reset"))
        return RateLimit(remaining, None if reset is None else float(reset), "ratelimit")
    remaining = _int(headers.get("x-rate-limit-remaining"))
    if remaining is not None:
        return RateLimit(remaining, None, "X-Rate-Limit")
    return None


def retry_after_seconds(headers: httpx.Headers, now: float) -> float | None:
    """``Retry-After`` as seconds from ``now`` (it may be seconds or an HTTP date), clamped.

    Returns None when the header is absent or unreadable.
    """
    value = headers.get("retry-after")
    if value is None:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - now
    if math.isnan(seconds):
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def rate_limited_wait(retry_after: float | None, in_a_row: int) -> float:
    """How long to wait after the ``in_a_row``-th 429 in a row (counting from 1).

    ``Retry-After`` as the server gave it (``None``: a minute, Zendesk's window), but never
    less than :data:`RATE_LIMITED_FLOOR` doubled for each 429 before this one, capped at a
    minute: 1, 2, 4, ... 32, 60, 60 s for a server that keeps saying ``Retry-After: 0``.
    """
    floor = min(DEFAULT_RETRY_AFTER, RATE_LIMITED_FLOOR * 2.0 ** min(max(in_a_row, 1) - 1, 32))
    wait = DEFAULT_RETRY_AFTER if retry_after is None else retry_after
    return max(wait, floor)


class Pacer:
    """Keeps requests inside the server's budget so a long export never sees a 429.

    Every response's headers go to :meth:`observe`; before each request :meth:`delay` says
    how long to wait first. When the budget is spent, the wait runs to the reset the server
    announced, counted from when that response arrived. Requests sent in between (several
    streams share one client and one account budget) are counted locally, so two threads
    don't both spend the last request.
    """

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._remaining: int | None = None
        self._reset_at: float | None = None
        self._source = ""

    def observe(self, headers: httpx.Headers) -> None:
        """Record the budget a response reported (responses without the headers are ignored)."""
        limit = parse_rate_limit(headers)
        if limit is None:
            return
        now = self._clock.now()
        reset = UNKNOWN_RESET if limit.reset is None else limit.reset
        with self._lock:
            self._remaining = limit.remaining
            self._reset_at = now + reset
            self._source = limit.source

    def delay(self) -> float:
        """Seconds to wait before the next request; reserves that request's slot."""
        now = self._clock.now()
        with self._lock:
            if self._remaining is None or self._reset_at is None:
                return 0.0
            if now >= self._reset_at:
                # The window has reset: the budget is unknown until the next response says.
                self._remaining = None
                return 0.0
            if self._remaining > 0:
                self._remaining -= 1
                return 0.0
            wait = self._reset_at - now
            self._remaining = None
            return wait

    def state(self) -> tuple[int | None, float | None, str]:
        """The known budget, to hand to a pacer in another process (see :meth:`restore`)."""
        with self._lock:
            return self._remaining, self._reset_at, self._source

    def restore(self, state: tuple[int | None, float | None, str]) -> None:
        """Take over a budget :meth:`state` returned (both clocks must be the wall clock)."""
        with self._lock:
            self._remaining, self._reset_at, self._source = state

    def forget(self) -> None:
        """Drop the known budget: a 429's ``Retry-After`` has just been waited out, and the
        wait must be exactly that, not that plus a reset the 429 also reported."""
        with self._lock:
            self._remaining = None
            self._reset_at = None

    @property
    def source(self) -> str:
        """The header family the current budget came from."""
        return self._source


class Backoff:
    """Exponential backoff with full jitter: uniform in ``[0, min(cap, base * 2**attempt)]``.

    Full jitter (AWS architecture blog, "Exponential Backoff And Jitter") spreads clients
    that failed together, so they don't retry in lockstep against a recovering server.

    Args:
        base: the first retry's ceiling, seconds.
        cap: the largest wait, seconds.
        rng: the random source (seeded in tests).
    """

    def __init__(
        self, base: float = 1.0, cap: float = 60.0, rng: random.Random | None = None
    ) -> None:
        self.base = base
        self.cap = cap
        self._rng = rng or random.Random()

    def ceiling(self, attempt: int) -> float:
        """The longest wait before retry number ``attempt + 1`` (``attempt`` counts from 0)."""
        return float(min(self.cap, self.base * 2.0 ** min(attempt, 32)))

    def delay(self, attempt: int) -> float:
        """A wait before retry number ``attempt + 1``."""
        return self._rng.uniform(0.0, self.ceiling(attempt))
