"""A sync through injected faults (the emulator's /_emulator/faults) ends complete.

The server really answers 5xx, 429, slow and cut-off responses; the client retries what is
retriable (with its backoff on a FakeClock, so no real waiting), honours Retry-After exactly,
and the store ends identical to the server's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from synckit import assert_same_events, inject_faults

from zendesk_events.client import Wait
from zendesk_events.errors import ServerError
from zendesk_events.store import Store, open_store
from zendesk_events.sync import open_sink, run_sync
from zendesk_events.timeutil import FakeClock

BOTH = ["ticket_events", "ticket_metric_events"]


def _served(src: Any) -> dict[str, Any]:
    return dict(httpx.get(f"{src.url}/_emulator/faults").json())


def test_5xx_timeouts_and_cut_connections_are_retried_to_a_complete_store(
    source_store: Store, serve_source: Any, tmp_path: Path
) -> None:
    waits: list[Wait] = []
    clock = FakeClock()
    with serve_source(source_store, page_limit=250) as src:
        inject_faults(
            src,
            [
                {"status": 500},
                {"status": 502, "times": 2},
                {"status": 503},
                {"truncate": True},
                {"status": 504},
                {"delay": 1.0},  # longer than the client's timeout below
                {"truncate": True, "times": 2},
            ],
        )
        client = src.client(clock=clock, timeout=0.4, max_retries=12, on_wait=waits.append)
        sink = open_sink(str(tmp_path / "faulty.db"))
        run_sync(client, sink, streams=BOTH, since=0, include_comments=True)
        sink.close()
        client.close()
        state = _served(src)
    assert state["pending"] == [] and state["served"] == 9
    assert sum(w.reason == "retry" for w in waits) == 9
    with open_store(str(tmp_path / "faulty.db")) as got:
        assert_same_events(source_store, got, comments=True)


def test_a_forced_429_is_honoured_exactly(
    source_store: Store, serve_source: Any, tmp_path: Path
) -> None:
    clock = FakeClock()
    waits: list[Wait] = []
    with serve_source(source_store) as src:
        inject_faults(src, [{"status": 429, "retry_after": 37}])
        client = src.client(clock=clock, on_wait=waits.append)
        run_sync(client, open_sink(str(tmp_path / "limited.db")), streams=BOTH, since=0)
    limited = [w for w in waits if w.reason == "rate_limited"]
    assert [w.seconds for w in limited] == [37]
    assert 37 in clock.slept
    with open_store(str(tmp_path / "limited.db")) as got:
        assert_same_events(source_store, got, comments=False)


def test_endless_5xx_fail_clearly_and_a_later_run_completes(
    source_store: Store, serve_source: Any, tmp_path: Path
) -> None:
    target = str(tmp_path / "resumed.db")
    with serve_source(source_store, page_limit=500) as src:
        sink = open_sink(target)
        # the first page goes through, then more 503s than the client's retry budget
        client = src.client(clock=FakeClock(), max_retries=3)
        pages = iter(client.pages("ticket_events", 0))
        first = next(pages)
        sink.write_page("ticket_events", first.items, first.checkpoint, caught_up=False)
        inject_faults(src, [{"status": 503, "times": 4}])
        with pytest.raises(ServerError, match=r"503.*4 attempts|4 attempts.*503"):
            run_sync(client, sink, streams=BOTH, since=0)
        # nothing half-written: the next run resumes from the committed cursor and completes
        run_sync(src.client(clock=FakeClock()), sink, streams=BOTH, since=0)
        sink.close()
    with open_store(target) as got:
        assert_same_events(source_store, got, comments=False)
