"""Reading and writing the two event streams: upserts, export pages, counts.

The export page is assembled from stored JSON text without parsing a single event: the server
joins the ``raw`` column into the response body (see :class:`StoredPage`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from zendesk_events.events import StreamName
from zendesk_events.store.database import Database, Transaction
from zendesk_events.store.normalize import metric_event_row, ticket_event_rows

__all__ = ["EventStore", "StoredPage"]

_UPSERT_TICKET_EVENT = """
INSERT INTO ticket_events
    (id, ticket_id, timestamp, created_at, updater_id, via, event_type, raw, raw_comments)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET
    ticket_id = excluded.ticket_id, timestamp = excluded.timestamp,
    created_at = excluded.created_at, updater_id = excluded.updater_id, via = excluded.via,
    event_type = excluded.event_type, raw = excluded.raw,
    raw_comments = COALESCE(excluded.raw_comments, ticket_events.raw_comments)
"""

_UPSERT_FIELD_CHANGE = """
INSERT INTO ticket_field_changes
    (id, field, audit_id, ticket_id, timestamp, event_type, value, previous_value, via,
     via_reference_id)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id, field) DO UPDATE SET
    audit_id = excluded.audit_id, ticket_id = excluded.ticket_id,
    timestamp = excluded.timestamp, event_type = excluded.event_type, value = excluded.value,
    previous_value = excluded.previous_value, via = excluded.via,
    via_reference_id = excluded.via_reference_id
"""

_UPSERT_COMMENT = """
INSERT INTO ticket_comments
    (id, audit_id, ticket_id, timestamp, author_id, public, body, html_body, created_at, raw)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET
    audit_id = excluded.audit_id, ticket_id = excluded.ticket_id,
    timestamp = excluded.timestamp, author_id = excluded.author_id, public = excluded.public,
    body = excluded.body, html_body = excluded.html_body, created_at = excluded.created_at,
    raw = excluded.raw
"""

_UPSERT_METRIC_EVENT = """
INSERT INTO ticket_metric_events
    (id, ticket_id, metric, instance_id, type, time, timestamp, raw)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET
    ticket_id = excluded.ticket_id, metric = excluded.metric,
    instance_id = excluded.instance_id, type = excluded.type, time = excluded.time,
    timestamp = excluded.timestamp, raw = excluded.raw
"""

_TABLES = ("ticket_events", "ticket_field_changes", "ticket_comments", "ticket_metric_events")


@dataclass(frozen=True, slots=True)
class StoredPage:
    """One time-based export page, decided by our paging rules (spec §2).

    Attributes:
        items: each item's served JSON text, in (timestamp, id) order.
        end_time: where the next page starts (``next_page``'s ``start_time``).
        end_of_stream: fewer items than the page limit: the export has caught up.
    """

    items: list[str]
    end_time: int
    end_of_stream: bool

    @property
    def count(self) -> int:
        return len(self.items)

    def items_json(self) -> str:
        """The items as one JSON array, joined from the stored text (nothing re-serialized)."""
        return "[" + ",".join(self.items) + "]"


class EventStore:
    """The event tables of one database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # ---- writes -----------------------------------------------------------------------------

    def upsert_ticket_events(self, tx: Transaction, events: Iterable[dict[str, Any]]) -> int:
        """Insert or replace ticket events and their normalized rows; returns how many."""
        rows, changes, comments = [], [], []
        for event in events:
            r = ticket_event_rows(event)
            rows.append(r.event)
            changes.extend(r.changes)
            comments.extend(r.comments)
        tx.executemany(_UPSERT_TICKET_EVENT, rows)
        tx.executemany(_UPSERT_FIELD_CHANGE, changes)
        tx.executemany(_UPSERT_COMMENT, comments)
        return len(rows)

    def upsert_metric_events(self, tx: Transaction, events: Iterable[dict[str, Any]]) -> int:
        """Insert or replace metric events; returns how many."""
        rows = [metric_event_row(e) for e in events]
        tx.executemany(_UPSERT_METRIC_EVENT, rows)
        return len(rows)

    def upsert(self, tx: Transaction, stream: StreamName, events: list[dict[str, Any]]) -> int:
        """Write ``events`` of ``stream``."""
        if stream == "ticket_events":
            return self.upsert_ticket_events(tx, events)
        return self.upsert_metric_events(tx, events)

    # ---- export pages -----------------------------------------------------------------------

    def export_page(
        self,
        stream: StreamName,
        start_time: int,
        *,
        before: int,
        limit: int,
        include_comments: bool = False,
    ) -> StoredPage:
        """The page of ``stream`` starting at ``start_time``, with items older than ``before``.

        Paging rules (spec §2, "our rule for same-second runs"):

        * up to ``limit`` items in (timestamp, id) order;
        * if the ``limit``-th item's second continues past it, the page is extended to the end
          of that second, so a page never splits a second;
        * ``end_time`` is the last item's timestamp, as Zendesk does (the next page repeats
          that second; clients drop those by id). But when the page was extended, or all its
          items share one second, the page holds *every* item of its last second and repeating
          it would re-send >= ``limit`` items, or the same page forever, so ``end_time`` is that
          second + 1 instead: nothing lost, nothing looping.
        * fewer than ``limit`` items means ``end_of_stream``; an empty page has
          ``end_time = start_time``.
        """
        table = "ticket_events" if stream == "ticket_events" else "ticket_metric_events"
        column = "COALESCE(raw_comments, raw)" if include_comments else "raw"
        rows = self.db.query(
            f"SELECT timestamp, id, {column} FROM {table} "
            "WHERE timestamp >= ? AND timestamp < ? ORDER BY timestamp, id LIMIT ?",
            (start_time, before, limit + 1),
        )
        if not rows:
            return StoredPage([], start_time, True)
        page = rows[:limit]
        items = [r[2] for r in page]
        last_ts, last_id = int(page[-1][0]), page[-1][1]
        extended = len(rows) > limit and int(rows[limit][0]) == last_ts
        if extended:
            rest = self.db.query(
                f"SELECT {column} FROM {table} WHERE timestamp = ? AND id > ? ORDER BY id",
                (last_ts, last_id),
            )
            items.extend(r[0] for r in rest)
        end_of_stream = len(page) < limit
        single_second = int(page[0][0]) == last_ts
        end_time = last_ts + 1 if not end_of_stream and (extended or single_second) else last_ts
        return StoredPage(items, end_time, end_of_stream)

    # ---- inspection -------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """Rows per event table."""
        return {t: int(self.db.query(f"SELECT COUNT(*) FROM {t}")[0][0]) for t in _TABLES}

    def time_span(self, stream: StreamName) -> tuple[int, int] | None:
        """Oldest and newest item second of ``stream`` (None when empty)."""
        table = "ticket_events" if stream == "ticket_events" else "ticket_metric_events"
        row = self.db.query(f"SELECT MIN(timestamp), MAX(timestamp) FROM {table}")[0]
        return None if row[0] is None else (int(row[0]), int(row[1]))
