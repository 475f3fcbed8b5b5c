"""Persisted sync cursors (one per stream), their look-back counters, and key/value settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import orjson

from zendesk_events.checkpoint import Checkpoint
from zendesk_events.store.database import Database, Transaction

__all__ = ["LateTally", "StateStore", "StreamState"]


@dataclass(frozen=True, slots=True)
class LateTally:
    """What a stream's look-backs found, kept with its cursor.

    A *late arrival* is an item a look-back found that the store did not hold although its
    time lies before the cursor the look-back started from: Zendesk wrote it after the cursor
    had passed its time (spec §5: metric events are written late, back-dated). Its lateness is
    that cursor minus its time: how far behind the cursor it was found.

    Attributes:
        late: late arrivals over all runs.
        late_worst: the greatest lateness seen, seconds (a look-back of L finds items up to L
            late: when this nears L, the window is too short).
        changed: items a look-back found changed and stored again (a breach turned
            ``deleted``), over all runs.
        run_late: late arrivals in the last run.
    """

    late: int = 0
    late_worst: int = 0
    changed: int = 0
    run_late: int = 0


@dataclass(frozen=True, slots=True)
class StreamState:
    """What ``status`` shows of one stream.

    Attributes:
        revisit_from: the earliest time a look-back may re-read: before it the target cannot
            tell a known item from a new one (the first run's start; None: not recorded).
        late: what the look-backs found (see :class:`LateTally`).
    """

    stream: str
    checkpoint: Checkpoint
    source: str | None
    include_comments: bool
    caught_up: bool
    updated_at: str
    last_run_started: str | None
    last_run_events: int
    revisit_from: int | None = None
    late: LateTally = field(default_factory=LateTally)


_COLUMNS = (
    "stream, start_time, boundary_ids, source, include_comments, caught_up, updated_at, "
    "last_run_started, last_run_events, revisit_from, late_events, late_worst, "
    "changed_events, last_run_late"
)


class StateStore:
    """The ``sync_state`` and ``settings`` tables."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, stream: str) -> StreamState | None:
        rows = self.db.query(f"SELECT {_COLUMNS} FROM sync_state WHERE stream = ?", (stream,))
        if not rows:
            return None
        r = rows[0]
        cp = Checkpoint(int(r[1]), frozenset(int(i) for i in orjson.loads(r[2])))
        return StreamState(
            r[0],
            cp,
            r[3],
            bool(r[4]),
            bool(r[5]),
            r[6],
            r[7],
            int(r[8]),
            None if r[9] is None else int(r[9]),
            LateTally(int(r[10]), int(r[11]), int(r[12]), int(r[13])),
        )

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
        revisit_from: int | None = None,
        late: LateTally | None = None,
    ) -> None:
        """Write the cursor inside ``tx``: the same transaction as the page it covers."""
        tally = late or LateTally()
        tx.execute(
            f"INSERT INTO sync_state ({_COLUMNS}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (stream) DO UPDATE SET "
            "start_time = excluded.start_time, boundary_ids = excluded.boundary_ids, "
            "source = excluded.source, include_comments = excluded.include_comments, "
            "caught_up = excluded.caught_up, updated_at = excluded.updated_at, "
            "last_run_started = excluded.last_run_started, "
            "last_run_events = excluded.last_run_events, revisit_from = excluded.revisit_from, "
            "late_events = excluded.late_events, late_worst = excluded.late_worst, "
            "changed_events = excluded.changed_events, last_run_late = excluded.last_run_late",
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
                revisit_from,
                tally.late,
                tally.late_worst,
                tally.changed,
                tally.run_late,
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
