"""Request counters in fixed windows, kept in the store so every server process shares them.

A server process over a store is one door into one Zendesk account: the account's budgets
(10 exports a minute, failed sign-ins per user and per address) must hold whatever the number
of processes, worker or separate, SQLite or PostgreSQL. So the counts live in the store's
``rate_limit_windows`` table, one row per key: the window it counts and the count so far.
"""

from __future__ import annotations

from zendesk_events.store.database import Database

__all__ = ["RateWindows"]

_HIT = """
INSERT INTO rate_limit_windows (key, window_start, count) VALUES (?, ?, 1)
ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN rate_limit_windows.window_start >= excluded.window_start
                 THEN rate_limit_windows.count + 1 ELSE 1 END,
    window_start = CASE WHEN rate_limit_windows.window_start >= excluded.window_start
                        THEN rate_limit_windows.window_start ELSE excluded.window_start END
RETURNING count
"""


class RateWindows:
    """The ``rate_limit_windows`` table: one counter per key, reset when a newer window starts.

    Counting is one atomic upsert, so two processes racing on one window both count (SQLite
    serialises writers; PostgreSQL locks the row). A count for an older window than the row's
    lands in the row's window: clocks of two hosts a little apart never undo each other's count.
    """

    def __init__(self, db: Database) -> None:
        self.db = db

    def hit(self, key: str, window_start: int) -> int:
        """Count one request for ``key`` in the window starting at ``window_start``.

        Returns:
            The window's count, this request included.

        Raises:
            StoreError: the database failed.
        """
        with self.db.transaction() as tx:
            row = tx.execute(_HIT, (key, window_start)).fetchone()
        return int(row[0]) if row else 1

    def peek(self, key: str, window_start: int) -> int:
        """The count of ``key``'s window starting at ``window_start``, without counting.

        Raises:
            StoreError: the database failed.
        """
        rows = self.db.query(
            "SELECT window_start, count FROM rate_limit_windows WHERE key = ?", (key,)
        )
        if not rows or int(rows[0][0]) < window_start:
            return 0
        return int(rows[0][1])

    def prune(self, prefix: str, before: int) -> int:
        """Delete the counters of keys starting with ``prefix`` whose window began before
        ``before``: counters of many short-lived keys (client addresses) would grow the table
        without end.

        Returns:
            How many were deleted.

        Raises:
            StoreError: the database failed.
        """
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        with self.db.transaction() as tx:
            tx.execute(
                "DELETE FROM rate_limit_windows WHERE key LIKE ? ESCAPE '\\' AND window_start < ?",
                (escaped + "%", before),
            )
            return tx.rowcount
