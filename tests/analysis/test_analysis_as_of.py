"""Which time SLA breaches are judged against by default: until when the store knows the
metric stream."""

from __future__ import annotations

import time

from zendesk_events.checkpoint import Checkpoint
from zendesk_events.store import Store, open_store

CURSOR = 1_791_190_800


def _cursor(store: Store, *, caught_up: bool) -> None:
    with store.db.transaction() as tx:
        store.state.put(
            tx,
            "ticket_metric_events",
            Checkpoint(CURSOR, frozenset()),
            source="https://acme.zendesk.com",
            include_comments=False,
            caught_up=caught_up,
            run_started=None,
            run_events=0,
        )


def test_a_store_no_sync_filled_is_judged_as_of_now(store_url: str) -> None:
    with open_store(store_url) as store:
        before = int(time.time())
        assert before <= store.analysis.default_as_of() <= int(time.time())


def test_a_sync_still_catching_up_knows_the_stream_until_its_cursor(store_url: str) -> None:
    with open_store(store_url) as store:
        _cursor(store, caught_up=False)
        assert store.analysis.default_as_of() == CURSOR
        assert store.analysis.update().as_of == CURSOR


def test_a_sync_that_caught_up_knows_the_stream_until_it_wrote_its_cursor(
    store_url: str,
) -> None:
    with open_store(store_url) as store:
        before = int(time.time())
        _cursor(store, caught_up=True)
        assert before <= store.analysis.default_as_of() <= int(time.time())
