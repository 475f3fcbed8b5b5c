"""The look-back: each pass re-reads a window behind the stream's cursor (spec §5, §9.6).

Zendesk writes some ticket metric events long after the change that caused them, stamped with
their original time (11-13 minutes late recorded live), and turns pre-written breach events
``deleted`` later. A cursor that only moves forward never sees either. So every pass over a
stream with a look-back of L starts its requests at ``cursor - L`` instead of the cursor and
reads on to the end of the stream in one go: the window costs no extra request while it holds
less than a page, and at most its own pages when it holds more (the benchmark measures it).

The committed cursor never moves back: pages behind it are written with the cursor as it was
(:func:`ahead`), so a run killed during a look-back resumes exactly where the last forward
page left it, and simply looks back again. Sinks store only new and changed items of such
pages and count the late arrivals (:class:`~zendesk_events.sync.sink.PageWrite`).

The alternative, for those who prefer fewer requests to fresher rows: ``trail`` keeps the
cursor L behind now and never reads a second twice. It sees the same late events (those no
more than L late), stores each item once, and lets a page's worth of new items through per
request however busy the account; but every row arrives L later.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from zendesk_events.checkpoint import Checkpoint
from zendesk_events.errors import ConfigError
from zendesk_events.events import STREAMS

__all__ = ["DEFAULT_LOOKBACK", "Lookback", "PassPlan", "ahead", "plan_pass"]

DEFAULT_LOOKBACK: Mapping[str, int] = MappingProxyType(
    {"ticket_events": 0, "ticket_metric_events": 30 * 60}
)
"""Seconds re-read per stream: 30 minutes of metric events (the window a production exporter
keeps for them, spec §5), none of ticket events (no late ticket event has been recorded)."""


@dataclass(frozen=True, slots=True)
class Lookback:
    """How far behind its cursor each stream is read again, and how.

    Attributes:
        seconds: per stream name; a stream not named gets :data:`DEFAULT_LOOKBACK`'s value.
        trail: keep each cursor ``seconds`` behind now instead of re-reading that window.
    """

    seconds: Mapping[str, int] = field(default_factory=lambda: DEFAULT_LOOKBACK)
    trail: bool = False

    def __post_init__(self) -> None:
        for stream, value in self.seconds.items():
            if stream not in STREAMS:
                raise ConfigError(f"look-back for unknown stream {stream!r}")
            if value < 0:
                raise ConfigError(f"look-back of {stream} must be >= 0 seconds")

    def of(self, stream: str) -> int:
        """The look-back of ``stream``, seconds."""
        return int(self.seconds.get(stream, DEFAULT_LOOKBACK.get(stream, 0)))

    def per_stream(self) -> dict[str, int]:
        """Every stream's look-back."""
        return {name: self.of(name) for name in STREAMS}


@dataclass(frozen=True, slots=True)
class PassPlan:
    """Where one pass over a stream reads.

    Attributes:
        start: the first request's position.
        frontier: the committed cursor a look-back reads behind (None: no look-back).
        until: the pass stops before this second (None: at the end of the stream).
        edge: trail mode: the second the cursor is held at, now minus the look-back.
    """

    start: Checkpoint
    frontier: Checkpoint | None
    until: int | None
    edge: int | None = None


def plan_pass(
    cursor: Checkpoint,
    *,
    lookback: int,
    trail: bool,
    floor: int | None,
    until: int | None,
    now: float,
) -> PassPlan:
    """Where a pass from ``cursor`` reads.

    Args:
        cursor: the stream's committed cursor.
        lookback: the stream's look-back, seconds (0: none).
        trail: hold the cursor ``lookback`` behind ``now`` instead of re-reading.
        floor: the earliest second the sink can tell known items from new ones (see
            :meth:`~zendesk_events.sync.Sink.revisit_floor`); None: no look-back possible.
        until: the caller's end, if any.
        now: the current time.
    """
    if lookback <= 0:
        return PassPlan(cursor, None, until)
    if trail:
        edge = int(now) - lookback
        end = edge if until is None else min(until, edge)
        return PassPlan(cursor, None, end, edge)
    if floor is None:
        return PassPlan(cursor, None, until)
    back = max(cursor.start_time - lookback, floor, 0)
    if back >= cursor.start_time:
        return PassPlan(cursor, None, until)
    return PassPlan(Checkpoint(back), cursor, until)


def ahead(frontier: Checkpoint, reached: Checkpoint) -> Checkpoint:
    """The cursor to commit with a page of a look-back pass that has ``reached`` a position.

    Behind the frontier the committed cursor stays the frontier; at its second, the items
    taken there before and now are both boundary ids; past it, the pass's own cursor.
    """
    if reached.start_time < frontier.start_time:
        return frontier
    if reached.start_time == frontier.start_time:
        return Checkpoint(frontier.start_time, frontier.boundary_ids | reached.boundary_ids)
    return reached
