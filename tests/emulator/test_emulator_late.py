"""Late metric events (spec §5), through our real server on a FakeClock over a seeded store:
a client that resumes at its last ``end_time`` loses them, one that re-reads a window finds
every one. Nothing here knows which rows are late: only what the export serves, and when."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from emukit import END, exported, seeded

from zendesk_events.emulator import LateArrival
from zendesk_events.timeutil import iso_to_epoch

LOOK_BACK = 30 * 60  # what a production exporter re-reads (EST: TICKET_METRIC_EVENTS_LAG)


def _moments() -> list[int]:
    """Moments during the last two days of the history, every 50 minutes."""
    return [END - k * 3000 for k in range(1, 50)]


def test_a_client_that_only_resumes_loses_late_events_and_one_that_rereads_does_not(
    tmp_path: Path, run_server: Callable[[Any], Any]
) -> None:
    missed_total = 0
    with (
        seeded(str(tmp_path / "late.db"), tickets=400, days=2) as store,
        exported(store, run_server, now=END) as export,
    ):
        for t1 in _moments():
            start = t1 - 6 * 3600
            export.clock.set(t1)
            first, end_time = export.walk(start)  # both clients caught up at t1
            export.clock.set(t1 + 30 * 60)
            resumed, _ = export.walk(end_time)  # from its cursor, as most clients do
            reread, _ = export.walk(end_time - LOOK_BACK)  # a window behind it again
            truth, _ = export.walk(start)  # everything served at t1 + 30 min
            naive = first | resumed
            careful = first | reread
            assert careful == {i: truth[i] for i in careful}
            assert set(careful) == set(truth), t1
            missed = set(truth) - set(naive)
            # what the resuming client lost is back-dated: stamped before its cursor, yet not
            # served when it read that far
            for event_id in missed:
                assert iso_to_epoch(truth[event_id]["time"]) < end_time
                assert event_id not in first
            missed_total += len(missed)
    assert missed_total > 0, "no late event was in flight at any of the moments"


def test_with_lateness_off_resuming_loses_nothing(
    tmp_path: Path, run_server: Callable[[Any], Any]
) -> None:
    with (
        seeded(
            str(tmp_path / "on_time.db"), tickets=400, days=2, late=LateArrival(share=0)
        ) as store,
        exported(store, run_server, now=END) as export,
    ):
        for t1 in _moments()[::4]:
            start = t1 - 6 * 3600
            export.clock.set(t1)
            first, end_time = export.walk(start)
            export.clock.set(t1 + 30 * 60)
            resumed, _ = export.walk(end_time)
            truth, _ = export.walk(start)
            assert set(first) | set(resumed) == set(truth), t1
