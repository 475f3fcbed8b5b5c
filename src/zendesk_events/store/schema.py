"""The one schema (server, emulator and sync all use it) and its ordered migrations.

Tables:
  ticket_events         one row per audit; ``raw`` is the item exactly as served without the
                        comment sideload, ``raw_comments`` as served with it (NULL if unknown)
  ticket_field_changes  one row per field a Create/Change child event sets; a custom field is
                        one row per field id (PK child id + field + field_id, see normalize.py)
  ticket_comments       one row per full Comment child (from the ``comment_events`` sideload)
  ticket_metric_events  one row per SLA/metric event; ``raw`` as served, ``deleted`` from it,
                        ``visible_at`` when the row could first be exported (late events)
  ticket_fields, groups, sla_policies   the account's objects, ``raw`` as the API serves them
  users, api_tokens, oauth_tokens   who may call the server (only hashes are stored)
  settings              key/value (account name, seed parameters, ...)
  sync_state            the sync cursor per stream, written in the same transaction as its page,
                        with what its look-back found (late arrivals, changed items)
  ticket_field_history, ticket_status_periods, sla_outcomes, ticket_snapshot
                        analysis tables derived from the events (``store/analysis/``), with
                        ``analysis_tickets``: the per-ticket fingerprint of the events they used
  rate_limit_windows    request counters shared by all server workers
  live_tickets          the emulated account's tickets as they stand (API object + model state)
  live_counters         the last ids the live emulator handed out, its traffic schedule
  schema_migrations     which migrations ran
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import orjson

from zendesk_events.errors import ForeignStoreError, StoreError
from zendesk_events.store.database import Database, Dialect, Transaction
from zendesk_events.store.normalize import append_ticket_event_rows

__all__ = ["MIGRATIONS", "migrate", "refuse_foreign", "schema_version"]


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


def _v2(d: Dialect) -> list[str]:
    pk = "INTEGER PRIMARY KEY" if d == "sqlite" else "BIGINT PRIMARY KEY"
    deleted_from_raw = (
        "json_extract(raw, '$.deleted') = 1"
        if d == "sqlite"
        else "(raw::jsonb ->> 'deleted') = 'true'"
    )
    return [
        # Field changes get a key that holds one row per custom field id (filled by _v2_data).
        """CREATE TABLE ticket_field_changes_v2 (
            id BIGINT NOT NULL,
            field TEXT NOT NULL,
            field_id BIGINT NOT NULL DEFAULT 0,
            audit_id BIGINT NOT NULL,
            ticket_id BIGINT NOT NULL,
            timestamp BIGINT NOT NULL,
            event_type TEXT NOT NULL,
            value TEXT,
            previous_value TEXT,
            added TEXT,
            removed TEXT,
            via TEXT,
            via_reference_id BIGINT,
            PRIMARY KEY (id, field, field_id)
        )""",
        "ALTER TABLE ticket_metric_events ADD COLUMN deleted BOOLEAN NOT NULL DEFAULT FALSE",
        "ALTER TABLE ticket_metric_events ADD COLUMN visible_at BIGINT",
        "UPDATE ticket_metric_events SET visible_at = timestamp",
        f"UPDATE ticket_metric_events SET deleted = TRUE WHERE {deleted_from_raw}",
        f"""CREATE TABLE ticket_fields (
            id {pk},
            type TEXT,
            title TEXT,
            active BOOLEAN,
            position BIGINT,
            raw TEXT NOT NULL
        )""",
        f"""CREATE TABLE groups (
            id {pk},
            name TEXT,
            raw TEXT NOT NULL
        )""",
        f"""CREATE TABLE sla_policies (
            id {pk},
            title TEXT,
            position BIGINT,
            raw TEXT NOT NULL
        )""",
    ]


def _v2_data(tx: Transaction, d: Dialect) -> None:
    """Re-derive every field change from the stored audits, then swap the new table in."""
    insert = (
        "INSERT INTO ticket_field_changes_v2 (id, field, field_id, audit_id, ticket_id, "
        "timestamp, event_type, value, previous_value, added, removed, via, via_reference_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
    )
    last = None
    while True:
        where = "" if last is None else "WHERE id > ? "
        rows = tx.execute(
            f"SELECT id, raw FROM ticket_events {where}ORDER BY id LIMIT 5000",
            () if last is None else (last,),
        ).fetchall()
        if not rows:
            break
        changes: list[tuple[object, ...]] = []
        comments: list[tuple[object, ...]] = []
        for _id, raw in rows:
            append_ticket_event_rows(orjson.loads(raw), changes, comments)
        tx.executemany(insert, changes)
        last = rows[-1][0]
    tx.execute("DROP TABLE ticket_field_changes")
    tx.execute("ALTER TABLE ticket_field_changes_v2 RENAME TO ticket_field_changes")
    tx.execute(
        "CREATE INDEX IF NOT EXISTS ix_field_changes_ticket "
        "ON ticket_field_changes (ticket_id, timestamp)"
    )


def _v3(d: Dialect) -> list[str]:
    return [
        # The look-back of each stream (see store.state.LateTally): where it may start, and
        # what it found, committed with the cursor.
        "ALTER TABLE sync_state ADD COLUMN revisit_from BIGINT",
        "ALTER TABLE sync_state ADD COLUMN late_events BIGINT NOT NULL DEFAULT 0",
        "ALTER TABLE sync_state ADD COLUMN late_worst BIGINT NOT NULL DEFAULT 0",
        "ALTER TABLE sync_state ADD COLUMN changed_events BIGINT NOT NULL DEFAULT 0",
        "ALTER TABLE sync_state ADD COLUMN last_run_late BIGINT NOT NULL DEFAULT 0",
    ]


def _v6(d: Dialect) -> list[str]:
    """The analysis tables (``store/analysis/``: what each column means is documented there)."""
    pk = "INTEGER PRIMARY KEY" if d == "sqlite" else "BIGINT PRIMARY KEY"
    return [
        """CREATE TABLE ticket_field_history (
            ticket_id BIGINT NOT NULL,
            field TEXT NOT NULL,
            field_id BIGINT NOT NULL,
            seq BIGINT NOT NULL,
            field_name TEXT NOT NULL,
            value TEXT,
            valid_from BIGINT,
            valid_to BIGINT,
            event_type TEXT,
            updater_id BIGINT,
            via TEXT,
            audit_id BIGINT,
            change_id BIGINT,
            PRIMARY KEY (ticket_id, field, field_id, seq)
        )""",
        "CREATE INDEX ix_field_history_from ON ticket_field_history (valid_from)",
        """CREATE TABLE ticket_status_periods (
            ticket_id BIGINT NOT NULL,
            seq BIGINT NOT NULL,
            status TEXT,
            started_at BIGINT,
            ended_at BIGINT,
            seconds BIGINT,
            next_status TEXT,
            updater_id BIGINT,
            via TEXT,
            PRIMARY KEY (ticket_id, seq)
        )""",
        """CREATE TABLE sla_outcomes (
            ticket_id BIGINT NOT NULL,
            metric TEXT NOT NULL,
            instance_id BIGINT NOT NULL,
            kind TEXT NOT NULL,
            policy_id TEXT,
            policy_title TEXT,
            target_minutes BIGINT,
            target_seconds BIGINT,
            business_hours BOOLEAN,
            activated_at BIGINT,
            applied_at BIGINT NOT NULL,
            fulfilled_at BIGINT,
            breach_at BIGINT,
            breached BOOLEAN NOT NULL,
            breached_at BIGINT,
            outcome TEXT NOT NULL,
            fulfil_seconds BIGINT,
            calendar_minutes BIGINT,
            business_minutes BIGINT,
            priority TEXT,
            group_id BIGINT,
            PRIMARY KEY (ticket_id, metric, instance_id)
        )""",
        "CREATE INDEX ix_sla_outcomes_applied ON sla_outcomes (applied_at)",
        f"""CREATE TABLE ticket_snapshot (
            ticket_id {pk},
            created_at BIGINT,
            updated_at BIGINT,
            audits BIGINT NOT NULL,
            via TEXT,
            last_updater_id BIGINT,
            status TEXT,
            priority TEXT,
            type TEXT,
            subject TEXT,
            requester_id BIGINT,
            assignee_id BIGINT,
            group_id BIGINT,
            organization_id BIGINT,
            custom_status_id BIGINT,
            tags TEXT,
            custom_fields TEXT,
            other_fields TEXT
        )""",
        f"""CREATE TABLE analysis_tickets (
            ticket_id {pk},
            audits BIGINT NOT NULL,
            audit_ids BIGINT NOT NULL,
            metric_events BIGINT NOT NULL,
            metric_ids BIGINT NOT NULL,
            metric_deleted BIGINT NOT NULL
        )""",
        # Per-ticket reads of metric events (an analysis batch) and the fingerprint scan; a
        # lookup index, so a first backfill defers it like the others (store/indexes.py).
        "CREATE INDEX ix_metric_events_ticket "
        "ON ticket_metric_events (ticket_id, id, timestamp, deleted)",
    ]


def _v7(d: Dialect) -> list[str]:
    pk = "INTEGER PRIMARY KEY" if d == "sqlite" else "BIGINT PRIMARY KEY"
    return [
        # The live emulator's tickets (written by the seed, changed by API requests, the clock
        # and traffic): ``raw`` as GET /api/v2/tickets/{id} shows it without its url, ``state``
        # what the ticket model needs to apply the next write; ``due_at`` the second the next
        # automation run changes the ticket (NULL: none will).
        f"""CREATE TABLE live_tickets (
            id {pk},
            status TEXT NOT NULL,
            deleted BOOLEAN NOT NULL DEFAULT FALSE,
            due_at BIGINT,
            updated_at BIGINT NOT NULL,
            raw TEXT NOT NULL,
            state TEXT NOT NULL
        )""",
        "CREATE INDEX ix_live_tickets_due ON live_tickets (due_at)",
        "CREATE TABLE live_counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL)",
    ]


Migration = tuple[
    int, str, Callable[[Dialect], list[str]], Callable[[Transaction, Dialect], None] | None
]

MIGRATIONS: list[Migration] = [
    (1, "initial schema", _v1, None),
    (
        2,
        "recorded shapes: field changes per custom field, metric deleted/visible_at",
        _v2,
        _v2_data,
    ),
    (3, "sync look-back: where it may start and the late arrivals it found", _v3, None),
    (6, "analysis tables", _v6, None),
    (7, "live emulator: tickets as they stand, id counters", _v7, None),
]
"""Ordered, never edited once released: add a new entry to change the schema.

Each entry: version, name, its DDL/DML statements per dialect, and an optional Python step run
after them in the same transaction (for data a statement cannot derive, such as re-reading the
stored JSON).
"""


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


def refuse_foreign(db: Database) -> None:
    """Refuse a database that holds tables and no store of ours, before anything is written.

    ``sync --to`` or ``seed --db`` naming another application's SQLite file (or a schema full
    of its tables) by mistake would otherwise get a dozen tables added to it without a word.
    An empty or new database, or one of our stores (it has ``schema_migrations``), passes.

    Raises:
        ForeignStoreError: it holds other tables only.
        StoreError: it cannot be read (e.g. the file is not a SQLite database).
    """
    tables = db.existing_tables()
    if not tables or "schema_migrations" in tables:
        return
    where = db.display_url
    if db.dialect == "postgresql":
        where += f" (schema {db.query('SELECT current_schema()')[0][0]})"
    shown = ", ".join(tables[:5]) + (f" and {len(tables) - 5} more" if len(tables) > 5 else "")
    raise ForeignStoreError(
        f"{where} holds another application's tables ({shown}) and no zendesk-events store: "
        "nothing was written; choose another database, or pass --allow-foreign-tables "
        "(sync, seed) to add ours beside them",
        tables=tuple(tables),
    )


def _applied(db: Database) -> set[int]:
    return {int(r[0]) for r in db.query("SELECT version FROM schema_migrations")}


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
    # Numbers are claimed by parallel work and land in any order: a store can hold 1, 2 and 6
    # before 3 exists, so "up to date" means every known migration applied, not the highest.
    if current == latest and {m[0] for m in MIGRATIONS} <= _applied(db):
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
        for version, name, statements, data in MIGRATIONS:
            if version in done:
                continue
            for stmt in statements(db.dialect):
                tx.execute(stmt)
            if data is not None:
                data(tx, db.dialect)
            tx.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                (version, name, datetime.now(UTC).isoformat()),
            )
    return latest
