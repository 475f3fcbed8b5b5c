"""Migrations numbered by parallel work land out of order: a store that already has a higher
one still gets a lower one added later."""

from __future__ import annotations

import pytest

from zendesk_events.store import Database, open_store, schema


def test_a_migration_numbered_below_the_applied_ones_still_runs(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_store(store_url).close()  # every migration of today applied
    db = Database(store_url)
    try:
        with db.transaction() as tx:  # as if a store had met migration 1001 first
            tx.execute("CREATE TABLE zz_later (x INTEGER)")
            tx.execute("INSERT INTO schema_migrations VALUES (1001, 'later', 'then')")
        lower = (1000, "lower", lambda d: ["CREATE TABLE zz_lower (x INTEGER)"], None)
        higher = (1001, "later", lambda d: ["CREATE TABLE zz_later (x INTEGER)"], None)
        monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, lower, higher])
        assert schema.migrate(db) == 1001
        assert db.query("SELECT COUNT(*) FROM zz_lower") == [(0,)]
        assert 1000 in {r[0] for r in db.query("SELECT version FROM schema_migrations")}
    finally:
        db.close()
