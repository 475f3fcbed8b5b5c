"""The live emulator's own tables: its tickets as they stand, and its counters.

Every write of the live emulator (an API request, an automation run, a traffic action) is one
transaction that starts with :meth:`LiveStore.lock`: on SQLite the transaction already holds the
database's write lock (``BEGIN IMMEDIATE``), on PostgreSQL a transaction-scoped advisory lock
serialises the writers of every server process. Inside it the writer reads the counters (the
last ids handed out), the ticket's state and the account, writes the audit, its metric events,
the ticket's new state and the counters, and commits: an audit and its metric events appear
together or not at all, and no two writers ever hand out the same id.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from zendesk_events.store.database import Database, Transaction

__all__ = ["LiveRow", "LiveStore"]

_LOCK_KEY = 7263550108
"""The PostgreSQL advisory lock of live writes (any constant no other lock of ours uses)."""

_UPSERT = """
INSERT INTO live_tickets (id, status, deleted, due_at, updated_at, raw, state)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET
    status = excluded.status, deleted = excluded.deleted, due_at = excluded.due_at,
    updated_at = excluded.updated_at, raw = excluded.raw, state = excluded.state
"""


@dataclass(frozen=True, slots=True)
class LiveRow:
    """One ticket as the live emulator keeps it.

    Attributes:
        id: the ticket id.
        status: its status (``deleted`` once deleted).
        deleted: soft-deleted (no longer shown or changed).
        due_at: the second its next automation run is due (None: none).
        updated_at: its last write's second.
        raw: the ticket as the Tickets API shows it, without ``url`` (JSON).
        state: the ticket model's state (JSON).
    """

    id: int
    status: str
    deleted: bool
    due_at: int | None
    updated_at: int
    raw: str
    state: str

    def values(self) -> tuple[Any, ...]:
        return (
            self.id,
            self.status,
            self.deleted,
            self.due_at,
            self.updated_at,
            self.raw,
            self.state,
        )


class LiveStore:
    """The ``live_tickets`` and ``live_counters`` tables."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # ---- inside a write ---------------------------------------------------------------------

    def lock(self, tx: Transaction) -> None:
        """Serialise live writes (see the module docstring); call first in the transaction."""
        if self.db.dialect == "postgresql":
            tx.execute("SELECT pg_advisory_xact_lock(?)", (_LOCK_KEY,))

    def counters(self, tx: Transaction) -> dict[str, int]:
        """Every counter (name -> value)."""
        rows = tx.execute("SELECT name, value FROM live_counters").fetchall()
        return {str(r[0]): int(r[1]) for r in rows}

    def set_counters(self, tx: Transaction, values: dict[str, int]) -> None:
        tx.executemany(
            "INSERT INTO live_counters (name, value) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            sorted(values.items()),
        )

    def highest_ids(self, tx: Transaction) -> dict[str, Any]:
        """Where counters start on a store no live write (nor seed) has numbered yet: the
        highest ``ticket``, ``audit``, ``metric`` and ``user`` ids it holds, and the JSON of
        the highest audit (``audit_json``; None without one).

        A child event's id lies above its audit's and below the next audit's, so the highest
        child id is among the children of the highest audit.
        """
        ticket = tx.execute(
            "SELECT MAX(m) FROM (SELECT MAX(ticket_id) AS m FROM ticket_events "
            "UNION ALL SELECT MAX(id) AS m FROM live_tickets) AS both_tables"
        ).fetchone()
        audit = tx.execute(
            "SELECT id, COALESCE(raw_comments, raw) FROM ticket_events ORDER BY id DESC LIMIT 1"
        ).fetchone()
        metric = tx.execute("SELECT MAX(id) FROM ticket_metric_events").fetchone()
        user = tx.execute("SELECT MAX(id) FROM users").fetchone()
        return {
            "ticket": int(ticket[0] or 0) if ticket else 0,
            "audit": int(audit[0]) if audit else 0,
            "audit_json": str(audit[1]) if audit else None,
            "metric": int(metric[0] or 0) if metric else 0,
            "user": int(user[0] or 0) if user else 0,
        }

    def state(self, tx: Transaction, ticket_id: int) -> tuple[str, bool] | None:
        """A ticket's model state and whether it is deleted (None: no such live ticket)."""
        row = tx.execute(
            "SELECT state, deleted FROM live_tickets WHERE id = ?", (ticket_id,)
        ).fetchone()
        return None if row is None else (str(row[0]), bool(row[1]))

    def put(self, tx: Transaction, rows: Iterable[LiveRow]) -> None:
        """Insert or replace tickets."""
        tx.executemany(_UPSERT, [r.values() for r in rows])

    def due(self, tx: Transaction, before: int, limit: int = 100) -> list[tuple[int, int]]:
        """``(due_at, ticket id)`` of the tickets an automation is due on before ``before``."""
        rows = tx.execute(
            "SELECT due_at, id FROM live_tickets WHERE due_at < ? ORDER BY due_at, id LIMIT ?",
            (before, limit),
        ).fetchall()
        return [(int(r[0]), int(r[1])) for r in rows]

    def active_ids(self, tx: Transaction) -> list[int]:
        """Tickets neither closed nor deleted (the traffic picks among them), by id."""
        rows = tx.execute(
            "SELECT id FROM live_tickets WHERE status <> 'closed' AND NOT deleted ORDER BY id"
        ).fetchall()
        return [int(r[0]) for r in rows]

    # ---- reads ------------------------------------------------------------------------------

    def next_due(self) -> int | None:
        """The earliest second an automation is due on any ticket (a cheap poll)."""
        row = self.db.query("SELECT MIN(due_at) FROM live_tickets")
        return None if not row or row[0][0] is None else int(row[0][0])

    def counter(self, name: str) -> int | None:
        """One counter, outside a write (a cheap poll)."""
        row = self.db.query("SELECT value FROM live_counters WHERE name = ?", (name,))
        return int(row[0][0]) if row else None

    def ticket(self, ticket_id: int) -> bytes | None:
        """A ticket as the Tickets API shows it (without ``url``), unless deleted."""
        rows = self.db.query(
            "SELECT raw FROM live_tickets WHERE id = ? AND NOT deleted",
            (ticket_id,),
            text_as_bytes=True,
        )
        return bytes(rows[0][0]) if rows else None

    def is_deleted(self, ticket_id: int) -> bool:
        """Whether the live ticket ``ticket_id`` was deleted."""
        rows = self.db.query("SELECT deleted FROM live_tickets WHERE id = ?", (ticket_id,))
        return bool(rows and rows[0][0])

    def tickets_after(self, after: int | None, limit: int) -> list[tuple[int, bytes]]:
        """Up to ``limit`` tickets (not deleted) with an id above ``after``, by id."""
        rows = self.db.query(
            "SELECT id, raw FROM live_tickets WHERE NOT deleted AND id > ? ORDER BY id LIMIT ?",
            (after if after is not None else -1, limit),
            text_as_bytes=True,
        )
        return [(int(r[0]), bytes(r[1])) for r in rows]

    def tickets_before(self, before: int, limit: int) -> list[tuple[int, bytes]]:
        """Up to ``limit`` tickets (not deleted) just below id ``before``, by id ascending."""
        rows = self.db.query(
            "SELECT id, raw FROM live_tickets WHERE NOT deleted AND id < ? ORDER BY id DESC "
            "LIMIT ?",
            (before, limit),
            text_as_bytes=True,
        )
        return [(int(r[0]), bytes(r[1])) for r in reversed(rows)]

    def tickets_page(self, offset: int, limit: int) -> tuple[list[bytes], int]:
        """An offset page of tickets (not deleted) by id, and how many there are."""
        total = self.db.query("SELECT COUNT(*) FROM live_tickets WHERE NOT deleted")[0][0]
        rows = self.db.query(
            "SELECT raw FROM live_tickets WHERE NOT deleted ORDER BY id LIMIT ? OFFSET ?",
            (limit, offset),
            text_as_bytes=True,
        )
        return [bytes(r[0]) for r in rows], int(total)

    def ids(self, *, statuses: Sequence[str] | None = None) -> list[int]:
        """Ids of the live tickets (optionally only those of ``statuses``), by id."""
        if statuses is None:
            rows = self.db.query("SELECT id FROM live_tickets ORDER BY id")
        else:
            marks = ", ".join("?" * len(statuses))
            rows = self.db.query(
                f"SELECT id FROM live_tickets WHERE status IN ({marks}) ORDER BY id",
                tuple(statuses),
            )
        return [int(r[0]) for r in rows]
