"""run_sync against the real server: event-for-event copies, resume, no-op reruns, errors."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from synckit import (
    SAME_SECOND,
    assert_same_events,
    jsonl_items,
    served_items,
    table,
)

from zendesk_events.checkpoint import Checkpoint
from zendesk_events.errors import AuthenticationError, ConfigError
from zendesk_events.events import STREAMS
from zendesk_events.store import Store, open_store
from zendesk_events.sync import SyncObserver, open_sink, run_sync

BOTH = list(STREAMS)


def _total(store: Store) -> int:
    counts = store.events.counts()
    return counts["ticket_events"] + counts["ticket_metric_events"]


def test_sync_copies_both_streams_event_for_event_and_rerun_is_a_noop(
    source_store: Store, serve_source: Any, store_url: str
) -> None:
    with serve_source(source_store) as src:
        client = src.client()
        sink = open_sink(store_url)
        first = run_sync(client, sink, streams=BOTH, since=0, include_comments=True)
        again = run_sync(client, sink, streams=BOTH, since=0, include_comments=True)
        sink.close()
        client.close()
    assert first.events_total == _total(source_store)
    assert all(r.caught_up and not r.resumed for r in first.streams.values())
    # the rerun resumes from the stored cursor and takes nothing
    assert again.events_total == 0
    assert all(r.resumed and r.caught_up for r in again.streams.values())
    assert again.streams["ticket_events"].start == first.streams["ticket_events"].cursor
    with open_store(store_url) as target:
        assert_same_events(source_store, target, comments=True)
        state = target.state.get("ticket_events")
        assert state is not None
        assert state.source == src.url and state.include_comments and state.caught_up


def test_without_the_sideload_comments_stay_out(
    source_store: Store, serve_source: Any, tmp_path: Path
) -> None:
    target = str(tmp_path / "plain.db")
    with serve_source(source_store, page_limit=300) as src, open_sink(target) as sink:
        run_sync(src.client(), sink, streams=BOTH, since=0)
    with open_store(target) as store:
        assert_same_events(source_store, store, comments=False)
        assert set(table(store, "ticket_events_comments").values()) == {None}


def test_small_pages_into_jsonl_take_every_item_exactly_once(
    source_store: Store, serve_source: Any, tmp_path: Path
) -> None:
    path = tmp_path / "events.jsonl"
    with serve_source(source_store, page_limit=150) as src:
        sink = open_sink(str(path))
        report = run_sync(src.client(), sink, streams=BOTH, since=0, include_comments=True)
        again = run_sync(src.client(), sink, streams=BOTH, since=0, include_comments=True)
        sink.close()
    assert report.streams["ticket_events"].pages > 10
    assert again.events_total == 0
    got = jsonl_items(path)
    for stream in BOTH:
        ids = [i["id"] for i in got[stream]]
        assert len(ids) == len(set(ids)), f"{stream}: an item was written twice"
        assert {i["id"]: i for i in got[stream]} == served_items(
            source_store, stream, comments=True
        )


def test_since_applies_to_the_first_run_only(
    source_store: Store, serve_source: Any, tmp_path: Path
) -> None:
    target = str(tmp_path / "since.db")
    with serve_source(source_store) as src:
        sink = open_sink(target)
        run_sync(src.client(), sink, streams=["ticket_events"], since=SAME_SECOND)
        later = run_sync(src.client(), sink, streams=["ticket_events"], since=0)
        sink.close()
    assert later.events_total == 0
    with open_store(target) as store:
        timestamps = {r[0] for r in store.db.query("SELECT timestamp FROM ticket_events")}
        assert min(timestamps) == SAME_SECOND
        assert store.events.counts()["ticket_metric_events"] == 0
        (want,) = source_store.db.query(
            "SELECT COUNT(*) FROM ticket_events WHERE timestamp >= ?", (SAME_SECOND,)
        )[0]
        assert store.events.counts()["ticket_events"] == want


def test_a_cursor_stored_with_other_options_is_continued_with_a_note(
    source_store: Store, serve_source: Any, tmp_path: Path
) -> None:
    target = str(tmp_path / "note.db")
    notes: list[str] = []

    class Observer(SyncObserver):
        def note(self, message: str) -> None:
            notes.append(message)

    with serve_source(source_store) as src:
        sink = open_sink(target)
        run_sync(src.client(), sink, streams=["ticket_events"], since=0, include_comments=True)
        report = run_sync(
            src.client(), sink, streams=["ticket_events"], since=0, progress=Observer()
        )
        other = run_sync(
            src.client(),
            sink,
            streams=["ticket_events"],
            since=0,
            source="https://mirror.example.org",
        )
        sink.close()
    assert report.streams["ticket_events"].resumed
    assert len(notes) == 1 and "comment_events" in notes[0]
    assert report.notes == notes
    (note,) = other.notes
    assert src.url in note and "https://mirror.example.org" in note


def test_stop_ends_after_a_committed_page_and_the_next_run_takes_the_rest_once(
    source_store: Store, serve_source: Any, store_url: str
) -> None:
    stop = threading.Event()
    pages: list[Checkpoint] = []

    class StopAfterThree(SyncObserver):
        def page_written(self, stream: str, n: int, cp: Checkpoint, caught_up: bool) -> None:
            pages.append(cp)
            if len(pages) == 3:
                stop.set()

    with serve_source(source_store, page_limit=100) as src:
        sink = open_sink(store_url)
        first = run_sync(
            src.client(), sink, streams=BOTH, since=0, stop=stop, progress=StopAfterThree()
        )
        assert first.stopped and len(pages) == 3
        stored = sink.cursor("ticket_events")
        assert stored is not None and stored.checkpoint == pages[-1]
        assert sink.status().counts["ticket_events"] == first.events_total
        rest = run_sync(src.client(), sink, streams=BOTH, since=0)
        sink.close()
    # every item taken exactly once over the two runs (an upsert would hide a repeat)
    assert first.events_total + rest.events_total == _total(source_store)
    with open_store(store_url) as target:
        assert_same_events(source_store, target, comments=False)


def test_an_error_in_the_fetching_thread_reaches_the_caller_after_committed_pages(
    source_store: Store, serve_source: Any, tmp_path: Path
) -> None:
    target = str(tmp_path / "err.db")

    with serve_source(source_store, page_limit=100) as src:

        class RevokeAfterFirstPage(SyncObserver):
            def page_written(self, stream: str, n: int, cp: Checkpoint, caught_up: bool) -> None:
                with source_store.db.transaction() as tx:
                    tx.execute("DELETE FROM api_tokens")
                src.clock.advance(3600)  # past the server's cache of verified tokens

        sink = open_sink(target)
        with pytest.raises(AuthenticationError):
            run_sync(src.client(), sink, streams=BOTH, since=0, progress=RevokeAfterFirstPage())
        status = sink.status()
        sink.close()
    (state,) = status.streams
    # what was committed is consistent: cursor and rows moved together
    assert status.counts["ticket_events"] == state.last_run_events > 0
    assert status.counts["ticket_events"] < source_store.events.counts()["ticket_events"]


def test_bad_arguments_are_config_errors(tmp_path: Path) -> None:
    sink = open_sink(str(tmp_path / "x.db"))
    with pytest.raises(ConfigError, match="unknown stream"):
        run_sync(object(), sink, streams=["tickets"], since=0)  # type: ignore[arg-type]
    with pytest.raises(ConfigError):
        run_sync(object(), sink, streams=BOTH, since=-1)  # type: ignore[arg-type]
    sink.close()


def test_until_stops_the_cursor_there_and_a_later_run_continues_exactly(
    source_store: Store, serve_source: Any, tmp_path: Path
) -> None:
    path = tmp_path / "until.jsonl"
    with serve_source(source_store, page_limit=100) as src:
        sink = open_sink(str(path))
        first = run_sync(src.client(), sink, streams=BOTH, since=0, until=SAME_SECOND)
        state = sink.cursor("ticket_events")
        assert state is not None and state.checkpoint.start_time == SAME_SECOND
        assert not first.streams["ticket_events"].caught_up
        rest = run_sync(src.client(), sink, streams=BOTH, since=0)
        sink.close()
    got = jsonl_items(path)
    assert all(
        i["timestamp"] < SAME_SECOND
        for i in got["ticket_events"][: first.streams["ticket_events"].events]
    )
    assert first.events_total + rest.events_total == _total(source_store)
    for stream in BOTH:
        ids = [i["id"] for i in got[stream]]
        assert len(ids) == len(set(ids))
        assert {i["id"]: i for i in got[stream]} == served_items(source_store, stream)
