"""What a sync tells its caller: progress as it happens (:class:`SyncObserver`) and the outcome
(:class:`SyncReport`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from zendesk_events.checkpoint import Checkpoint
from zendesk_events.errors import ZendeskEventsError
from zendesk_events.events import StreamName

__all__ = ["StreamReport", "SyncObserver", "SyncReport"]


class SyncObserver:
    """Receives progress from :func:`~zendesk_events.sync.run_sync`; every method does nothing
    here: subclass it and override what you show (the CLI's display does)."""

    def stream_started(self, stream: str, checkpoint: Checkpoint, resumed: bool) -> None:
        """A stream starts (or, in follow mode, polls again) from ``checkpoint``."""

    def page_written(
        self, stream: str, events: int, checkpoint: Checkpoint, caught_up: bool
    ) -> None:
        """A page of ``events`` items was committed; the cursor is now ``checkpoint``."""

    def late_found(self, stream: str, late: int, worst: int, changed: int) -> None:
        """A page a look-back read again held ``late`` late arrivals (the worst ``worst``
        seconds behind the cursor) and ``changed`` changed items; all now committed."""

    def note(self, message: str) -> None:
        """Something the user should know (e.g. a cursor stored with other options)."""

    def polling(self, seconds: float) -> None:
        """Follow mode: every stream caught up; next poll in ``seconds``."""

    def retrying(self, error: ZendeskEventsError, seconds: float) -> None:
        """Follow mode: a pass failed with a retriable ``error``; next try in ``seconds``."""


@dataclass(slots=True)
class StreamReport:
    """What one stream did in a run.

    Attributes:
        stream: the stream's name.
        start: the cursor the run started from.
        cursor: the cursor committed last.
        resumed: True when ``start`` came from the sink rather than ``since``.
        events: items committed in this run (on pages read again, the new and changed ones).
        pages: pages committed in this run (including empty ones).
        caught_up: the last committed page was the end of the stream (or, trailing, its edge).
        seconds: time spent fetching and writing this stream (polling waits excluded).
        reread: pages a look-back read again behind the cursor (its cost in requests).
        late: late arrivals the look-back found.
        late_worst: the greatest lateness among them, seconds behind the cursor.
        changed: items the look-back found changed and stored again.
    """

    stream: StreamName
    start: Checkpoint
    cursor: Checkpoint
    resumed: bool
    events: int = 0
    pages: int = 0
    caught_up: bool = False
    seconds: float = 0.0
    reread: int = 0
    late: int = 0
    late_worst: int = 0
    changed: int = 0

    @property
    def events_per_second(self) -> float:
        """This stream's throughput."""
        return self.events / self.seconds if self.seconds > 0 else 0.0


@dataclass(slots=True)
class SyncReport:
    """The outcome of :func:`~zendesk_events.sync.run_sync`.

    Attributes:
        streams: per-stream reports, in the order synced.
        stopped: the run ended because ``stop`` was set (Ctrl-C), not at the end of the data.
        seconds: wall-clock duration.
        notes: warnings raised during the run (also sent to the observer).
        ticket_fields: ticket fields stored (None: not read, or not readable).
    """

    streams: dict[str, StreamReport] = field(default_factory=dict)
    stopped: bool = False
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    ticket_fields: int | None = None

    @property
    def events_total(self) -> int:
        """Items committed across all streams."""
        return sum(r.events for r in self.streams.values())

    @property
    def events_per_second(self) -> float:
        """Overall throughput of the run."""
        return self.events_total / self.seconds if self.seconds > 0 else 0.0

    def then(self, later: SyncReport) -> SyncReport:
        """This run followed by ``later`` (which resumed where this one stopped) as one."""
        out = SyncReport(
            stopped=later.stopped,
            seconds=self.seconds + later.seconds,
            notes=[*self.notes, *later.notes],
            ticket_fields=later.ticket_fields
            if later.ticket_fields is not None
            else self.ticket_fields,
        )
        for name in dict.fromkeys([*self.streams, *later.streams]):
            first, second = self.streams.get(name), later.streams.get(name)
            if first is None or second is None:
                only = first or second
                assert only is not None
                out.streams[name] = only
                continue
            out.streams[name] = StreamReport(
                first.stream,
                first.start,
                second.cursor,
                first.resumed,
                first.events + second.events,
                first.pages + second.pages,
                second.caught_up,
                first.seconds + second.seconds,
                first.reread + second.reread,
                first.late + second.late,
                max(first.late_worst, second.late_worst),
                first.changed + second.changed,
            )
        return out
