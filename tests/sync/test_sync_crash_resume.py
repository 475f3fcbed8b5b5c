"""SIGKILL `zendesk-events sync` at many points; reruns end with every item exactly once."""

from __future__ import annotations

import os
import random
import signal
import time
from pathlib import Path
from typing import Any

import pytest
from synckit import assert_same_events, jsonl_items, run_cli, served_items

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
            proc.wait(timeout=30)
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
