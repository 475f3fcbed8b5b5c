"""--follow: events added to the server after the run caught up are picked up; stop ends it."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from synckit import EMAIL, NOW, inject_faults, metric_event, put, ticket_event

from zendesk_events.checkpoint import Checkpoint
from zendesk_events.client import ZendeskClient
from zendesk_events.errors import AuthenticationError
from zendesk_events.store import open_store
from zendesk_events.sync import (
    ClientRecipe,
    ProcessFetcher,
    SyncObserver,
    SyncReport,
    ThreadFetcher,
    open_sink,
    run_sync,
)


def test_follow_polls_until_stopped_and_takes_new_events(tmp_path: Path, serve_source: Any) -> None:
    target = str(tmp_path / "follow.db")
    polls = threading.Semaphore(0)

    class Observer(SyncObserver):
        def polling(self, seconds: float) -> None:
            polls.release()

    with open_store(str(tmp_path / "live.db")) as source:
        put(source, "ticket_events", [ticket_event(i, NOW - 5000 + i) for i in range(1, 50)])
        with serve_source(source, page_limit=20) as src:
            stop = threading.Event()
            result: list[SyncReport] = []
            errors: list[BaseException] = []
            sink = open_sink(target)

            def run() -> None:
                try:
                    result.append(
                        run_sync(
                            src.client(),
                            sink,
                            streams=["ticket_events", "ticket_metric_events"],
                            since=0,
                            follow=True,
                            poll_interval=0.05,
                            stop=stop,
                            progress=Observer(),
                        )
                    )
                except BaseException as exc:
                    errors.append(exc)

            thread = threading.Thread(target=run)
            thread.start()
            try:
                assert polls.acquire(timeout=20), "never caught up"
                # new events, older than the server's hold-back lag but after the cursor
                put(
                    source,
                    "ticket_events",
                    [ticket_event(i, NOW - 3000 + i) for i in range(100, 130)],
                )
                put(
                    source,
                    "ticket_metric_events",
                    [metric_event(i, NOW - 2000) for i in range(1, 4)],
                )
                # two more polls: the second starts only after the first has written the news
                assert polls.acquire(timeout=20) and polls.acquire(timeout=20)
            finally:
                stop.set()
                thread.join(timeout=20)
            sink.close()
    assert not errors, errors
    (report,) = result
    assert report.stopped
    assert report.streams["ticket_events"].events == 49 + 30
    assert report.streams["ticket_metric_events"].events == 3
    with open_store(target) as synced:
        assert synced.events.counts()["ticket_events"] == 79
        state = synced.state.get("ticket_events")
        assert state is not None and state.caught_up
        assert state.checkpoint == Checkpoint(NOW - 3000 + 129, frozenset({129}))


def test_stop_while_waiting_for_a_page_ends_promptly(tmp_path: Path, serve_source: Any) -> None:
    """Stop set before any page arrives: nothing is written, the report says stopped."""
    with open_store(str(tmp_path / "src.db")) as source:
        put(source, "ticket_events", [ticket_event(1, NOW - 5000)])
        with serve_source(source) as src:
            stop = threading.Event()
            stop.set()
            sink = open_sink(str(tmp_path / "t.db"))
            report = run_sync(src.client(), sink, streams=["ticket_events"], since=0, stop=stop)
            assert report.stopped and report.events_total == 0
            assert sink.cursor("ticket_events") is None
            sink.close()


@pytest.mark.parametrize("fetcher", ["thread", "process"])
def test_stop_during_a_rate_limit_wait_returns_without_waiting_it_out(
    tmp_path: Path, serve_source: Any, fetcher: str
) -> None:
    """The fetcher (thread or child process) sleeps for the server's hour-long window; stop
    ends the run anyway."""
    waits: list[Any] = []
    stop = threading.Event()

    class StopAfterFirstPage(SyncObserver):
        def page_written(self, stream: str, n: int, cp: Checkpoint, caught_up: bool) -> None:
            stop.set()

    with open_store(str(tmp_path / "src.db")) as source:
        put(source, "ticket_events", [ticket_event(i, NOW - 5000 + i) for i in range(1, 40)])
        with serve_source(
            source, page_limit=10, export_rate_limit=1, export_rate_window=3600
        ) as src:
            sink = open_sink(str(tmp_path / "t.db"))
            result: list[SyncReport] = []
            thread = threading.Thread(
                target=lambda: result.append(
                    run_sync(
                        src.client(on_wait=waits.append),
                        sink,
                        streams=["ticket_events"],
                        since=0,
                        stop=stop,
                        progress=StopAfterFirstPage(),
                        fetcher=ThreadFetcher()
                        if fetcher == "thread"
                        else ProcessFetcher(
                            ClientRecipe(base_url=src.url, email=EMAIL, token=src.token)
                        ),
                    )
                ),
                daemon=True,
            )
            thread.start()
            thread.join(timeout=60)  # a hang would last the hour
            assert not thread.is_alive(), "run_sync waited out the rate limit after stop"
            sink.close()
    (report,) = result
    assert report.stopped and report.events_total == 10
    if fetcher == "thread":  # the thread announces its wait at once; the child's may be unread
        assert waits and waits[0].seconds > 60


def test_follow_waits_out_retriable_failures_and_goes_on(tmp_path: Path, serve_source: Any) -> None:
    """503s beyond the client's retries: the follow loop waits (doubling) and tries again;
    the run neither ends nor loses anything."""
    retries: list[tuple[str, float]] = []
    polls = threading.Semaphore(0)

    class Observer(SyncObserver):
        def retrying(self, error: Any, seconds: float) -> None:
            retries.append((type(error).__name__, seconds))

        def polling(self, seconds: float) -> None:
            polls.release()

    with open_store(str(tmp_path / "src.db")) as source:
        put(source, "ticket_events", [ticket_event(i, NOW - 5000 + i) for i in range(1, 30)])
        with serve_source(source) as src, src.client(max_retries=0) as client:
            inject_faults(src, [{"status": 503, "times": 3}])
            stop = threading.Event()
            result: list[SyncReport] = []
            with open_sink(str(tmp_path / "t.db")) as sink:
                thread = threading.Thread(
                    target=lambda: result.append(
                        run_sync(
                            client,
                            sink,
                            streams=["ticket_events"],
                            since=0,
                            follow=True,
                            poll_interval=0.05,
                            stop=stop,
                            progress=Observer(),
                        )
                    )
                )
                thread.start()
                try:
                    assert polls.acquire(timeout=30), "never caught up"
                finally:
                    stop.set()
                    thread.join(timeout=30)
    (report,) = result
    assert retries == [("ServerError", 0.05), ("ServerError", 0.1), ("ServerError", 0.2)]
    assert report.streams["ticket_events"].events == 29 and report.stopped


def test_follow_still_ends_on_a_refusal(tmp_path: Path, serve_source: Any) -> None:
    with open_store(str(tmp_path / "src.db")) as source:
        put(source, "ticket_events", [ticket_event(1, NOW - 5000)])
        with (
            serve_source(source) as src,
            ZendeskClient(base_url=src.url, email=EMAIL, token="wrong") as client,
            open_sink(str(tmp_path / "t.db")) as sink,
            pytest.raises(AuthenticationError),
        ):
            run_sync(client, sink, streams=["ticket_events"], since=0, follow=True)
