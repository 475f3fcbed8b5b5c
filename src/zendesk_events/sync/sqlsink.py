"""The SQL sink: pages into a store (SQLite or PostgreSQL), the schema the server serves.

A synced store can be served back as a mirror. Rows and cursor share one transaction, and one
sync at a time writes (:meth:`SqlSink.claim`: a lock beside a SQLite file, an advisory lock in
a PostgreSQL schema; ``serve`` and ``analyze`` may read and write their own tables meanwhile,
transaction by transaction). A metric
event is written with ``visible_at`` = when it was written (a mirror serves what it has synced,
from then on); a row stored again unchanged keeps its old time (the store's upsert sees to it).
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from zendesk_events.checkpoint import Checkpoint
from zendesk_events.errors import StoreError
from zendesk_events.events import StreamName
from zendesk_events.store import EventStore, Store, StreamState, TargetLock
from zendesk_events.sync.sink import (
    PageWrite,
    PreparedPage,
    PrepareFunction,
    RunInfo,
    Sink,
    SinkStatus,
    StreamTally,
)
from zendesk_events.timeutil import Clock, SystemClock

__all__ = ["SqlSink", "prepare_rows"]


def prepare_rows(stream: StreamName, items: list[dict[str, Any]]) -> PreparedPage:
    """A page's rows for :class:`SqlSink` (a plain function: the fetcher process calls it)."""
    return PreparedPage(stream, len(items), EventStore.prepare(stream, items))


class SqlSink(Sink):
    """Writes into a store (SQLite or PostgreSQL).

    Args:
        store: an open store.
        owned: close the store on :meth:`close`.
        clock: the time written as metric events' ``visible_at`` (tests pass a FakeClock).
        lock: the hold on ``store`` already taken (see :func:`~zendesk_events.sync.open_sink`'s
            ``claim``), released on :meth:`close`; None: :meth:`claim` takes one.
    """

    resumable = True
    keeps_ticket_fields = True

    def __init__(
        self,
        store: Store,
        *,
        owned: bool = True,
        clock: Clock | None = None,
        lock: TargetLock | None = None,
    ) -> None:
        self.store = store
        self.target = store.url
        self._owned = owned
        self._clock: Clock = clock or SystemClock()
        self._run = RunInfo(None, False)
        self._tallies: dict[str, StreamTally] = {}
        self._floors: dict[str, int | None] = {}
        self._began = False
        self._lock: TargetLock | None = lock
        self._claimed = lock is not None and lock.held

    def claim(self) -> None:
        """Hold the store (its SQLite file, or its PostgreSQL database and schema) for this
        sink's writes until :meth:`close`; see :mod:`~zendesk_events.store.targetlock`."""
        if self._claimed:
            return
        lock = self.store.writer_lock()
        if lock is not None:
            lock.acquire()
        self._lock, self._claimed = lock, True

    def _holding(self) -> None:
        self.claim()
        if self._lock is not None:
            self._lock.check()

    def prepare_function(self) -> PrepareFunction:
        return prepare_rows

    def cursor(self, stream: StreamName) -> StreamState | None:
        return self.store.state.get(stream)

    def begin_run(self, run: RunInfo) -> None:
        self.claim()
        self._run = run
        self._tallies = {}
        self._floors = {}
        self._began = True
        # A first backfill loads without the per-ticket indexes and builds them once at the
        # end (store.indexes says why); a resumed one goes on without them.
        self.store.lookup_indexes.defer_if_empty()

    def _tally(self, stream: StreamName) -> tuple[StreamTally, int | None]:
        if stream not in self._tallies:
            state = self.cursor(stream)
            self._tallies[stream] = StreamTally.resumed(state)
            # A stream synced for the first time can be looked back on from where it started.
            self._floors[stream] = self._run.since if state is None else state.revisit_from
        return self._tallies[stream], self._floors[stream]

    def write_prepared(
        self,
        page: PreparedPage,
        checkpoint: Checkpoint,
        *,
        caught_up: bool,
        frontier: int | None = None,
    ) -> PageWrite:
        """Rows and cursor, one commit (not flushed at once on PostgreSQL: see
        :meth:`~zendesk_events.store.Database.transaction`; a lost commit is fetched again)."""
        self._holding()
        run = self._run
        stream = page.stream
        tally, floor = self._tally(stream)
        now = int(self._clock.now())
        with self.store.db.transaction(durable=False) as tx:
            if frontier is None:
                self.store.events.write(tx, page.payload, visible_at=now)
                written = PageWrite(page.count)
            else:
                merged = self.store.events.merge(tx, page.payload, visible_at=now)
                written = PageWrite.classify(merged.new, merged.changed, frontier)
            after = tally.after(written)
            self.store.state.put(
                tx,
                stream,
                checkpoint,
                source=run.source,
                include_comments=run.include_comments,
                caught_up=caught_up,
                run_started=run.started,
                run_events=after.run_events,
                revisit_from=floor,
                late=after.late,
            )
        # Counted only once committed, so a failed page is not reported as stored.
        self._tallies[stream] = after
        if caught_up and stream == "ticket_events":
            self.store.lookup_indexes.build()
        return written

    def write_ticket_fields(self, fields: list[dict[str, Any]]) -> int:
        """Replace the stored ticket fields with ``fields`` (id by id; others are kept)."""
        self._holding()
        with self.store.db.transaction() as tx:
            return self.store.account.put(tx, "ticket_fields", fields)

    def status(self) -> SinkStatus:
        counts = self.store.events.counts()
        counts["ticket_fields"] = len(self.store.account.raw("ticket_fields"))
        return SinkStatus(self.target, self.store.db.dialect, self.store.state.all(), counts)

    def close(self) -> None:
        try:
            if self._began:
                # After an error too: the store stays fully indexed whenever we can. If this
                # fails as well, the record stays and the next run builds them.
                with suppress(StoreError):
                    self.store.lookup_indexes.build()
        finally:
            lock, self._lock, self._claimed = self._lock, None, False
            try:
                if lock is not None:
                    lock.release()
            finally:
                if self._owned:
                    self.store.close()
