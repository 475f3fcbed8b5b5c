"""Where a sync writes: the :class:`Sink` base class every target implements.

A sink commits a page's items together with the stream's new cursor, all or nothing, so a run
can be killed at any moment and rerun without losing or repeating an item. Writing is split in
two halves: :meth:`Sink.prepare_function` turns a page's items into what the sink writes (rows,
lines: pure Python, run by the fetcher in another thread or process), and
:meth:`Sink.write_prepared` writes it with the cursor (in the caller's thread).

Pages a look-back reads again (see :mod:`zendesk_events.sync.lookback`) are written with the
cursor the look-back started from (``frontier``): the sink stores only what is new or changed
and says which new items were late (:class:`PageWrite`), counting them with the cursor.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from zendesk_events.checkpoint import Checkpoint
from zendesk_events.errors import ConfigError
from zendesk_events.events import StreamName
from zendesk_events.store import LateTally, StreamState

__all__ = [
    "PageWrite",
    "PrepareFunction",
    "PreparedPage",
    "RunInfo",
    "Sink",
    "SinkStatus",
    "StreamTally",
]


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class RunInfo:
    """What a sink records about the run alongside each cursor.

    Attributes:
        source: the base URL exported from (never credentials).
        include_comments: whether ticket events carry the comment sideload.
        started: when the run started (ISO 8601 UTC).
        since: where a stream without a stored cursor starts (epoch seconds): before it, a
            look-back has nothing to compare with.
        lookback: seconds each stream's look-back re-reads behind its cursor; the JSON Lines
            sinks remember that much of a stream to tell a re-read item from a new or changed
            one.
    """

    source: str | None
    include_comments: bool
    started: str = field(default_factory=_now_iso)
    since: int = 0
    lookback: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class SinkStatus:
    """What ``zendesk-events status`` shows.

    Attributes:
        target: the sink's target, passwords hidden.
        kind: ``sqlite``, ``postgresql`` or ``jsonl``.
        streams: the stored cursor (and last run) of each stream synced so far.
        counts: rows (lines) per table (stream).
    """

    target: str
    kind: str
    streams: list[StreamState]
    counts: dict[str, int]


@dataclass(frozen=True, slots=True)
class PreparedPage:
    """A page turned into what its sink writes (rows, lines), before any database or file I/O.

    Made by a sink's prepare function where the page was fetched (a thread or a child
    process), so this pure-Python work overlaps the writer's time inside the database.

    Attributes:
        stream: the page's stream.
        count: items in the page.
        payload: the sink's own form of the items (e.g. :class:`~zendesk_events.store.
            PreparedRows`, or JSON Lines).
    """

    stream: StreamName
    count: int
    payload: Any


PrepareFunction = Callable[[StreamName, list[dict[str, Any]]], PreparedPage]
"""A sink's ``prepare_page`` as a module-level function (a child process can run it)."""


@dataclass(frozen=True, slots=True)
class PageWrite:
    """What a sink stored of one page.

    Attributes:
        events: items stored: all of them, or on a page read again by a look-back only the
            new and the changed ones.
        late: of those, late arrivals: new items older than the look-back's frontier.
        late_worst: the greatest lateness among them (frontier minus item time), seconds.
        changed: items stored before and stored again because their content changed.
    """

    events: int
    late: int = 0
    late_worst: int = 0
    changed: int = 0

    @classmethod
    def classify(cls, new: list[tuple[int, int]], changed: int, frontier: int) -> PageWrite:
        """A look-back page's outcome from its new items' ``(id, time)`` and changed count."""
        behind = [frontier - ts for _, ts in new if ts < frontier]
        return cls(len(new) + changed, len(behind), max(behind, default=0), changed)


@dataclass(frozen=True, slots=True)
class StreamTally:
    """A stream's counters as a sink commits them with each cursor (this run's and all runs').

    Attributes:
        run_events: items stored in this run.
        late: what the look-backs found, totals over all runs plus this run's count.
    """

    run_events: int = 0
    late: LateTally = field(default_factory=LateTally)

    @classmethod
    def resumed(cls, state: StreamState | None) -> StreamTally:
        """The tally a run starts from: the stored totals, nothing yet this run."""
        if state is None:
            return cls()
        old = state.late
        return cls(0, LateTally(old.late, old.late_worst, old.changed, 0))

    def after(self, page: PageWrite) -> StreamTally:
        """The tally once ``page`` is committed."""
        old = self.late
        return StreamTally(
            self.run_events + page.events,
            LateTally(
                old.late + page.late,
                max(old.late_worst, page.late_worst),
                old.changed + page.changed,
                old.run_late + page.late,
            ),
        )


class Sink(ABC):
    """A destination that commits a page and its cursor atomically.

    Subclass it to write somewhere else: implement the abstract methods; :meth:`write_page`
    and the context manager come with it. The sync engine calls :meth:`claim` and
    :meth:`begin_run` once, then :meth:`cursor` per stream, then :meth:`write_prepared` per
    page; :meth:`close` at the end.
    """

    target: str
    """Where it writes (passwords hidden)."""
    resumable: bool
    """Whether it keeps a cursor (stdout does not)."""
    keeps_ticket_fields: bool = False
    """Whether :meth:`write_ticket_fields` stores anything (SQL stores do)."""

    def claim(self) -> None:  # noqa: B027 - a hook: most sinks hold no target to claim
        """Become the target's only writer, until :meth:`close` (or the process ends).

        Two runs writing into one target would interleave their pages and move each other's
        cursors. :func:`~zendesk_events.sync.run_sync` claims before it reads a cursor; the
        sinks here also claim on :meth:`begin_run` and on every write, so no writer goes
        without. Claiming again is free. Reading (:meth:`cursor`, :meth:`status`) needs no
        claim. Default: nothing to claim (stdout; a subclass that holds no target).

        Raises:
            TargetBusyError: another process holds the target (the message names it).
        """

    @abstractmethod
    def cursor(self, stream: StreamName) -> StreamState | None:
        """The stored cursor of ``stream``, or None if it was never synced here."""

    @abstractmethod
    def begin_run(self, run: RunInfo) -> None:
        """Note the run's source and options; written with every later cursor."""

    def revisit_floor(self, stream: StreamName) -> int | None:
        """The earliest time a look-back may re-read ``stream`` from; None: not at all.

        Before it the sink cannot tell an item it holds from a new one (a look-back there
        would count old items as late, or write them twice). Default: the stored
        ``revisit_from``, else 0 for a stream with a cursor (a store filled before the floor
        was recorded), else None.
        """
        state = self.cursor(stream)
        if state is None:
            return None
        return 0 if state.revisit_from is None else state.revisit_from

    @abstractmethod
    def prepare_function(self) -> PrepareFunction:
        """:meth:`prepare_page` as a module-level function, which a child process can run."""

    def prepare_page(self, stream: StreamName, items: list[dict[str, Any]]) -> PreparedPage:
        """The page in the form :meth:`write_prepared` takes (no I/O: safe in any thread)."""
        return self.prepare_function()(stream, items)

    @abstractmethod
    def write_prepared(
        self,
        page: PreparedPage,
        checkpoint: Checkpoint,
        *,
        caught_up: bool,
        frontier: int | None = None,
    ) -> PageWrite:
        """Store a prepared page and move the cursor to ``checkpoint``: all of it, or none.

        Args:
            page: from :meth:`prepare_page`.
            checkpoint: the stream's cursor after this page.
            caught_up: the page was the end of the stream.
            frontier: set on a page a look-back reads again: the cursor's time before the
                look-back. Only new and changed items are stored; new ones older than it are
                counted as late.
        """

    def write_page(
        self,
        stream: StreamName,
        items: list[dict[str, Any]],
        checkpoint: Checkpoint,
        *,
        caught_up: bool,
        frontier: int | None = None,
    ) -> PageWrite:
        """Store ``items`` and move the cursor to ``checkpoint``: all of it, or none of it."""
        return self.write_prepared(
            self.prepare_page(stream, items), checkpoint, caught_up=caught_up, frontier=frontier
        )

    def write_ticket_fields(self, fields: list[dict[str, Any]]) -> int:
        """Store the account's ticket fields (see :attr:`keeps_ticket_fields`); returns how
        many were stored."""
        return 0

    @abstractmethod
    def status(self) -> SinkStatus:
        """Cursors, counts and last runs."""

    @abstractmethod
    def close(self) -> None:
        """Release files and connections."""

    def __enter__(self) -> Sink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def no_state(target: str) -> ConfigError:
    """The error for asking a sink without state (stdout) for its status."""
    return ConfigError(f"{target} keeps no state: status needs a database or .jsonl file")
