"""The per-ticket lookup indexes: dropped for a first backfill, rebuilt after, on both backends."""

from __future__ import annotations

from zendesk_events.store import Store, open_store
from zendesk_events.store.indexes import LOOKUP_INDEXES


def _index_names(store: Store) -> set[str]:
    if store.db.dialect == "sqlite":
        rows = store.db.query("SELECT name FROM sqlite_master WHERE type = 'index'")
    else:
        rows = store.db.query(
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
        )
    return {str(r[0]) for r in rows}


def _event(event_id: int, ts: int) -> dict[str, object]:
    return {
        "id": event_id,
        "ticket_id": 7,
        "timestamp": ts,
        "created_at": "2026-01-01T00:00:00Z",
        "updater_id": 1,
        "via": "Web form",
        "event_type": "Audit",
        "child_events": [
            {
                "id": event_id * 10,
                "via": "Web form",
                "event_type": "Change",
                "status": "open",
                "previous_value": "new",
            }
        ],
    }


def test_schema_creates_every_lookup_index(store_url: str) -> None:
    with open_store(store_url) as s:
        assert set(LOOKUP_INDEXES) <= _index_names(s)
        assert not s.lookup_indexes.deferred


def test_empty_store_defers_then_builds_them_with_the_rows_intact(store_url: str) -> None:
    with open_store(store_url) as s:
        assert s.lookup_indexes.defer_if_empty()
        assert s.lookup_indexes.deferred
        assert not set(LOOKUP_INDEXES) & _index_names(s)
        with s.db.transaction() as tx:
            s.events.upsert(tx, "ticket_events", [_event(1, 100), _event(2, 101)])
        assert s.lookup_indexes.defer_if_empty()  # still deferred: a resumed backfill
        assert s.lookup_indexes.build()
        assert set(LOOKUP_INDEXES) <= _index_names(s)
        assert not s.lookup_indexes.deferred
        assert not s.lookup_indexes.build()  # nothing left to do
        rows = s.db.query("SELECT id FROM ticket_events WHERE ticket_id = 7 ORDER BY id")
        assert [r[0] for r in rows] == [1, 2]
        assert s.events.counts()["ticket_field_changes"] == 2


def test_a_store_with_events_keeps_its_indexes(store_url: str) -> None:
    with open_store(store_url) as s:
        with s.db.transaction() as tx:
            s.events.upsert(tx, "ticket_events", [_event(1, 100)])
        assert not s.lookup_indexes.defer_if_empty()
        assert set(LOOKUP_INDEXES) <= _index_names(s)


def test_deferral_survives_reopening(store_url: str) -> None:
    with open_store(store_url) as s:
        s.lookup_indexes.defer_if_empty()
    with open_store(store_url) as s:  # what a run killed mid-backfill leaves behind
        assert s.lookup_indexes.deferred
        assert not set(LOOKUP_INDEXES) & _index_names(s)
