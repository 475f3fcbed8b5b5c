"""Migrating a store written by the first release: field changes re-derived, metric columns."""

from __future__ import annotations

import orjson

from recorded import load
from zendesk_events.checkpoint import Checkpoint
from zendesk_events.store import Database, LateTally, open_store
from zendesk_events.store.schema import MIGRATIONS, schema_version
from zendesk_events.sync import SqlSink


def _v1_store(url: str) -> None:
    """A store as release 1 left it: schema 1 and rows in its shapes."""
    db = Database(url)
    try:
        with db.transaction() as tx:
            for stmt in MIGRATIONS[0][2](db.dialect):
                tx.execute(stmt)
            tx.execute(
                "CREATE TABLE schema_migrations "
                "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
            tx.execute("INSERT INTO schema_migrations VALUES (1, 'initial schema', 'then')")
            event = load("ticket_event_custom_fields")
            tx.execute(
                "INSERT INTO ticket_events (id, ticket_id, timestamp, raw) VALUES (?, ?, ?, ?)",
                (event["id"], event["ticket_id"], event["timestamp"], orjson.dumps(event).decode()),
            )
            # release 1's row for the custom field: the whole object as one JSON value
            tx.execute(
                "INSERT INTO ticket_field_changes (id, field, audit_id, ticket_id, timestamp, "
                "event_type, value, previous_value) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    926256957674,
                    "custom_ticket_fields",
                    event["id"],
                    155,
                    event["timestamp"],
                    "Change",
                    '{"360041597112":"set_up_app"}',
                    "null",
                ),
            )
            for item in load("ticket_metric_events_more"):
                tx.execute(
                    "INSERT INTO ticket_metric_events (id, ticket_id, metric, instance_id, type, "
                    "time, timestamp, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        item["id"],
                        item["ticket_id"],
                        item["metric"],
                        item["instance_id"],
                        item["type"],
                        item["time"],
                        1_700_000_000 + item["id"] % 7,
                        orjson.dumps(item).decode(),
                    ),
                )
    finally:
        db.close()


def test_a_release_1_store_migrates(store_url: str) -> None:
    _v1_store(store_url)
    with open_store(store_url) as s:
        assert schema_version(s.db) == MIGRATIONS[-1][0]
        rows = s.db.query(
            "SELECT id, field, field_id, value, previous_value FROM ticket_field_changes "
            "ORDER BY id, field, field_id"
        )
        assert (926256957674, "custom_ticket_fields", 360041597112, "set_up_app", None) in rows
        assert (926256957673, "status", 0, "open", "new") in rows
        assert len(rows) == 7  # five Create fields and two Change children of the one audit
        metric = s.db.query("SELECT id, deleted, visible_at, timestamp FROM ticket_metric_events")
        deleted = {r[0] for r in metric if r[1]}
        assert deleted == {29008499423508}
        assert all(r[2] == r[3] for r in metric)
        page = s.events.export_page("ticket_metric_events", 0, before=2_000_000_000, limit=100)
        assert page.count == len(metric)
        counts = s.events.counts()
        assert counts["ticket_field_changes"] == 7


def test_a_schema_2_cursor_survives_migration_3(store_url: str) -> None:
    """A store synced before the look-back: its cursor is kept, the counters start at 0, and
    the look-back may reach back as far as it likes (no floor was recorded)."""
    db = Database(store_url)
    try:
        with db.transaction() as tx:
            tx.execute(
                "CREATE TABLE schema_migrations "
                "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
            for version, name, statements, data in MIGRATIONS[:2]:
                for stmt in statements(db.dialect):
                    tx.execute(stmt)
                if data is not None:
                    data(tx, db.dialect)
                tx.execute("INSERT INTO schema_migrations VALUES (?, ?, 'then')", (version, name))
            tx.execute(
                "INSERT INTO sync_state (stream, start_time, boundary_ids, source, "
                "include_comments, caught_up, updated_at, last_run_started, last_run_events) "
                "VALUES ('ticket_metric_events', 1700000000, '[7, 9]', 'https://acme.zendesk.com', "
                "FALSE, TRUE, 'then', 'then', 12)"
            )
    finally:
        db.close()
    with open_store(store_url) as s:
        assert schema_version(s.db) == MIGRATIONS[-1][0]
        state = s.state.get("ticket_metric_events")
        sink = SqlSink(s, owned=False)
        floor = sink.revisit_floor("ticket_metric_events")
    assert state is not None
    assert state.checkpoint == Checkpoint(1_700_000_000, frozenset({7, 9}))
    assert (state.last_run_events, state.caught_up, state.revisit_from) == (12, True, None)
    assert state.late == LateTally()
    assert floor == 0
