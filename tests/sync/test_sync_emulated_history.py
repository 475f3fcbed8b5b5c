"""Sync a realistic emulated history (the seeder's output) through the real server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from synckit import NOW, assert_same_events

from zendesk_events.emulator import seed_store
from zendesk_events.events import STREAMS
from zendesk_events.store import open_store
from zendesk_events.sync import open_sink, run_sync


def test_an_emulated_history_syncs_event_for_event(
    tmp_path: Path, serve_source: Any, store_url: str
) -> None:
    with open_store(str(tmp_path / "emulated.db")) as source:
        # ended 8 days ago: every breach written in advance (up to ~6 days ahead) is due by now
        seed_store(source, tickets=120, days=20, seed=7, now=NOW - 8 * 86_400)
        counts = source.events.counts()
        assert counts["ticket_events"] > 500 and counts["ticket_metric_events"] > 500
        with serve_source(source, page_limit=250) as src:
            sink = open_sink(store_url)
            report = run_sync(
                src.client(), sink, streams=list(STREAMS), since=0, include_comments=True
            )
            sink.close()
        assert report.events_total == counts["ticket_events"] + counts["ticket_metric_events"]
        with open_store(store_url) as target:
            assert_same_events(source, target, comments=True)
