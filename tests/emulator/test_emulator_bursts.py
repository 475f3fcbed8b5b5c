"""Same-second bursts: > 1000 audits (and metric events) in one second from 1100 tickets on."""

from __future__ import annotations

from pathlib import Path

from emukit import seeded


def _busiest(store: object, table: str) -> int:
    rows = store.db.query(  # type: ignore[attr-defined]
        f"SELECT COUNT(*) FROM {table} GROUP BY timestamp ORDER BY COUNT(*) DESC LIMIT 1"
    )
    return int(rows[0][0])


def test_1100_tickets_make_a_run_of_more_than_1000_audits_in_one_second(tmp_path: Path) -> None:
    with seeded(str(tmp_path / "s.db"), tickets=1100, days=20) as store:
        assert _busiest(store, "ticket_events") > 1000
        assert _busiest(store, "ticket_metric_events") > 1000
        # ids stay unique and grow with time, bursts included
        ids = [r[0] for r in store.db.query("SELECT id FROM ticket_events ORDER BY timestamp, id")]
        assert ids == sorted(ids)
        # metric event ids grow with the second Zendesk wrote the event: its time, except for
        # a breach written in advance, whose time lies ahead
        metric_ids = [
            r[0]
            for r in store.db.query(
                "SELECT id FROM ticket_metric_events WHERE type <> 'breach' ORDER BY timestamp, id"
            )
        ]
        assert metric_ids == sorted(metric_ids)


def test_small_histories_still_share_seconds(store200: object) -> None:
    # automations and bulk triage update several tickets in the same second
    assert _busiest(store200, "ticket_events") >= 5
    assert _busiest(store200, "ticket_events") <= 1000
