"""Ctrl-C at any moment of a real `zendesk-events sync`: a clean stop (exit 130, or 0 once it
stopped after its page), no traceback, and the store holds exactly the events up to its cursor:
nothing of a page half-written, nothing lost or repeated when the next run resumes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from synckit import EMAIL, put, ticket_event

from interrupts import assert_clean, delays, interrupt
from zendesk_events.checkpoint import Checkpoint
from zendesk_events.store import Store, open_store

T0 = 1_650_000_000


@pytest.fixture
def source(tmp_path: Path) -> Iterator[Store]:
    with open_store(str(tmp_path / "source.db")) as store:
        # many small pages, a second shared by more events than a page holds among them
        events = [ticket_event(n, T0 + n // 3) for n in range(1, 1501)]
        put(store, "ticket_events", events)
        yield store


def stored_ids(target: Path) -> tuple[set[int], Checkpoint | None]:
    with open_store(str(target)) as store:
        ids = {int(r[0]) for r in store.db.query("SELECT id FROM ticket_events")}
        states = store.state.all()
    return ids, (states[0].checkpoint if states else None)


def expected_ids(source: Store, cursor: Checkpoint | None) -> set[int]:
    """The source's events a store at ``cursor`` must hold: all before it, and the ids it
    says were taken at its second."""
    if cursor is None:
        return set()
    rows = source.db.query("SELECT id, timestamp FROM ticket_events")
    return {
        int(i)
        for i, ts in rows
        if ts < cursor.start_time or (ts == cursor.start_time and i in cursor.boundary_ids)
    }


@pytest.mark.slow
def test_ctrl_c_at_random_moments_stops_cleanly_and_loses_nothing(
    source: Store, serve_source: Any, tmp_path: Path
) -> None:
    target = tmp_path / "out.db"
    with serve_source(source, page_limit=20) as src:
        args = ["sync", "--url", src.url, "--email", EMAIL, "--to", str(target), "--quiet"]
        args += ["--stream", "ticket_events", "--lookback", "0", "--no-ticket-fields"]
        args += ["--since", str(T0), "--fetcher", "thread"]
        env = {"ZENDESK_API_TOKEN": src.token}
        runs = []
        for n, delay in enumerate(delays(30, seed=10)):
            # every fifth try presses Ctrl-C twice: the second aborts the page being written
            again = 0.05 if n % 5 == 4 else None
            run = interrupt(args, delay, again=again, env=env)
            runs.append(run)
            assert_clean(run)
            if target.exists():
                ids, cursor = stored_ids(target)
                assert ids == expected_ids(source, cursor), f"after Ctrl-C at {delay:.3f} s"
        done = interrupt(args, 30.0, env=env)  # (it ends long before) the rest, uninterrupted
        assert done.returncode == 0, done.stderr
    ids, cursor = stored_ids(target)
    assert ids == set(range(1, 1501))  # each once: the table's key is the id
    reached = [r for r in runs if r.reached_main]
    assert len(reached) >= 20, [(r.delay, r.returncode) for r in runs]
    assert {r.returncode for r in reached} <= {0, 130}
