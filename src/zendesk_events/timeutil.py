"""Unix seconds, ISO 8601 and clocks: the only place that converts between them."""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC, datetime
from typing import Protocol

from zendesk_events.errors import ConfigError

__all__ = [
    "Clock",
    "FakeClock",
    "SystemClock",
    "epoch_to_iso",
    "iso_to_epoch",
    "parse_since",
    "parse_span",
]


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
        ConfigError: the value is none of those, or lies before 1970.
    """
    text = value.strip()
    current = time.time() if now is None else now
    if re.fullmatch(r"-?\d+", text):
        seconds = int(text)
    elif match := _RELATIVE.match(text):
        seconds = int(current - int(match.group(1)) * _UNITS[match.group(2)])
    else:
        try:
            seconds = iso_to_epoch(text)
        except ValueError:
            raise ConfigError(
                f"cannot read time {value!r}: use epoch seconds, an ISO date/time "
                "(2024-01-31 or 2024-01-31T08:00:00Z) or a span such as 30d, 12h, 15m"
            ) from None
    if seconds < 0:
        raise ConfigError(f"time {value!r} is before 1970")
    return seconds


def parse_span(value: str) -> int:
    """Turn a user's span (``--lookback``) into seconds: ``0``, ``90`` (seconds), ``90s``,
    ``30m``, ``2h``, ``1d``.

    Raises:
        ConfigError: the value is none of those.
    """
    text = value.strip()
    if re.fullmatch(r"\d+", text):
        return int(text)
    if match := _RELATIVE.match(text):
        return int(match.group(1)) * _UNITS[match.group(2)]
    raise ConfigError(f"cannot read span {value!r}: use seconds or a span such as 90s, 30m, 2h")
