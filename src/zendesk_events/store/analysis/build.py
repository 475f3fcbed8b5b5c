"""Building the analysis tables incrementally: find the tickets whose events changed, rebuild
those tickets whole, in batches, each batch in one transaction.

Why per ticket, found by fingerprint: every analysis row belongs to one ticket and depends only
on that ticket's events (and on the field titles and the ``as_of`` time, handled apart). The
events give no reliable "changed since" marker: metric events arrive late with back-dated times
and change in place (a pre-written breach turns ``deleted``), and a sync may fill in older
history. So each run compares a cheap per-ticket fingerprint of the stored events (counts and
folded sums of ids, metric times and deleted flags, read from the per-ticket indexes) with the
one the tables were built from. Re-running after a sync rebuilds only the tickets it touched,
and the result is the same as a full rebuild, by construction.

A batch stores the fingerprint read before it ran. Data only grows, so the batch saw at least
that much; if a sync wrote in between, the next run sees a newer fingerprint and rebuilds the
ticket again: never stale, at worst rebuilt twice. Batches keep each SQLite write lock short,
so a sync writing at the same time waits seconds, not minutes.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from zendesk_events.store.analysis import sql
from zendesk_events.store.analysis.snapshot import COLUMNS, fold_snapshots
from zendesk_events.store.database import Database, Transaction

__all__ = ["ANALYSIS_VERSION", "AnalysisRun", "Builder", "Progress"]

ANALYSIS_VERSION = "1"
"""Bumped when a table's meaning changes: a store built by another version is rebuilt whole."""

BATCH_TICKETS = 5000
"""Tickets rebuilt per transaction."""

Progress = Callable[[int, int], None]
"""Called with (tickets rebuilt so far, tickets to rebuild)."""

_KEY_VERSION = "analysis.version"
_KEY_AS_OF = "analysis.as_of"
_KEY_FIELDS = "analysis.ticket_fields"
_KEY_BUILT = "analysis.built_at"


@dataclass(frozen=True, slots=True)
class AnalysisRun:
    """What one ``analyze`` run did.

    Attributes:
        full: every ticket was rebuilt (first run, ``full=True``, or a new analysis version).
        tickets: tickets rebuilt.
        as_of: the time breaches were judged against (epoch seconds).
        renamed: custom field names were refreshed from ``ticket_fields``.
        seconds: how long the run took.
        rows: rows per analysis table after the run.
    """

    full: bool
    tickets: int
    as_of: int
    renamed: bool
    seconds: float
    rows: dict[str, int]


class Builder:
    """One run of the incremental build over ``db``."""

    def __init__(self, db: Database, *, batch_tickets: int = BATCH_TICKETS) -> None:
        self.db = db
        self.batch_tickets = max(1, batch_tickets)

    # ---- settings -----------------------------------------------------------------------------

    def _setting(self, key: str) -> str | None:
        rows = self.db.query("SELECT value FROM settings WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    @staticmethod
    def _put(tx: Transaction, key: str, value: str) -> None:
        tx.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def _fields_hash(self) -> str:
        rows = self.db.query("SELECT id, title FROM ticket_fields ORDER BY id")
        return hashlib.sha256(repr([(int(i), t) for i, t in rows]).encode()).hexdigest()

    # ---- the run ------------------------------------------------------------------------------

    def run(self, *, as_of: int, full: bool, progress: Progress | None) -> AnalysisRun:
        started = time.monotonic()
        full = full or self._setting(_KEY_VERSION) != ANALYSIS_VERSION
        if full:
            with self.db.transaction() as tx:
                for table in (*sql.ANALYSIS_TABLES, "analysis_tickets"):
                    tx.execute(f"DELETE FROM {table}")
                for key in (_KEY_AS_OF, _KEY_FIELDS, _KEY_VERSION, _KEY_BUILT):
                    tx.execute("DELETE FROM settings WHERE key = ?", (key,))
        fields_hash = self._fields_hash()
        renamed = False
        if not full and self._setting(_KEY_FIELDS) != fields_hash:
            with self.db.transaction() as tx:
                tx.execute(sql.field_names_update())
                self._put(tx, _KEY_FIELDS, fields_hash)
            renamed = True
        previous = self._setting(_KEY_AS_OF)
        if previous is not None and int(previous) != as_of:
            lo, hi = sorted((int(previous), as_of))
            with self.db.transaction() as tx:
                tx.execute(sql.sla_time_update(), (as_of, as_of, as_of, lo, hi))
                self._put(tx, _KEY_AS_OF, str(as_of))
        dirty = [tuple(int(v) for v in row) for row in self.db.query(sql.FINGERPRINTS)]
        total = len(dirty)
        if progress:
            progress(0, total)
        step = max(total, 1) if self._indexes_deferred() else self.batch_tickets
        for start in range(0, total, step):
            self._rebuild(dirty[start : start + step], as_of)
            if progress:
                progress(min(start + step, total), total)
        with self.db.transaction() as tx:
            self._put(tx, _KEY_VERSION, ANALYSIS_VERSION)
            self._put(tx, _KEY_AS_OF, str(as_of))
            self._put(tx, _KEY_FIELDS, fields_hash)
            self._put(tx, _KEY_BUILT, str(int(time.time())))
        return AnalysisRun(
            full=full,
            tickets=total,
            as_of=as_of,
            renamed=renamed,
            seconds=time.monotonic() - started,
            rows=self.counts(),
        )

    def _indexes_deferred(self) -> bool:
        # Without the per-ticket indexes (a first backfill is still running) each batch would
        # scan whole tables: one batch then costs what all of them would.
        return bool(self.db.query("SELECT 1 FROM settings WHERE key = 'lookup_indexes_deferred'"))

    def _rebuild(self, tickets: Sequence[tuple[int, ...]], as_of: int) -> None:
        d = self.db.dialect
        with self.db.transaction() as tx:
            if d == "postgresql":
                # Two analyze runs at once would insert the same keys; SQLite's write lock
                # already serialises them, PostgreSQL's row locks do not.
                tx.execute("SELECT pg_advisory_xact_lock(7263550106)")
            tx.execute(sql.batch_table(d))
            if d == "sqlite":
                tx.execute(f"DELETE FROM {sql.BATCH}")
            tx.executemany(
                f"INSERT INTO {sql.BATCH} (ticket_id) VALUES (?)", [t[:1] for t in tickets]
            )
            if d == "postgresql":
                tx.execute(f"ANALYZE {sql.BATCH}")
            for table in (*sql.ANALYSIS_TABLES, "analysis_tickets"):
                tx.execute(f"DELETE FROM {table} WHERE {sql.IN_BATCH}")
            tx.execute(sql.FIELD_HISTORY)
            tx.execute(sql.status_periods())
            tx.execute(sql.sla_outcomes(d), (as_of, as_of, as_of))
            self._snapshots(tx)
            tx.executemany(
                "INSERT INTO analysis_tickets (ticket_id, audits, audit_ids, metric_events, "
                "metric_ids, metric_deleted) VALUES (?, ?, ?, ?, ?, ?)",
                list(tickets),
            )

    @staticmethod
    def _snapshots(tx: Transaction) -> None:
        audits = tx.execute(sql.snapshot_audits()).fetchall()
        fields = tx.execute(sql.snapshot_fields()).fetchall()
        rows = fold_snapshots(audits, fields)
        marks = ", ".join("?" * len(COLUMNS))
        tx.executemany(f"INSERT INTO ticket_snapshot ({', '.join(COLUMNS)}) VALUES ({marks})", rows)

    # ---- inspection ---------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        return {
            t: int(self.db.query(f"SELECT COUNT(*) FROM {t}")[0][0]) for t in sql.ANALYSIS_TABLES
        }

    def state(self) -> dict[str, Any]:
        """The stored bookkeeping: version, as_of and when the tables were last built."""
        return {
            "version": self._setting(_KEY_VERSION),
            "as_of": None if (v := self._setting(_KEY_AS_OF)) is None else int(v),
            "built_at": None if (v := self._setting(_KEY_BUILT)) is None else int(v),
        }
