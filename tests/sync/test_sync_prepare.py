"""Rows are built in the prefetch thread; a page that cannot be built is not written at all."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from synckit import ticket_event

from zendesk_events.checkpoint import Checkpoint
from zendesk_events.client import PageResult
from zendesk_events.errors import PaginationError
from zendesk_events.events import ExportPage, StreamName
from zendesk_events.sync import PageWrite, PreparedPage, SqlSink, open_sink, run_sync
from zendesk_events.sync.sink import PrepareFunction
from zendesk_events.sync.sqlsink import prepare_rows

SinkT = TypeVar("SinkT", bound=SqlSink)


class Pages:
    """A page source that serves fixed pages of ticket events (no HTTP)."""

    def __init__(self, pages: list[list[dict[str, Any]]]) -> None:
        self._pages = pages

    def pages(
        self,
        stream: StreamName,
        start: int | Checkpoint,
        *,
        include_comments: bool = False,
        until: int | None = None,
    ) -> Iterator[PageResult]:
        for n, items in enumerate(self._pages):
            last = n == len(self._pages) - 1
            end = int(items[-1]["timestamp"]) + 1
            page = ExportPage(
                stream=stream,
                start_time=0,
                items=items,
                count=len(items),
                end_time=end,
                end_of_stream=last,
                next_page=None,
                next_start_time=end,
            )
            yield PageResult(page, items, Checkpoint(end))


class Recording(SqlSink):
    """Notes the thread each page is prepared in."""

    threads: list[str]

    def prepare_function(self) -> PrepareFunction:
        def recording(stream: StreamName, items: list[dict[str, Any]]) -> PreparedPage:
            self.threads.append(threading.current_thread().name)
            return prepare_rows(stream, items)

        return recording


def _sink(path: Path) -> Recording:
    sink = _over(Recording, path)
    sink.threads = []
    return sink


def _over(cls: type[SinkT], path: Path) -> SinkT:
    """A ``cls`` sink over the SQLite file ``path``."""
    plain = open_sink(str(path))
    assert isinstance(plain, SqlSink)
    return cls(plain.store)


def test_rows_are_prepared_off_the_writing_thread(tmp_path: Path) -> None:
    sink = _sink(tmp_path / "t.db")
    pages = [[ticket_event(i, 100 + i)] for i in range(1, 5)]
    report = run_sync(Pages(pages), sink, streams=["ticket_events"], since=0)
    assert report.events_total == 4
    assert sink.threads == ["zendesk-events-prefetch"] * 4
    assert sink.status().counts["ticket_events"] == 4
    sink.close()


def test_a_page_that_cannot_be_prepared_fails_the_run_and_writes_nothing(tmp_path: Path) -> None:
    """A page source that lets a malformed item through (the client would not): one clear
    error naming the page, not a KeyError from deep inside, and nothing of the page stored."""
    sink = _sink(tmp_path / "t.db")
    pages = [[ticket_event(1, 101)], [ticket_event(2, 102), {"id": 3, "timestamp": 103}]]
    with pytest.raises(PaginationError, match=r"cannot store a page of ticket_events.*ticket_id"):
        run_sync(Pages(pages), sink, streams=["ticket_events"], since=0)
    status = sink.status()
    (state,) = status.streams
    assert state.checkpoint == Checkpoint(102)  # the first page's cursor, with its one event
    assert status.counts["ticket_events"] == 1 == state.last_run_events
    sink.close()


class Watching(SqlSink):
    """Notes, for each page written, whether the lookup indexes were deferred."""

    deferred: list[bool]

    def write_prepared(
        self,
        page: PreparedPage,
        checkpoint: Checkpoint,
        *,
        caught_up: bool,
        frontier: int | None = None,
    ) -> PageWrite:
        self.deferred.append(self.store.lookup_indexes.deferred)
        return super().write_prepared(page, checkpoint, caught_up=caught_up, frontier=frontier)


def _watching(path: Path) -> Watching:
    sink = _over(Watching, path)
    sink.deferred = []
    return sink


def test_first_backfill_defers_lookup_indexes_until_caught_up(tmp_path: Path) -> None:
    sink = _watching(tmp_path / "t.db")
    pages = [[ticket_event(i, 100 + i)] for i in range(1, 4)]
    run_sync(Pages(pages), sink, streams=["ticket_events"], since=0)
    assert sink.deferred == [True, True, True]
    assert not sink.store.lookup_indexes.deferred  # built at the caught-up page
    sink.close()
    # A later, incremental run into the filled store never drops them.
    again = _watching(tmp_path / "t.db")
    run_sync(Pages([[ticket_event(9, 200)]]), again, streams=["ticket_events"], since=0)
    assert again.deferred == [False]
    again.close()


def test_failed_backfill_still_leaves_the_store_indexed(tmp_path: Path) -> None:
    sink = _watching(tmp_path / "t.db")
    pages = [[ticket_event(1, 101)], [{"id": 3, "timestamp": 103}]]
    with pytest.raises(PaginationError):
        run_sync(Pages(pages), sink, streams=["ticket_events"], since=0)
    assert sink.store.lookup_indexes.deferred
    sink.close()  # closing after a run builds them
    reopened = open_sink(str(tmp_path / "t.db"), create=False)
    assert isinstance(reopened, SqlSink) and not reopened.store.lookup_indexes.deferred
    reopened.close()


def test_status_does_not_build_a_deferred_index(tmp_path: Path) -> None:
    sink = _watching(tmp_path / "t.db")
    sink.store.lookup_indexes.defer_if_empty()  # as a killed backfill leaves it
    sink.close()  # no run began: nothing to build
    reader = open_sink(str(tmp_path / "t.db"))
    assert isinstance(reader, SqlSink)
    reader.status()
    reader.close()
    check = open_sink(str(tmp_path / "t.db"))
    assert isinstance(check, SqlSink) and check.store.lookup_indexes.deferred
    check.close()
