"""What ``sync`` shows while it runs and when it ends: a live rich table, or plain lines.

:class:`LiveProgress` (a terminal) redraws one row per stream: events taken, events/s, how far
the cursor is behind now, late arrivals the look-back found, and any rate-limit wait.
:class:`PlainProgress` (``--quiet``, or stderr not a terminal) stays silent during the run
except for notes, waits and late arrivals, so logs get one line per stream at the end
(:func:`summary_lines`) rather than a redraw per page.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

from rich.console import Console
from rich.live import Live
from rich.table import Table

from zendesk_events.checkpoint import Checkpoint
from zendesk_events.errors import ZendeskEventsError
from zendesk_events.sync import SyncObserver
from zendesk_events.timeutil import Clock, SystemClock, epoch_to_iso

if TYPE_CHECKING:
    from zendesk_events.client import Wait
    from zendesk_events.sync import SyncReport

__all__ = [
    "LiveProgress",
    "PlainProgress",
    "behind",
    "duration",
    "late_text",
    "summary_lines",
    "summary_table",
]


def _seconds(value: float) -> str:
    return f"{value:.1f}s" if value < 10 else f"{value:.0f}s"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def duration(seconds: float) -> str:
    """A span for humans: ``3d 4h``, ``5h 7m``, ``12m 5s``, ``40s``."""
    s = int(seconds)
    days, rest = divmod(s, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m {secs}s"
    return f"{secs}s"


def behind(seconds: float) -> str:
    """A lag for humans: ``3d 4h behind``, ``12m 5s behind``, ``up to date`` (< 2 minutes)."""
    if int(seconds) < 120:
        return "up to date"
    return f"{duration(seconds)} behind"


def late_text(late: int, worst: int, changed: int = 0) -> str:
    """``3 late (worst 11m 40s)``, ``1 changed``, both, or ``-``: what a look-back found."""
    parts = []
    if late:
        parts.append(f"{late:,} late (worst {duration(worst)} behind the cursor)")
    if changed:
        parts.append(f"{changed:,} changed")
    return ", ".join(parts) or "-"


@dataclass(slots=True)
class _Row:
    events: int = 0
    pages: int = 0
    cursor: int = 0
    caught_up: bool = False
    started: float = 0.0
    busy: float = 0.0
    """Seconds spent on this stream in earlier passes (follow mode polls again)."""
    finished: float | None = None
    late: int = 0
    late_worst: int = 0
    changed: int = 0


class _Base(SyncObserver):
    """Shared bookkeeping: per-stream counters, updated from the engine and the client."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock: Clock = clock or SystemClock()
        self.rows: dict[str, _Row] = {}
        self.wait_text = ""
        self._lock = threading.Lock()

    def stream_started(self, stream: str, checkpoint: Checkpoint, resumed: bool) -> None:
        with self._lock:
            row = self.rows.setdefault(stream, _Row())
            if row.finished is not None:
                row.busy += row.finished - row.started
            row.started, row.finished = time.perf_counter(), None
            row.cursor = checkpoint.start_time

    def page_written(
        self, stream: str, events: int, checkpoint: Checkpoint, caught_up: bool
    ) -> None:
        with self._lock:
            row = self.rows.setdefault(stream, _Row(started=time.perf_counter()))
            row.events += events
            row.pages += 1
            row.cursor = checkpoint.start_time
            row.caught_up = caught_up
            if caught_up:  # the rate stops at the end of the pass, not when the run ends
                row.finished = time.perf_counter()
            self.wait_text = ""
        self.refresh()

    def late_found(self, stream: str, late: int, worst: int, changed: int) -> None:
        with self._lock:
            row = self.rows.setdefault(stream, _Row(started=time.perf_counter()))
            row.late += late
            row.late_worst = max(row.late_worst, worst)
            row.changed += changed
        self.refresh()

    def retrying(self, error: ZendeskEventsError, seconds: float) -> None:
        self.wait_text = f"failed ({error}); trying again in {duration(seconds)}"
        self.refresh()

    def waiting(self, wait: Wait) -> None:
        """The client's ``on_wait`` callback: it is about to sleep (pacing, 429, retry)."""
        label = {"pacing": "pacing", "rate_limited": "rate limited", "retry": "retrying"}.get(
            wait.reason, wait.reason
        )
        detail = f": {wait.detail}" if wait.detail else ""
        self.wait_text = f"{label}, waiting {_seconds(wait.seconds)}{detail}"
        self.refresh()

    def polling(self, seconds: float) -> None:
        self.wait_text = f"caught up; next poll in {seconds:g}s (Ctrl-C to stop)"
        self.refresh()

    def note(self, message: str) -> None:
        raise NotImplementedError

    def refresh(self) -> None:
        """Redraw (no-op for plain output)."""

    def _rate(self, row: _Row) -> float:
        end = time.perf_counter() if row.finished is None else row.finished
        elapsed = row.busy + end - row.started
        return row.events / elapsed if elapsed > 0 else 0.0

    def table(self) -> Table:
        table = Table(show_edge=False, box=None, pad_edge=False)
        for column in ("stream", "events", "events/s", "cursor", "lag", "look-back found"):
            table.add_column(column, justify="right" if column.startswith("events") else "left")
        now = self.clock.now()
        with self._lock:
            for name, row in self.rows.items():
                table.add_row(
                    name,
                    f"{row.events:,}",
                    f"{self._rate(row):,.0f}",
                    epoch_to_iso(row.cursor),
                    "caught up" if row.caught_up else behind(now - row.cursor),
                    late_text(row.late, row.late_worst, row.changed),
                )
        if self.wait_text:
            table.caption = self.wait_text
        return table


class LiveProgress(_Base):
    """A live table on a terminal (stderr), redrawn at most a few times a second.

    Use as a context manager: the display stops (and the cursor comes back) on exit, before
    any error line is printed.
    """

    def __init__(self, console: Console | None = None, clock: Clock | None = None) -> None:
        super().__init__(clock)
        self.console = console or Console(stderr=True)
        self._live = Live(
            console=self.console, refresh_per_second=4, transient=True, get_renderable=self.table
        )

    def __enter__(self) -> LiveProgress:
        self._live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._live.stop()

    def note(self, message: str) -> None:
        self.console.print(f"note: {message}", markup=False, highlight=False)


class PlainProgress(_Base):
    """No redraws: notes and rate-limit waits as lines on ``out`` (stderr), if not quiet."""

    def __init__(
        self, out: IO[str] | None = None, *, quiet: bool = False, clock: Clock | None = None
    ) -> None:
        super().__init__(clock)
        self._out = out
        self._quiet = quiet

    def __enter__(self) -> PlainProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def _line(self, text: str) -> None:
        if self._out is not None:
            self._out.write(text + "\n")
            self._out.flush()

    def note(self, message: str) -> None:
        self._line(f"note: {message}")

    def waiting(self, wait: Wait) -> None:
        super().waiting(wait)
        if not self._quiet and wait.reason != "pacing":
            self._line(self.wait_text)

    def late_found(self, stream: str, late: int, worst: int, changed: int) -> None:
        super().late_found(stream, late, worst, changed)
        if not self._quiet:
            self._line(f"{stream}: the look-back found {late_text(late, worst, changed)}")

    def retrying(self, error: ZendeskEventsError, seconds: float) -> None:
        super().retrying(error, seconds)
        self._line(self.wait_text)  # even when quiet: the run goes on, but something failed


def summary_lines(report: SyncReport, clock: Clock | None = None) -> list[str]:
    """One line per stream: ``ticket_events: 1,234 events, cursor 2024-01-31T08:00:00Z (...)``."""
    now = (clock or SystemClock()).now()
    lines = []
    for name, r in report.streams.items():
        state = "caught up" if r.caught_up else behind(now - r.cursor.start_time)
        found = late_text(r.late, r.late_worst, r.changed)
        lines.append(
            f"{name}: {_plural(r.events, 'event')} in {_plural(r.pages, 'page')} "
            f"({r.events_per_second:,.0f}/s), cursor {epoch_to_iso(r.cursor.start_time)} "
            f"({state}{', resumed' if r.resumed else ''})"
            + ("" if found == "-" else f"; look-back: {found}")
        )
    if report.ticket_fields is not None:
        lines.append(f"ticket fields: {_plural(report.ticket_fields, 'field')} stored")
    if report.stopped:
        lines.append("stopped; the next run resumes from the cursor")
    return lines


def summary_table(report: SyncReport, clock: Clock | None = None) -> Table:
    """The final summary as a rich table (for a terminal)."""
    now = (clock or SystemClock()).now()
    table = Table(
        title="sync summary" + (" (stopped: the next run resumes)" if report.stopped else ""),
        box=None,
        pad_edge=False,
        header_style="bold underline",
    )
    table.add_column("stream", no_wrap=True)
    for column in ("events", "pages", "events/s"):
        table.add_column(column, justify="right", no_wrap=True)
    table.add_column("cursor", no_wrap=True)
    table.add_column("state")
    table.add_column("look-back found")
    for name, r in report.streams.items():
        state = "caught up" if r.caught_up else behind(now - r.cursor.start_time)
        table.add_row(
            name,
            f"{r.events:,}",
            f"{r.pages:,}",
            f"{r.events_per_second:,.0f}",
            epoch_to_iso(r.cursor.start_time),
            state,
            late_text(r.late, r.late_worst, r.changed),
        )
    resumed = [name for name, r in report.streams.items() if r.resumed]
    table.caption = (
        f"{report.events_total:,} events in {report.seconds:.1f}s"
        + (f"; resumed from the stored cursor: {', '.join(resumed)}" if resumed else "")
        + (
            f"; {_plural(report.ticket_fields, 'ticket field')} stored"
            if report.ticket_fields is not None
            else ""
        )
    )
    return table
