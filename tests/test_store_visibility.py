"""Metric events written late (spec §5): served only once visible, at their back-dated place."""

from __future__ import annotations

from typing import Any

from zendesk_events.store import open_store
from zendesk_events.timeutil import epoch_to_iso

T = 1_700_000_000


def _metric(i: int, ts: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": i,
        "ticket_id": 7,
        "metric": "reply_time",
        "instance_id": 1,
        "type": "activate",
        "time": epoch_to_iso(ts),
        "deleted": False,
        **extra,
    }


def test_a_late_row_is_served_only_once_visible(store_url: str) -> None:
    with open_store(store_url) as s:
        with s.db.transaction() as tx:
            s.events.upsert(tx, "ticket_metric_events", [_metric(1, T), _metric(3, T + 10)])
            # written 12 minutes after its time, stamped with it
            s.events.upsert(tx, "ticket_metric_events", [_metric(2, T + 5)], visible_at=T + 725)
        early = s.events.export_page("ticket_metric_events", T, before=T + 700, limit=100)
        assert [b'"id":2,' in i.encode() for i in early.items] == [False, False]
        later = s.events.export_page("ticket_metric_events", T, before=T + 726, limit=100)
        assert later.count == 3


def test_a_changed_row_is_visible_from_its_change_and_an_unchanged_one_keeps_its_time(
    store_url: str,
) -> None:
    with open_store(store_url) as s:
        with s.db.transaction() as tx:
            s.events.upsert(tx, "ticket_metric_events", [_metric(1, T, type="breach")])
        with s.db.transaction() as tx:  # re-read unchanged (a look-back): no new visibility
            s.events.upsert(
                tx, "ticket_metric_events", [_metric(1, T, type="breach")], visible_at=T + 900
            )
        assert s.db.query("SELECT visible_at, deleted FROM ticket_metric_events")[0][0] == T
        with s.db.transaction() as tx:  # turned deleted: a new version
            s.events.upsert(
                tx,
                "ticket_metric_events",
                [_metric(1, T, type="breach", deleted=True)],
                visible_at=T + 900,
            )
        visible_at, deleted = s.db.query("SELECT visible_at, deleted FROM ticket_metric_events")[0]
        assert (visible_at, bool(deleted)) == (T + 900, True)
