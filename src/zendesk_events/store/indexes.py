"""Per-ticket lookup indexes, deferred while a first backfill fills an empty store.

The ``ticket_id`` indexes serve people's queries ("what happened to ticket 42"), not the export
pages (those read the ``(timestamp, id)`` indexes, which always stay). Filled in Zendesk's time
order, their keys arrive at random: each page of 1000 events touches ~1000 scattered index pages,
which roughly doubled the cost of writing a page into SQLite (measured: 24 -> 14 µs per event on
1 M events). Sorting the keys once at the end costs ~1.6 s per million events instead.

So a sync into an empty store drops them and records that in ``settings`` (in one transaction:
a crash leaves either both or neither); they are built again, and the record cleared, when the
sync has caught up or stops. A sync killed mid-backfill leaves the record, so the resumed run
goes on without them and builds them at its end. They are derived data: nothing is lost while
they are missing, queries by ticket are only slower.
"""

from __future__ import annotations

from zendesk_events.store.database import Database

__all__ = ["LOOKUP_INDEXES", "LookupIndexes"]

LOOKUP_INDEXES: dict[str, str] = {
    "ix_ticket_events_ticket": "ticket_events (ticket_id)",
    "ix_field_changes_ticket": "ticket_field_changes (ticket_id, timestamp)",
    "ix_comments_ticket": "ticket_comments (ticket_id)",
    "ix_metric_events_ticket": "ticket_metric_events (ticket_id, id, timestamp, deleted)",
}
"""Name -> ``table (columns)``, exactly as schema migrations 1 and 6 create them."""

_DEFERRED = "lookup_indexes_deferred"


class LookupIndexes:
    """Defers and rebuilds :data:`LOOKUP_INDEXES` (see the module docstring for why)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @property
    def deferred(self) -> bool:
        """Whether the indexes are currently dropped for a backfill."""
        return bool(self.db.query("SELECT 1 FROM settings WHERE key = ?", (_DEFERRED,)))

    def defer_if_empty(self) -> bool:
        """Drop the indexes if no ticket event is stored yet; returns whether they are deferred."""
        with self.db.transaction() as tx:
            if tx.execute("SELECT 1 FROM settings WHERE key = ?", (_DEFERRED,)).fetchall():
                return True
            if tx.execute("SELECT 1 FROM ticket_events LIMIT 1").fetchall():
                return False
            for name in LOOKUP_INDEXES:
                tx.execute(f"DROP INDEX IF EXISTS {name}")
            tx.execute("INSERT INTO settings (key, value) VALUES (?, ?)", (_DEFERRED, "1"))
        return True

    def build(self) -> bool:
        """Create any missing index and clear the record; returns whether there was work."""
        if not self.deferred:
            return False
        with self.db.transaction() as tx:
            for name, target in LOOKUP_INDEXES.items():
                tx.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")
            tx.execute("DELETE FROM settings WHERE key = ?", (_DEFERRED,))
        return True
