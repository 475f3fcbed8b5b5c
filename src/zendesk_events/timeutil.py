"""Unix seconds, ISO 8601 and clocks: the only place that converts between them."""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC, datetime
from typing import Protocol

from zendesk_events.errors import ConfigError

__all__ = [
    "MAX_EPOCH",
    "MAX_SPAN",
    "Clock",
    "FakeClock",
    "SystemClock",
    "epoch_to_iso",
    "iso_to_epoch",
    "parse_since",
    "parse_span",
]


MAX_EPOCH = 253_402_300_799
"""9999-12-31T23:59:59Z, the last second an ISO time (and :func:`epoch_to_iso`) can write.
A later one is a typo, and would overflow a 64-bit integer or the platform's ``time_t`` on the
way (``--since 9223372036854775808`` printed a 35-line traceback)."""

MAX_SPAN = 100 * 365 * 86400
"""The longest span :func:`parse_span` takes (100 years): more reaches before 1970."""


class Clock(Protocol):
    """A source of time. Injected everywhere time matters so tests never sleep for real."""

    def now(self) -> float:
        """Seconds since the Unix epoch."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` (a fake clock just advances)."""
        ...


class SystemClock:
    """The wall clock."""

    def now(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


class FakeClock:
    """A clock that only moves when told to (or when something sleeps on it)."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._now = start
        self._lock = threading.Lock()
        self.slept: list[float] = []

    def now(self) -> float:
        with self._lock:
            return self._now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)
            self._now += max(0.0, seconds)

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds

    def set(self, now: float) -> None:
        with self._lock:
            self._now = now


def epoch_to_iso(seconds: int) -> str:
    """Zendesk's timestamp format: ``2020-09-29T05:31:43Z``."""
    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_to_epoch(value: str) -> int:
    """Parse an ISO 8601 timestamp (``Z`` or an offset; naive means UTC) to whole seconds."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp())


_RELATIVE = re.compile(r"^(\d+)\s*([smhdw])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_since(value: str, *, now: float | None = None) -> int:
    """Turn a user's ``--since`` into epoch seconds.

    Accepts an epoch (``1601357503``), an ISO date or date-time (``2024-01-31``,
    ``2024-01-31T08:00:00Z``) or a span back from now (``90s``, ``15m``, ``12h``, ``30d``, ``2w``).

    Raises:
        ConfigError: the value is none of those, or lies before 1970 or after 9999.
    """
    text = value.strip()
    current = time.time() if now is None else now
    if re.fullmatch(r"-?\d+", text):
        seconds = int(text)
    elif match := _RELATIVE.match(text):
        seconds = int(current) - int(match.group(1)) * _UNITS[match.group(2)]
    else:
        try:
            seconds = iso_to_epoch(text)
        except (ValueError, OverflowError):  # and year 10000 once an offset is applied
            raise ConfigError(
                f"cannot read time {_short(value)!r}: use epoch seconds, an ISO date/time "
                "(2024-01-31 or 2024-01-31T08:00:00Z) or a span such as 30d, 12h, 15m"
            ) from None
    if seconds < 0:
        raise ConfigError(f"time {_short(value)!r} is before 1970")
    if seconds > MAX_EPOCH:
        raise ConfigError(f"time {_short(value)!r} is after the year 9999")
    return seconds


def _short(value: str) -> str:
    """``value``, or its first 40 characters and an ellipsis (a message stays one line)."""
    text = value.strip()
    return text if len(text) <= 40 else text[:40] + "..."


def parse_span(value: str) -> int:
    """Turn a user's span (``--lookback``) into seconds: ``0``, ``90`` (seconds), ``90s``,
    ``30m``, ``2h``, ``1d``.

    Raises:
        ConfigError: the value is none of those, or longer than 100 years.
    """
    text = value.strip()
    if re.fullmatch(r"\d+", text):
        seconds = int(text)
    elif match := _RELATIVE.match(text):
        seconds = int(match.group(1)) * _UNITS[match.group(2)]
    else:
        raise ConfigError(
            f"cannot read span {_short(value)!r}: use seconds or a span such as 90s, 30m, 2h"
        )
    if seconds > MAX_SPAN:
        raise ConfigError(f"span {_short(value)!r} is longer than 100 years")
    return seconds
