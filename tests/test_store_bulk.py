"""Bulk writes (PostgreSQL COPY, SQLite executemany) leave the rows row-by-row upserts leave."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from test_store import _event
from zendesk_events.store import Store, open_store
from zendesk_events.store.normalize import append_ticket_event_rows, ticket_event_rows


def _tables(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    return {
        "events": store.db.query(
            "SELECT id, ticket_id, timestamp, raw, raw_comments FROM ticket_events ORDER BY id"
        ),
        "changes": store.db.query(
            "SELECT id, field, audit_id, timestamp, event_type, value, previous_value, via "
            "FROM ticket_field_changes ORDER BY id, field"
        ),
        "comments": store.db.query(
            "SELECT id, audit_id, body, raw FROM ticket_comments ORDER BY id"
        ),
    }


def _batch() -> list[dict[str, Any]]:
    """120 events (enough for the COPY path) with repeats inside the one batch."""
    events = [_event(i, 100 + i // 3, full_comment=i % 4 == 0) for i in range(1, 121)]
    changed = _event(7, 102)
    changed["child_events"][0]["status"] = "solved"
    # 8 again without the sideload: the row keeps the comments it was first stored with
    return [*events, changed, _event(8, 102), _event(9, 103, full_comment=True)]


def test_one_bulk_write_equals_one_upsert_per_event(store_url: str, tmp_path: Path) -> None:
    events = _batch()
    with open_store(str(tmp_path / "reference.db")) as ref:
        for event in events:  # row-by-row: each upsert sees the one before
            with ref.db.transaction() as tx:
                ref.events.upsert(tx, "ticket_events", [event])
        want = _tables(ref)
    with open_store(store_url) as s:
        with s.db.transaction() as tx:
            assert s.events.upsert(tx, "ticket_events", events) == len(events)
        assert _tables(s) == want
        with s.db.transaction() as tx:  # and again: a rerun changes nothing, adds nothing
            s.events.upsert(tx, "ticket_events", events)
        assert _tables(s) == want
    assert len(want["events"]) == 120
    solved = [r for r in want["changes"] if r[0] == 70 and r[1] == "status"]
    assert solved[0][5] == "solved"
    (eight,) = [r for r in want["events"] if r[0] == 8]
    assert eight[4] is not None and '"body":"hi"' in eight[4]


def test_bulk_rows_are_the_rows_of_each_event() -> None:
    changes: list[tuple[Any, ...]] = []
    comments: list[tuple[Any, ...]] = []
    odd = {
        "id": 1,
        "ticket_id": 2,
        "time": "2026-01-01T00:00:00Z",
        "via": {"channel": "web"},
        "child_events": [
            3,
            None,
            {
                "id": 4,
                "event_type": "Change",
                "via": {"x": 1},
                "a": 1,
                "b": [1],
                "previous_value": 0,
            },
            {"id": 5, "event_type": "Create", "status": "new", "tags": ["x"]},
            {"id": 6, "event_type": "Comment", "body": "hi", "public": False},
        ],
    }
    events = [*_batch(), odd]
    rows = [append_ticket_event_rows(e, changes, comments) for e in events]
    singles = [ticket_event_rows(e) for e in events]
    assert rows == [r.event for r in singles]
    assert changes == [c for r in singles for c in r.changes]
    assert comments == [c for r in singles for c in r.comments]
    assert [c[8] for c in singles[-1].changes] == ["0", "0", None, None]
