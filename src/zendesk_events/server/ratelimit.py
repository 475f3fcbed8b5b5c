"""Zendesk's request budgets: fixed windows per account, counted in memory or in the database.

The server emulates one account, so "per account" means per store: every server process over
one store counts in the store (:class:`DatabaseCounter`), so two ``serve`` processes behind a
load balancer answer 10 exports a minute between them, as one Zendesk account. Two budgets
are enforced (spec §8): incremental exports (``export_rate_limit`` per ``export_rate_window``
s) and ``/sample`` (``sample_rate_limit`` per ``sample_rate_window`` s). The account-wide
figure (``X-Rate-Limit``, ``ratelimit-*``) is only reported, never enforced, and is counted in
memory per process: enforcing nothing, it is not worth a database write on every request of a
mirror.

Windows are aligned on multiples of their length (``floor(now / window) * window``), from the
injected clock, so tests move time instead of sleeping. Every "seconds until reset" is the
*ceiling* of the true remaining time: a client that sleeps exactly that long is never early.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Literal, Protocol

from zendesk_events.config import ServerSettings
from zendesk_events.store import RateWindows
from zendesk_events.timeutil import Clock

__all__ = [
    "Bucket",
    "DatabaseCounter",
    "MemoryCounter",
    "RateLimiter",
    "WindowCounter",
    "WindowState",
]

Bucket = Literal["export", "sample"]

_KEYS: dict[Bucket, str] = {"export": "incremental_exports", "sample": "incremental_exports_sample"}
_HEADERS: dict[Bucket, str] = {
    "export": "Zendesk-RateLimit-incremental-exports",
    "sample": "Zendesk-RateLimit-incremental-exports-sample",
}
_ACCOUNT_WINDOW = 60


@dataclass(frozen=True, slots=True)
class WindowState:
    """One budget as seen by one request.

    Attributes:
        limit: requests allowed per window.
        used: requests counted in the current window (this one included when it was counted).
        reset: whole seconds until the window resets (ceiling, >= 1).
    """

    limit: int
    used: int
    reset: int

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)

    @property
    def exceeded(self) -> bool:
        return self.used > self.limit


class WindowCounter(Protocol):
    """Where request counts live: one process (memory) or every worker (database)."""

    blocking: bool
    """Whether counting may wait on other processes (a database's write lock): then the server
    counts off its event loop (see :meth:`RateLimiter.blocking`)."""

    def hit(self, key: str, window_start: int) -> int:
        """Count one request in ``key``'s window starting at ``window_start``; the new count."""
        ...

    def peek(self, key: str, window_start: int) -> int:
        """The count of that window, without counting."""
        ...

    def prune(self, prefix: str, before: int) -> None:
        """Forget the counters of keys starting with ``prefix`` whose window began before
        ``before`` (keys named after clients would otherwise pile up)."""
        ...


class MemoryCounter:
    """Counts in this process (one worker)."""

    blocking = False

    def __init__(self) -> None:
        self._windows: dict[str, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, window_start: int) -> int:
        with self._lock:
            start, count = self._windows.get(key, (window_start, 0))
            if start < window_start:
                start, count = window_start, 0
            count += 1
            self._windows[key] = (start, count)
            return count

    def peek(self, key: str, window_start: int) -> int:
        with self._lock:
            start, count = self._windows.get(key, (window_start, 0))
            return count if start >= window_start else 0

    def prune(self, prefix: str, before: int) -> None:
        with self._lock:
            stale = [k for k, (start, _) in self._windows.items() if start < before]
            for key in stale:
                if key.startswith(prefix):
                    del self._windows[key]


class DatabaseCounter:
    """Counts in the store (:class:`~zendesk_events.store.RateWindows`), shared by every
    server process over it: workers of one ``serve`` and separate ``serve`` processes alike.

    A count is a write: on SQLite it waits for the file's write lock, which a ``sync`` into the
    same store holds for each page it commits (and for seconds while it builds its indexes)."""

    blocking = True

    def __init__(self, windows: RateWindows) -> None:
        self._windows = windows

    def hit(self, key: str, window_start: int) -> int:
        return self._windows.hit(key, window_start)

    def peek(self, key: str, window_start: int) -> int:
        return self._windows.peek(key, window_start)

    def prune(self, prefix: str, before: int) -> None:
        self._windows.prune(prefix, before)


class RateLimiter:
    """The server's budgets and the headers that report them.

    Args:
        settings: limits and windows (a limit of 0 switches that budget off).
        clock: the time source.
        counter: where enforced budgets are counted (memory or database).
    """

    def __init__(self, settings: ServerSettings, clock: Clock, counter: WindowCounter) -> None:
        self._limits: dict[Bucket, tuple[int, int]] = {
            "export": (settings.export_rate_limit, max(1, settings.export_rate_window)),
            "sample": (settings.sample_rate_limit, max(1, settings.sample_rate_window)),
        }
        self._account_limit = settings.account_rate_limit
        self._clock = clock
        self._counter = counter
        self._account = MemoryCounter()

    def _window(self, window: int) -> tuple[int, int]:
        now = self._clock.now()
        start = math.floor(now / window) * window
        reset = max(1, math.ceil(start + window - now))
        return start, reset

    @property
    def blocking(self) -> bool:
        """Whether :meth:`hit` may wait on other processes (budgets counted in the store)."""
        return self._counter.blocking

    def enabled(self, bucket: Bucket) -> bool:
        """Whether ``bucket`` is enforced at all."""
        return self._limits[bucket][0] > 0

    def hit(self, bucket: Bucket) -> WindowState | None:
        """Count one request against ``bucket`` (None when that budget is off)."""
        limit, window = self._limits[bucket]
        if limit <= 0:
            return None
        start, reset = self._window(window)
        return WindowState(limit, self._counter.hit(_KEYS[bucket], start), reset)

    def peek(self, bucket: Bucket) -> WindowState | None:
        """``bucket``'s state without counting (for requests refused before the budget)."""
        limit, window = self._limits[bucket]
        if limit <= 0:
            return None
        start, reset = self._window(window)
        return WindowState(limit, self._counter.peek(_KEYS[bucket], start), reset)

    def account_hit(self) -> WindowState:
        """Count one request against the (reported, not enforced) account-wide figure."""
        start, reset = self._window(_ACCOUNT_WINDOW)
        return WindowState(self._account_limit, self._account.hit("account", start), reset)

    def account_peek(self) -> WindowState:
        """The account-wide figure without counting."""
        start, reset = self._window(_ACCOUNT_WINDOW)
        return WindowState(self._account_limit, self._account.peek("account", start), reset)

    @staticmethod
    def account_headers(state: WindowState) -> list[tuple[str, str]]:
        """``X-Rate-Limit`` and ``ratelimit-*``: the account-wide family (spec §8)."""
        limit, remaining, reset = str(state.limit), str(state.remaining), str(state.reset)
        return [
            ("X-Rate-Limit", limit),
            ("X-Rate-Limit-Remaining", remaining),
            ("ratelimit-limit", limit),
            ("ratelimit-remaining", remaining),
            ("ratelimit-reset", reset),
        ]

    @staticmethod
    def bucket_headers(bucket: Bucket, state: WindowState | None) -> dict[str, str]:
        """``Zendesk-RateLimit-incremental-exports: total=10; remaining=9; resets=42``."""
        if state is None:
            return {}
        value = f"total={state.limit}; remaining={state.remaining}; resets={state.reset}"
        return {_HEADERS[bucket]: value}
