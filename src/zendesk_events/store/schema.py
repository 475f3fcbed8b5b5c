"""The one schema (server, emulator and sync all use it) and its ordered migrations.

Tables:
  ticket_events         one row per audit; ``raw`` is the item exactly as served without the
                        comment sideload, ``raw_comments`` as served with it (NULL if unknown)
  ticket_field_changes  one row per field a Create/Change child event sets (PK child id + field)
  ticket_comments       one row per full Comment child (from the ``comment_events`` sideload)
  ticket_metric_events  one row per SLA/metric event; ``raw`` as served
  users, api_tokens, oauth_tokens   who may call the server (only hashes are stored)
  settings              key/value (account name, seed parameters, ...)
  sync_state            the sync cursor per stream, written in the same transaction as its page
  rate_limit_windows    request counters shared by all server workers
  schema_migrations     which migrations ran
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from zendesk_events.errors import StoreError
from zendesk_events.store.database import Database, Dialect

__all__ = ["MIGRATIONS", "migrate", "schema_version"]


def _v1(d: Dialect) -> list[str]:
    pk = "INTEGER PRIMARY KEY" if d == "sqlite" else "BIGINT PRIMARY KEY"
    return [
        f"""CREATE TABLE ticket_events (
            id {pk},
            ticket_id BIGINT NOT NULL,
            timestamp BIGINT NOT NULL,
            created_at TEXT,
            updater_id BIGINT,
            via TEXT,
            event_type TEXT,
            raw TEXT NOT NULL,
            raw_comments TEXT
        )""",
        "CREATE INDEX ix_ticket_events_ts_id ON ticket_events (timestamp, id)",
        "CREATE INDEX ix_ticket_events_ticket ON ticket_events (ticket_id)",
        """CREATE TABLE ticket_field_changes (
            id BIGINT NOT NULL,
            field TEXT NOT NULL,
            audit_id BIGINT NOT NULL,
            ticket_id BIGINT NOT NULL,
            timestamp BIGINT NOT NULL,
            event_type TEXT NOT NULL,
            value TEXT,
            previous_value TEXT,
            via TEXT,
            via_reference_id BIGINT,
            PRIMARY KEY (id, field)
        )""",
        "CREATE INDEX ix_field_changes_ticket ON ticket_field_changes (ticket_id, timestamp)",
        f"""CREATE TABLE ticket_comments (
            id {pk},
            audit_id BIGINT NOT NULL,
            ticket_id BIGINT NOT NULL,
            timestamp BIGINT NOT NULL,
            author_id BIGINT,
            public BOOLEAN,
            body TEXT,
            html_body TEXT,
            created_at TEXT,
            raw TEXT NOT NULL
        )""",
        "CREATE INDEX ix_comments_ticket ON ticket_comments (ticket_id)",
        f"""CREATE TABLE ticket_metric_events (
            id {pk},
            ticket_id BIGINT NOT NULL,
            metric TEXT NOT NULL,
            instance_id BIGINT,
            type TEXT NOT NULL,
            time TEXT NOT NULL,
            timestamp BIGINT NOT NULL,
            raw TEXT NOT NULL
        )""",
        "CREATE INDEX ix_metric_events_ts_id ON ticket_metric_events (timestamp, id)",
        f"""CREATE TABLE users (
            id {pk},
            email TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            role TEXT NOT NULL,
            password_hash TEXT,
            created_at TEXT NOT NULL
        )""",
        """CREATE TABLE api_tokens (
            token_hash TEXT PRIMARY KEY,
            user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            created_at TEXT NOT NULL
        )""",
        """CREATE TABLE oauth_tokens (
            token_hash TEXT PRIMARY KEY,
            user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            created_at TEXT NOT NULL
        )""",
        "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        """CREATE TABLE sync_state (
            stream TEXT PRIMARY KEY,
            start_time BIGINT NOT NULL,
            boundary_ids TEXT NOT NULL,
            source TEXT,
            include_comments BOOLEAN NOT NULL DEFAULT FALSE,
            caught_up BOOLEAN NOT NULL DEFAULT FALSE,
            updated_at TEXT NOT NULL,
            last_run_started TEXT,
            last_run_events BIGINT NOT NULL DEFAULT 0
        )""",
        """CREATE TABLE rate_limit_windows (
            key TEXT PRIMARY KEY,
            window_start BIGINT NOT NULL,
            count BIGINT NOT NULL
        )""",
    ]


MIGRATIONS: list[tuple[int, str, Callable[[Dialect], list[str]]]] = [
    (1, "initial schema", _v1),
]
"""Ordered, never edited once released: add a new entry to change the schema."""


def schema_version(db: Database) -> int:
    """The highest migration applied (0 for an empty database)."""
    if db.dialect == "sqlite":
        exists = db.query(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_migrations'"
        )
    else:
        exists = db.query(
            "SELECT 1 FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_name = 'schema_migrations'"
        )
    if not exists:
        return 0
    row = db.query("SELECT MAX(version) FROM schema_migrations")
    return int(row[0][0] or 0)


def migrate(db: Database) -> int:
    """Bring the schema up to date (idempotent; safe when several processes start at once).

    Returns:
        The schema version now in force.

    Raises:
        StoreError: the database was written by a newer zendesk-events.
    """
    latest = MIGRATIONS[-1][0]
    current = schema_version(db)
    if current > latest:
        raise StoreError(
            f"database {db.display_url} has schema version {current}, newer than this "
            f"zendesk-events understands ({latest}); upgrade zendesk-events"
        )
    if current == latest:
        return current
    with db.transaction() as tx:
        if db.dialect == "postgresql":
            # Serialise concurrent migrators (e.g. several server workers starting together).
            tx.execute("SELECT pg_advisory_xact_lock(7263550101)")
        tx.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        done = {int(r[0]) for r in tx.execute("SELECT version FROM schema_migrations").fetchall()}
        for version, name, statements in MIGRATIONS:
            if version in done:
                continue
            for stmt in statements(db.dialect):
                tx.execute(stmt)
            tx.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                (version, name, datetime.now(UTC).isoformat()),
            )
    return latest
