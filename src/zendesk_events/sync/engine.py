"""The sync loop: pages from the client into a sink, each page committed with its cursor.

Exactly-once rests on two things: the client drops the boundary duplicates named by the
cursor it starts from, and the sink commits a page's items together with the cursor after them
(one transaction, or the JSON Lines commit protocol). A crash anywhere loses at most the
uncommitted page, which the next run fetches again from the committed cursor.

Each pass over a stream reads from its cursor (or, with a look-back, from a window behind it:
:mod:`zendesk_events.sync.lookback`) to the end of the stream. Pages are fetched and prepared
by the caller's :class:`~zendesk_events.sync.fetching.Fetcher` (a thread by default) while this
thread writes; nothing else is chosen here.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

from zendesk_events.checkpoint import Checkpoint
from zendesk_events.client import ZendeskClient
from zendesk_events.errors import (
    ApiError,
    AuthenticationError,
    ConfigError,
    NotFoundError,
    PaginationError,
    PermissionDeniedError,
    TransportError,
    ZendeskEventsError,
)
from zendesk_events.events import STREAMS, StreamName
from zendesk_events.store import redact_url
from zendesk_events.sync.fetching import Fetcher, FetchJob, PageSource, ThreadFetcher
from zendesk_events.sync.lookback import Lookback, PassPlan, ahead, plan_pass
from zendesk_events.sync.report import StreamReport, SyncObserver, SyncReport
from zendesk_events.sync.sink import PageWrite, RunInfo, Sink
from zendesk_events.timeutil import Clock, SystemClock

__all__ = [
    "MAX_FOLLOW_BACKOFF",
    "TICKET_FIELDS_REFRESH",
    "FieldSource",
    "run_sync",
]

MAX_FOLLOW_BACKOFF = 900.0
"""Longest wait between tries after retriable failures in follow mode, seconds."""

TICKET_FIELDS_REFRESH = 3600.0
"""Follow mode reads the ticket fields again this often, seconds (they change rarely)."""

COSTLY_LOOKBACK = 3
"""Pages a look-back may read again in one pass before the run notes what ``trail`` saves."""


@runtime_checkable
class FieldSource(Protocol):
    """A client that can list the account's ticket fields (``ZendeskClient`` does)."""

    def ticket_fields(self) -> list[dict[str, Any]]:
        """Every ticket field, as served."""
        ...


@dataclass(slots=True)
class _Run:
    """What every pass of one run shares."""

    client: PageSource
    sink: Sink
    include_comments: bool
    until: int | None
    stop: threading.Event
    observer: SyncObserver
    clock: Clock
    fetcher: Fetcher
    lookback: Lookback
    report: SyncReport
    noted: set[str]


def run_sync(
    client: PageSource,
    sink: Sink,
    *,
    streams: Iterable[str],
    since: int,
    until: int | None = None,
    include_comments: bool = False,
    follow: bool = False,
    poll_interval: float = 60.0,
    stop: threading.Event | None = None,
    progress: SyncObserver | None = None,
    clock: Clock | None = None,
    source: str | None = None,
    fetcher: Fetcher | None = None,
    lookback: Lookback | None = None,
    ticket_fields: bool = False,
) -> SyncReport:
    """Export ``streams`` from ``client`` into ``sink``, resuming from the sink's cursors.

    The sink is claimed first (:meth:`~zendesk_events.sync.Sink.claim`): one run writes into
    a target at a time, and it holds the target until the sink is closed (so a ``follow`` run
    holds it for its whole life). Each stream starts from the sink's stored cursor when there
    is one (``since`` is then ignored), else from ``since``. Every page is committed with
    its cursor in one step, so the run can be killed at any moment and rerun without losing
    or repeating an item. A stream
    with a look-back re-reads that window behind its cursor on every pass, storing what is
    new or changed there (late, back-dated metric events; breaches turned ``deleted``).

    Args:
        client: the page source (a ``ZendeskClient``).
        sink: where to write (see :func:`~zendesk_events.sync.open_sink`).
        streams: names from :data:`~zendesk_events.events.STREAMS`, synced in this order.
        since: first ``start_time`` (epoch seconds) of a stream with no stored cursor.
        until: stop at this epoch second (passed to the client); None = up to now.
        include_comments: ask for ``include=comment_events`` on ticket events.
        follow: after catching up, poll every ``poll_interval`` seconds until ``stop`` is set;
            a retriable failure (rate limit, 5xx, network, after the client's own retries)
            is tried again after a growing wait instead of ending the run.
        poll_interval: seconds between polls in follow mode.
        stop: set it (e.g. from a SIGINT handler) to end the run after the page being written;
            nothing is left half-written.
        progress: receives progress (see :class:`SyncObserver`).
        clock: "now" for the run (trailing look-back, ticket field refresh; tests pass a
            FakeClock).
        source: the base URL recorded with the cursor (credentials are removed); defaults to
            a ``ZendeskClient``'s ``base_url``.
        fetcher: how pages are fetched while this thread writes: a
            :class:`~zendesk_events.sync.ThreadFetcher` (the default) or a
            :class:`~zendesk_events.sync.ProcessFetcher` (faster for long backfills).
        lookback: how far behind its cursor each stream is read again (default
            :data:`~zendesk_events.sync.DEFAULT_LOOKBACK`: 30 minutes of metric events).
        ticket_fields: also read the account's ticket fields into the sink, if it keeps them
            (``client`` must have ``ticket_fields()``); a refusal is a note, not an error.

    Returns:
        What each stream did.

    Raises:
        ConfigError: an unknown stream name, a negative ``since``/``poll_interval``, or
            ``ticket_fields`` with a client that cannot list them.
        TargetBusyError: another run writes into the sink's target; nothing was written.
        ZendeskEventsError: whatever the client or sink raised (the committed pages stay).
    """
    names = _check_streams(streams)
    if since < 0:
        raise ConfigError("since must be an epoch second >= 0")
    if poll_interval < 0:
        raise ConfigError("poll_interval must be >= 0")
    if ticket_fields and sink.keeps_ticket_fields and not isinstance(client, FieldSource):
        raise ConfigError("ticket_fields=True needs a client with ticket_fields()")
    the_clock = clock or SystemClock()
    the_lookback = lookback or Lookback()
    report = SyncReport()
    run = _Run(
        client,
        sink,
        include_comments,
        until,
        stop or threading.Event(),
        progress or SyncObserver(),
        the_clock,
        fetcher or ThreadFetcher(),
        the_lookback,
        report,
        set(),
    )
    # Before any cursor is read: another run into this target would interleave with ours.
    sink.claim()
    if source is None and isinstance(client, ZendeskClient):
        source = client.base_url
    started = datetime.fromtimestamp(the_clock.now(), tz=UTC).isoformat(timespec="seconds")
    run_source = None if source is None else redact_url(source)
    # Trailing never reads a second twice: the sinks need no memory of the window.
    remember = {} if the_lookback.trail else the_lookback.per_stream()
    sink.begin_run(RunInfo(run_source, include_comments, started, since, remember))
    t0 = time.perf_counter()
    try:
        for name in names:
            report.streams[name] = _start(sink, name, since)
            _remember_note(report, run, _start_notes(sink, name, include_comments, run_source))
        fields_due = the_clock.now() if ticket_fields else None
        failures = 0
        while True:
            try:
                for name in names:
                    if run.stop.is_set():
                        break
                    state = report.streams[name]
                    run.observer.stream_started(
                        name, state.cursor, state.resumed or state.pages > 0
                    )
                    _sync_stream(run, state)
                failures = 0
            except ZendeskEventsError as exc:
                if not (follow and exc.retriable) or run.stop.is_set():
                    raise
                failures += 1
                base = poll_interval if poll_interval > 0 else 1.0
                wait = min(MAX_FOLLOW_BACKOFF, base * 2.0 ** (failures - 1))
                run.observer.retrying(exc, wait)
                if run.stop.wait(wait):
                    report.stopped = True
                    break
                continue
            if run.stop.is_set():
                report.stopped = True
                break
            # After the events, which matter more: a refusal here never holds them up.
            if fields_due is not None and the_clock.now() >= fields_due:
                _read_ticket_fields(run, report)
                fields_due = the_clock.now() + TICKET_FIELDS_REFRESH
            if not follow:
                break
            run.observer.polling(poll_interval)
            if run.stop.wait(poll_interval):
                report.stopped = True
                break
    finally:
        report.seconds = time.perf_counter() - t0
    return report


def _check_streams(streams: Iterable[str]) -> list[StreamName]:
    names: list[StreamName] = []
    for name in streams:
        if name not in STREAMS:
            raise ConfigError(f"unknown stream {name!r}: use one of {', '.join(STREAMS)}")
        spec = STREAMS[name]
        if spec.name not in names:
            names.append(spec.name)
    if not names:
        raise ConfigError("no stream to sync")
    return names


def _start(sink: Sink, name: StreamName, since: int) -> StreamReport:
    stored = sink.cursor(name)
    if stored is None:
        start = Checkpoint(since)
        return StreamReport(name, start, start, resumed=False)
    return StreamReport(name, stored.checkpoint, stored.checkpoint, resumed=True)


def _start_notes(
    sink: Sink, name: StreamName, include_comments: bool, source: str | None
) -> list[str]:
    stored = sink.cursor(name)
    if stored is None:
        return []
    notes = []
    if name == "ticket_events" and stored.include_comments != include_comments:
        was = "with" if stored.include_comments else "without"
        now = "with" if include_comments else "without"
        notes.append(
            f"{name}: the stored cursor was synced {was} comment_events, this run is {now}; "
            f"continuing (events before the cursor stay as they were synced)"
        )
    if stored.source and source and stored.source.rstrip("/") != source.rstrip("/"):
        # Not refused: a mirror of the same account is a legitimate second source.
        notes.append(
            f"{name}: the stored cursor came from {stored.source}, this run reads {source}; "
            "continuing from the cursor"
        )
    return notes


def _remember_note(report: SyncReport, run: _Run, messages: list[str]) -> None:
    for message in messages:
        report.notes.append(message)
        run.observer.note(message)


def _plan(run: _Run, state: StreamReport) -> PassPlan:
    """Where this pass over ``state``'s stream reads (see :func:`~.lookback.plan_pass`)."""
    seen_before = state.resumed or state.pages > 0
    return plan_pass(
        state.cursor,
        lookback=run.lookback.of(state.stream),
        trail=run.lookback.trail,
        floor=run.sink.revisit_floor(state.stream) if seen_before else None,
        until=run.until,
        now=run.clock.now(),
    )


def _sync_stream(run: _Run, state: StreamReport) -> None:
    """One pass over a stream: from its cursor (or a look-back behind it) to the end."""
    t0 = time.perf_counter()
    plan = _plan(run, state)
    comments = run.include_comments and state.stream == "ticket_events"
    job = FetchJob(state.stream, plan.start, comments, plan.until, run.sink.prepare_function())
    frontier = plan.frontier
    reread_before = state.reread
    try:
        with run.fetcher.fetch(run.client, job, run.stop) as pages:
            for page in pages:
                reread = frontier is not None and page.start_time <= frontier.start_time
                checkpoint = (
                    page.checkpoint if frontier is None else ahead(frontier, page.checkpoint)
                )
                caught_up = page.end_of_stream or (
                    plan.edge is not None and checkpoint.start_time >= plan.edge
                )
                written = run.sink.write_prepared(
                    page.prepared,
                    checkpoint,
                    caught_up=caught_up,
                    frontier=frontier.start_time if reread and frontier is not None else None,
                )
                _account(run, state, written, checkpoint, caught_up, reread)
                # No break when caught up: the fetcher ends the pass itself, and a child
                # process still has its rate-limit budget to hand back.
                if run.stop.is_set():
                    break
        if plan.edge is not None and state.cursor.start_time >= plan.edge:
            state.caught_up = True  # trailing: at the edge, nothing to ask for yet
        _note_costly_lookback(run, state, state.reread - reread_before)
    finally:
        state.seconds += time.perf_counter() - t0


def _note_costly_lookback(run: _Run, state: StreamReport, pages: int) -> None:
    """Once a run: say what a look-back of many pages costs, and the alternative."""
    if pages < COSTLY_LOOKBACK or state.stream in run.noted:
        return
    run.noted.add(state.stream)
    window = run.lookback.of(state.stream)
    _remember_note(
        run.report,
        run,
        [
            f"{state.stream}: reading the {window // 60}-minute look-back again took {pages} "
            "requests in this pass (in --follow, every poll); --trail needs none, but rows "
            f"then arrive {window // 60} minutes later"
        ],
    )


def _account(
    run: _Run,
    state: StreamReport,
    written: PageWrite,
    checkpoint: Checkpoint,
    caught_up: bool,
    reread: bool,
) -> None:
    """Account for a committed page and tell the observer."""
    state.cursor = checkpoint
    state.events += written.events
    state.pages += 1
    state.caught_up = caught_up
    if reread:
        state.reread += 1
    if written.late or written.changed:
        state.late += written.late
        state.late_worst = max(state.late_worst, written.late_worst)
        state.changed += written.changed
        run.observer.late_found(state.stream, written.late, written.late_worst, written.changed)
    run.observer.page_written(state.stream, written.events, checkpoint, caught_up)


def _read_ticket_fields(run: _Run, report: SyncReport) -> None:
    """Read the ticket fields into the sink; a failure is a note and the sync goes on."""
    if not run.sink.keeps_ticket_fields:
        return
    client = run.client
    assert isinstance(client, FieldSource)
    try:
        fields = client.ticket_fields()
    except (ApiError, TransportError, PaginationError) as exc:
        _remember_note(report, run, [_fields_refused(exc)])
        return
    report.ticket_fields = run.sink.write_ticket_fields(fields)


def _fields_refused(exc: ZendeskEventsError) -> str:
    after = "; the sync goes on (field changes keep their field ids; --no-ticket-fields skips it)"
    if isinstance(exc, NotFoundError):
        return f"ticket fields not read: {exc.url or 'the server'} answered 404{after}"
    if isinstance(exc, AuthenticationError | PermissionDeniedError):
        return (
            f"ticket fields not read: these credentials may not list them "
            f"({exc.status}) [{exc.url}]{after}"
        )
    return f"ticket fields not read this time: {exc}{after}"
