"""Mirror in one step: serve a synced store, sync from it, and get the same events again."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from synckit import EMAIL, assert_same_events

from zendesk_events.client import ZendeskClient
from zendesk_events.config import ServerSettings
from zendesk_events.events import STREAMS
from zendesk_events.server import create_app
from zendesk_events.store import Store, open_store
from zendesk_events.sync import open_sink, run_sync
from zendesk_events.timeutil import FakeClock


def test_a_synced_store_served_back_is_the_same_export(
    source_store: Store, serve_source: Any, run_server: Any, tmp_path: Path
) -> None:
    mirror = str(tmp_path / "mirror.db")
    again = str(tmp_path / "again.db")
    with serve_source(source_store) as src, open_sink(mirror) as sink:
        run_sync(src.client(), sink, streams=list(STREAMS), since=0, include_comments=True)
    # `zendesk-events serve --db mirror.db`: the app opens the synced store by its path
    with open_store(mirror) as store:
        token = store.users.new_api_token(store.users.add(EMAIL, "admin"))
    # A mirror serves a metric event from when it was synced (``visible_at`` = write time), so
    # its clock runs past the sync: a minute (the lag) and a bit later than now.
    later = FakeClock(time.time() + 120)
    app = create_app(ServerSettings(db=mirror, export_rate_limit=0, page_limit=500), None, later)
    with run_server(app) as url:
        client = ZendeskClient(base_url=url, email=EMAIL, token=token)
        with open_sink(again) as sink:
            report = run_sync(client, sink, streams=list(STREAMS), since=0, include_comments=True)
        client.close()
    assert report.events_total == sum(
        source_store.events.counts()[s] for s in ("ticket_events", "ticket_metric_events")
    )
    with open_store(again) as copy, open_store(mirror) as first:
        assert_same_events(source_store, copy, comments=True)
        assert_same_events(first, copy, comments=True)
