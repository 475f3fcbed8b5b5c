"""Option types of the command line: each value checked as it is read, before any work.

click's own ``FloatRange`` lets ``nan`` through (every comparison with it is false) and
``IntRange(0)`` any integer however large; these close that gap, so a bad value is one line
and exit 2 before a store is opened or a request sent, never a traceback from deep inside.
"""

from __future__ import annotations

import math
import time
from typing import Any

import click

from zendesk_events.client.client import checked_base_url
from zendesk_events.errors import ConfigError
from zendesk_events.timeutil import epoch_to_iso, parse_since

__all__ = ["INT64", "FiniteFloat", "HttpUrl", "Time"]

INT64 = click.IntRange(-(2**63), 2**63 - 1)
"""An integer a database column (and a 64-bit seed) holds."""


class FiniteFloat(click.FloatRange):
    """A :class:`click.FloatRange` that refuses ``nan`` and infinities."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):  # the range check let nan through; inf if unbounded
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return number


class HttpUrl(click.ParamType):  # type: ignore[type-arg]  # generic in new click only
    """``http(s)://host[:port][/path]``, as the client takes a base URL."""

    name = "url"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            return checked_base_url(str(value))
        except ConfigError as exc:
            self.fail(str(exc).replace("base_url ", "", 1), param, ctx)


class Time(click.ParamType):  # type: ignore[type-arg]  # generic in new click only
    """A time as ``--since`` takes it: epoch seconds, an ISO date/time or a span back from now
    (``30d``), read into epoch seconds between 1970 and the year 9999.

    Args:
        future: whether a time after now is allowed (``sync`` has nothing to export there).
        future_hint: what to say after "in the future" when it is not.
    """

    name = "time"

    def __init__(self, *, future: bool = True, future_hint: str = "") -> None:
        self.future = future
        self.future_hint = future_hint

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, int):
            return value
        now = time.time()
        try:
            seconds = parse_since(str(value), now=now)
        except ConfigError as exc:
            self.fail(str(exc), param, ctx)
        if not self.future and seconds > now:
            hint = f": {self.future_hint}" if self.future_hint else ""
            self.fail(f"{value!r} is in the future ({epoch_to_iso(seconds)}){hint}", param, ctx)
        return seconds
