"""Persisted sync cursors (one per stream) and key/value settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import orjson

from zendesk_events.checkpoint import Checkpoint
from zendesk_events.store.database import Database, Transaction

__all__ = ["StateStore", "StreamState"]


@dataclass(frozen=True, slots=True)
class StreamState:
    """What ``status`` shows of one stream."""

    stream: str
    checkpoint: Checkpoint
    source: str | None
    include_comments: bool
    caught_up: bool
    updated_at: str
    last_run_started: str | None
    last_run_events: int


class StateStore:
    """The ``sync_state`` and ``settings`` tables."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, stream: str) -> StreamState | None:
        rows = self.db.query(
            "SELECT stream, start_time, boundary_ids, source, include_comments, caught_up, "
            "updated_at, last_run_started, last_run_events FROM sync_state WHERE stream = ?",
            (stream,),
        )
        if not rows:
            return None
        r = rows[0]
        cp = Checkpoint(int(r[1]), frozenset(int(i) for i in orjson.loads(r[2])))
        return StreamState(r[0], cp, r[3], bool(r[4]), bool(r[5]), r[6], r[7], int(r[8]))

    def all(self) -> list[StreamState]:
        names = [r[0] for r in self.db.query("SELECT stream FROM sync_state ORDER BY stream")]
        return [s for n in names if (s := self.get(n)) is not None]

    def put(
        self,
        tx: Transaction,
        stream: str,
        checkpoint: Checkpoint,
        *,
        source: str | None,
        include_comments: bool,
        caught_up: bool,
        run_started: str | None,
        run_events: int,
    ) -> None:
        """Write the cursor inside ``tx``: the same transaction as the page it covers."""
        tx.execute(
            "INSERT INTO sync_state (stream, start_time, boundary_ids, source, include_comments, "
            "caught_up, updated_at, last_run_started, last_run_events) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (stream) DO UPDATE SET "
            "start_time = excluded.start_time, boundary_ids = excluded.boundary_ids, "
            "source = excluded.source, include_comments = excluded.include_comments, "
            "caught_up = excluded.caught_up, updated_at = excluded.updated_at, "
            "last_run_started = excluded.last_run_started, "
            "last_run_events = excluded.last_run_events",
            (
                stream,
                checkpoint.start_time,
                orjson.dumps(sorted(checkpoint.boundary_ids)).decode(),
                source,
                include_comments,
                caught_up,
                datetime.now(UTC).isoformat(timespec="seconds"),
                run_started,
                run_events,
            ),
        )

    def setting(self, key: str) -> str | None:
        rows = self.db.query("SELECT value FROM settings WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    def set_setting(self, key: str, value: str) -> None:
        with self.db.transaction() as tx:
            tx.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
