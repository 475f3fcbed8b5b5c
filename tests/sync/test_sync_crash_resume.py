"""SIGKILL `zendesk-events sync` at many points; reruns end with every item exactly once."""

from __future__ import annotations

import json
import os
import random
import signal
import time
from pathlib import Path
from typing import Any

import pytest
from latekit import metric, metric_rows, write
from synckit import NOW, assert_same_events, jsonl_items, run_cli, served_items

from zendesk_events.store import Store, open_store
from zendesk_events.sync import open_sink

KILLS = 7


def _progress(target: str) -> int:
    """Items committed so far (0 before the first commit)."""
    if not Path(target).exists():
        return 0
    try:
        sink = open_sink(target, create=False)
    except Exception:  # the very first commit may not have happened yet
        return 0
    try:
        return sum(
            sink.status().counts.get(s, 0) for s in ("ticket_events", "ticket_metric_events")
        )
    finally:
        sink.close()


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".db", ".jsonl"])
def test_killed_at_random_points_then_rerun_loses_and_repeats_nothing(
    source_store: Store, serve_source: Any, tmp_path: Path, suffix: str
) -> None:
    target = str(tmp_path / f"crash{suffix}")
    total = sum(source_store.events.counts()[s] for s in ("ticket_events", "ticket_metric_events"))
    rng = random.Random(20261129)
    seen: list[int] = []
    with serve_source(source_store, page_limit=40) as src:
        env = {**os.environ, "ZENDESK_API_TOKEN": src.token}
        args = src.cli_args(target, "--include", "comment_events")
        for k in range(1, KILLS + 1):
            # aim each kill past a further share of the export, then at a random moment
            # relative to the page being written (mid-request, mid-write, mid-commit)
            aim = total * k // (KILLS + 1)
            proc = run_cli(args, env=env)
            deadline = time.monotonic() + 30
            while proc.poll() is None and _progress(target) < aim:
                assert time.monotonic() < deadline, "the sync made no progress"
                time.sleep(0.002)
            time.sleep(rng.uniform(0, 0.02))
            proc.send_signal(signal.SIGKILL)
            proc.communicate(timeout=30)
            seen.append(_progress(target))
        final = run_cli(args, env=env)
        _, err = final.communicate(timeout=60)
        assert final.returncode == 0, err.decode()
    # the kills landed mid-run (not all before the first or after the last commit)
    assert sum(0 < n < total for n in seen) >= KILLS - 2, seen
    assert seen == sorted(seen)  # committed progress never goes back
    if suffix == ".db":
        with open_store(target) as synced:
            assert_same_events(source_store, synced, comments=True)
    else:
        got = jsonl_items(Path(target))
        for stream in ("ticket_events", "ticket_metric_events"):
            ids = [i["id"] for i in got[stream]]
            assert len(ids) == len(set(ids)), f"{stream}: written twice"
            assert {i["id"]: i for i in got[stream]} == served_items(
                source_store, stream, comments=True
            )


def _late_progress(target: str) -> int:
    """Items a look-back run has added or changed so far (0 before anything committed)."""
    if target.endswith(".jsonl"):
        return _progress(target)
    with open_store(target) as store:
        rows = store.db.query(
            "SELECT COUNT(*), SUM(CASE WHEN deleted THEN 1 ELSE 0 END) FROM ticket_metric_events"
        )
    return int(rows[0][0]) + int(rows[0][1] or 0)


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".db", ".jsonl"])
def test_killed_during_look_backs_then_rerun_takes_each_change_once(
    serve_source: Any, tmp_path: Path, suffix: str
) -> None:
    """Late events and breaches turned deleted all over the look-back window; runs killed -9
    at random points while they read it again. In the end: the server's final state, every
    late arrival counted once, and in JSON Lines no version of an item written twice."""
    target = str(tmp_path / f"crash{suffix}")
    rng = random.Random(11)
    with (
        open_store(str(tmp_path / "source.db")) as source,
        serve_source(source, page_limit=20) as src,
    ):
        window = [metric(100_000 + i, NOW - 1800 + i * 3) for i in range(550)]  # 30 minutes
        write(source, window)
        env = {**os.environ, "ZENDESK_API_TOKEN": src.token}
        args = src.cli_args(target, "--stream", "ticket_metric_events")
        first = run_cli(args, env=env)
        _, err = first.communicate(timeout=60)
        assert first.returncode == 0, err.decode()
        # Zendesk writes 120 events late, back-dated into the window, and deletes 60 breaches
        late = [metric(200_000 + i, NOW - 1700 + i * 12, "fulfill") for i in range(120)]
        write(source, late, visible_at=NOW + 300)
        flipped = [dict(item, deleted=True) for item in rng.sample(window, 60)]
        write(source, flipped, visible_at=NOW + 300)
        src.clock.set(NOW + 600)
        base = _late_progress(target)
        total = len(late) + len(flipped)
        seen: list[int] = []
        for k in range(1, KILLS + 1):
            aim = base + total * k // (KILLS + 1)
            proc = run_cli(args, env=env)
            deadline = time.monotonic() + 30
            while proc.poll() is None and _late_progress(target) < aim:
                assert time.monotonic() < deadline, "the sync made no progress"
                time.sleep(0.002)
            time.sleep(rng.uniform(0, 0.02))
            proc.send_signal(signal.SIGKILL)
            proc.communicate(timeout=30)
            seen.append(_late_progress(target) - base)
        final = run_cli(args, env=env)
        _, err = final.communicate(timeout=60)
        assert final.returncode == 0, err.decode()
        want = metric_rows(source)
    assert sum(0 < n < total for n in seen) >= KILLS - 3, seen
    sink = open_sink(target, create=False)
    (state,) = sink.status().streams
    sink.close()
    assert (state.late.late, state.late.changed) == (len(late), len(flipped))
    if suffix == ".db":
        with open_store(target) as synced:
            assert metric_rows(synced) == want
        return
    lines = [
        json.dumps(i, sort_keys=True) for i in jsonl_items(Path(target))["ticket_metric_events"]
    ]
    assert len(lines) == len(set(lines)), "a version of an item was written twice"
    assert len(lines) == len(want) + len(flipped)
    last = {i["id"]: i for i in jsonl_items(Path(target))["ticket_metric_events"]}
    assert last == {k: json.loads(v) for k, v in want.items()}
