"""Reading and writing the two event streams: upserts, export pages, counts.

The export page is assembled from stored JSON text without parsing a single event: the server
joins the ``raw`` column into the response body (see :class:`StoredPage`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from zendesk_events.events import StreamName
from zendesk_events.store.database import Database, Transaction
from zendesk_events.store.normalize import append_ticket_event_rows, metric_event_row

__all__ = ["CursorPage", "EventStore", "Merged", "PreparedRows", "StoredPage"]

Item = TypeVar("Item", str, bytes)

_MERGE_BATCH = 500
"""Ids per lookup when :meth:`EventStore.merge` reads what is stored (bound parameters)."""

_PG_COPY_MIN_ROWS = 50
"""Below this many rows a PostgreSQL upsert is sent row by row (a COPY has a fixed cost)."""

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
    (id, field, field_id, audit_id, ticket_id, timestamp, event_type, value, previous_value,
     added, removed, via, via_reference_id)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id, field, field_id) DO UPDATE SET
    audit_id = excluded.audit_id, ticket_id = excluded.ticket_id,
    timestamp = excluded.timestamp, event_type = excluded.event_type, value = excluded.value,
    previous_value = excluded.previous_value, added = excluded.added,
    removed = excluded.removed, via = excluded.via, via_reference_id = excluded.via_reference_id
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

# A row written again unchanged keeps when it became visible; a changed one (a breach turned
# ``deleted``) is visible from its new write on, as Zendesk excludes items changed in the last
# minute.
_UPSERT_METRIC_EVENT = """
INSERT INTO ticket_metric_events
    (id, ticket_id, metric, instance_id, type, time, timestamp, deleted, visible_at, raw)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET
    ticket_id = excluded.ticket_id, metric = excluded.metric,
    instance_id = excluded.instance_id, type = excluded.type, time = excluded.time,
    timestamp = excluded.timestamp, deleted = excluded.deleted,
    visible_at = CASE WHEN ticket_metric_events.raw = excluded.raw
                      THEN ticket_metric_events.visible_at ELSE excluded.visible_at END,
    raw = excluded.raw
"""

_TABLES = ("ticket_events", "ticket_field_changes", "ticket_comments", "ticket_metric_events")

_COLUMNS = {
    "ticket_events": "id, ticket_id, timestamp, created_at, updater_id, via, event_type, raw, "
    "raw_comments",
    "ticket_field_changes": "id, field, field_id, audit_id, ticket_id, timestamp, event_type, "
    "value, previous_value, added, removed, via, via_reference_id",
    "ticket_comments": "id, audit_id, ticket_id, timestamp, author_id, public, body, html_body, "
    "created_at, raw",
    "ticket_metric_events": "id, ticket_id, metric, instance_id, type, time, timestamp, deleted, "
    "visible_at, raw",
}

_UPSERTS = {
    "ticket_events": _UPSERT_TICKET_EVENT,
    "ticket_field_changes": _UPSERT_FIELD_CHANGE,
    "ticket_comments": _UPSERT_COMMENT,
    "ticket_metric_events": _UPSERT_METRIC_EVENT,
}


def _staging(table: str) -> str:
    return f"_zde_stage_{table}"


def _upsert_from_staging(table: str) -> str:
    """The table's upsert reading a staging table instead of one ``VALUES`` row."""
    sql = _UPSERTS[table]
    values = sql[sql.index("VALUES") : sql.index("ON CONFLICT")]
    return sql.replace(values, f"SELECT {_COLUMNS[table]} FROM {_staging(table)}\n")


_PG_BULK = {table: _upsert_from_staging(table) for table in _UPSERTS}


@dataclass(slots=True)
class PreparedRows:
    """Events of one stream turned into table rows, ready for :meth:`EventStore.write`.

    Building rows is pure Python work with no database; the sync engine does it in its
    prefetch thread while the writer thread is inside the database.

    Attributes:
        stream: the stream the events belong to.
        events: ``ticket_events`` or ``ticket_metric_events`` rows, one per event.
        changes: ``ticket_field_changes`` rows.
        comments: ``ticket_comments`` rows.
    """

    stream: StreamName
    events: list[tuple[Any, ...]]
    changes: list[tuple[Any, ...]]
    comments: list[tuple[Any, ...]]

    @property
    def count(self) -> int:
        """Events in the batch."""
        return len(self.events)


@dataclass(frozen=True, slots=True)
class Merged:
    """What :meth:`EventStore.merge` did with a batch of events.

    Attributes:
        new: ``(id, timestamp)`` of each event the store did not hold.
        changed: events stored again because their content differs.
        unchanged: events left alone: stored exactly as they came again.
    """

    new: list[tuple[int, int]]
    changed: int
    unchanged: int


@dataclass(frozen=True, slots=True)
class StoredPage(Generic[Item]):
    """One time-based export page, decided by our paging rules (spec §2).

    Attributes:
        items: each item's served JSON, in (timestamp, id) order: text from
            :meth:`EventStore.export_page`, UTF-8 bytes from :meth:`EventStore.export_page_bytes`.
        end_time: where the next page starts (``next_page``'s ``start_time``).
        end_of_stream: fewer items than the page limit: the export has caught up.
    """

    items: list[Item]
    end_time: int
    end_of_stream: bool

    @property
    def count(self) -> int:
        return len(self.items)

    def items_json(self: StoredPage[str]) -> str:
        """The items as one JSON array, joined from the stored text (nothing re-serialized)."""
        return "[" + ",".join(self.items) + "]"


@dataclass(frozen=True, slots=True)
class CursorPage:
    """One keyset page of metric events, in (timestamp, id) order (spec §2b).

    Attributes:
        items: each item's stored JSON as UTF-8 bytes.
        first: (timestamp, id) of the first item; None when empty.
        last: (timestamp, id) of the last item; None when empty.
        has_more: more items lie beyond the page in the direction it was read.
    """

    items: list[bytes]
    first: tuple[int, int] | None
    last: tuple[int, int] | None
    has_more: bool


class EventStore:
    """The event tables of one database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # ---- writes -----------------------------------------------------------------------------

    @staticmethod
    def prepare(
        stream: StreamName, events: Iterable[dict[str, Any]], *, visible_at: int | None = None
    ) -> PreparedRows:
        """The rows ``events`` of ``stream`` make (no database access: any thread may call it).

        Args:
            stream: the events' stream.
            events: the items as served.
            visible_at: metric events only: when the rows may first be exported (see
                :func:`~zendesk_events.store.normalize.metric_event_row`); None: each event's
                own time.
        """
        changes: list[tuple[Any, ...]] = []
        comments: list[tuple[Any, ...]] = []
        if stream == "ticket_events":
            rows = [append_ticket_event_rows(e, changes, comments) for e in events]
        else:
            rows = [metric_event_row(e, visible_at) for e in events]
        return PreparedRows(stream, rows, changes, comments)

    def write(
        self, tx: Transaction, prepared: PreparedRows, *, visible_at: int | None = None
    ) -> int:
        """Insert or replace prepared rows inside ``tx``; returns how many events.

        SQLite takes one ``executemany`` per table. PostgreSQL takes a ``COPY`` into a
        transaction-scoped staging table and one ``INSERT ... SELECT ... ON CONFLICT`` per table
        (a row-by-row upsert costs a round of statement processing per row).

        Args:
            tx: the transaction.
            prepared: rows from :meth:`prepare`.
            visible_at: metric events only: when the rows may first be exported, replacing
                what :meth:`prepare` put (a sync passes the time it writes: a mirror serves
                what it has synced). A row written again unchanged keeps its old value.
        """
        if visible_at is not None and prepared.stream == "ticket_metric_events":
            prepared = PreparedRows(
                prepared.stream,
                [(*r[:8], visible_at, r[9]) for r in prepared.events],
                prepared.changes,
                prepared.comments,
            )
        main = "ticket_events" if prepared.stream == "ticket_events" else "ticket_metric_events"
        batches = [(main, prepared.events)]
        if prepared.changes:
            batches.append(("ticket_field_changes", prepared.changes))
        if prepared.comments:
            batches.append(("ticket_comments", prepared.comments))
        for table, rows in batches:
            if not rows:
                continue
            if self.db.dialect == "sqlite" or len(rows) < _PG_COPY_MIN_ROWS:
                tx.executemany(_UPSERTS[table], rows)
            else:
                self._copy_upsert(tx, table, rows)
        return prepared.count

    @staticmethod
    def _copy_upsert(tx: Transaction, table: str, rows: list[tuple[Any, ...]]) -> None:
        tx.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {_staging(table)} "
            f"(LIKE {table} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
        )
        tx.copy_rows(
            f"COPY {_staging(table)} ({_COLUMNS[table]}) FROM STDIN", _last_per_key(table, rows)
        )
        tx.execute(_PG_BULK[table])

    def merge(
        self, tx: Transaction, prepared: PreparedRows, *, visible_at: int | None = None
    ) -> Merged:
        """:meth:`write` only the events that are new or changed; say which were which.

        For pages read again (a sync's look-back): an event stored exactly as it comes again is
        left alone, with its rows of field changes and comments; a new one is inserted; a
        changed one (a breach turned ``deleted``) replaces the stored one. Compared on the
        stored JSON (``raw``, and ``raw_comments`` when the new row has it).
        """
        main = "ticket_events" if prepared.stream == "ticket_events" else "ticket_metric_events"
        ids = [row[0] for row in prepared.events]
        stored: dict[Any, tuple[Any, Any]] = {}
        comments = ", raw_comments" if main == "ticket_events" else ", NULL"
        for n in range(0, len(ids), _MERGE_BATCH):
            chunk = ids[n : n + _MERGE_BATCH]
            marks = ", ".join("?" * len(chunk))
            for row in tx.execute(
                f"SELECT id, raw{comments} FROM {main} WHERE id IN ({marks})", chunk
            ).fetchall():
                stored[row[0]] = (row[1], row[2])
        raw_at, ts_at = (7, 2) if main == "ticket_events" else (9, 6)
        kept: list[tuple[Any, ...]] = []
        new: list[tuple[int, int]] = []
        changed = 0
        for row in prepared.events:
            before = stored.get(row[0])
            if before is None:
                new.append((int(row[0]), int(row[ts_at])))
            elif before[0] == row[raw_at] and (
                main != "ticket_events" or row[8] is None or before[1] == row[8]
            ):
                continue
            else:
                changed += 1
            kept.append(row)
        if len(kept) < len(prepared.events):
            audits = {row[0] for row in kept}
            prepared = PreparedRows(
                prepared.stream,
                kept,
                [c for c in prepared.changes if c[3] in audits],
                [c for c in prepared.comments if c[1] in audits],
            )
        self.write(tx, prepared, visible_at=visible_at)
        return Merged(new, changed, len(ids) - len(kept))

    def upsert_ticket_events(self, tx: Transaction, events: Iterable[dict[str, Any]]) -> int:
        """Insert or replace ticket events and their normalized rows; returns how many."""
        return self.write(tx, self.prepare("ticket_events", events))

    def upsert_metric_events(self, tx: Transaction, events: Iterable[dict[str, Any]]) -> int:
        """Insert or replace metric events; returns how many."""
        return self.write(tx, self.prepare("ticket_metric_events", events))

    def upsert(
        self,
        tx: Transaction,
        stream: StreamName,
        events: list[dict[str, Any]],
        *,
        visible_at: int | None = None,
    ) -> int:
        """Write ``events`` of ``stream`` (``visible_at`` as in :meth:`prepare`)."""
        return self.write(tx, self.prepare(stream, events, visible_at=visible_at))

    # ---- export pages -----------------------------------------------------------------------

    def export_page(
        self,
        stream: StreamName,
        start_time: int,
        *,
        before: int,
        limit: int,
        include_comments: bool = False,
        late_events: bool = True,
    ) -> StoredPage[str]:
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

        ``late_events``: a metric event row is served only once its ``visible_at`` is also
        older than ``before`` (late, back-dated events, spec §5); False ignores ``visible_at``.
        """
        return self._export_page(
            stream, start_time, before, limit, include_comments, False, late_events
        )

    def export_page_bytes(
        self,
        stream: StreamName,
        start_time: int,
        *,
        before: int,
        limit: int,
        include_comments: bool = False,
        late_events: bool = True,
    ) -> StoredPage[bytes]:
        """:meth:`export_page` with each item as the stored UTF-8 bytes: the server's hot path.

        The driver hands the column over without decoding it, so the page body is one
        ``bytes.join`` away: no decode per item and no encode of the ~1 MB body.
        """
        return self._export_page(
            stream, start_time, before, limit, include_comments, True, late_events
        )

    def _export_page(
        self,
        stream: StreamName,
        start_time: int,
        before: int,
        limit: int,
        include_comments: bool,
        as_bytes: bool,
        late_events: bool,
    ) -> StoredPage[Any]:
        table = "ticket_events" if stream == "ticket_events" else "ticket_metric_events"
        column = "COALESCE(raw_comments, raw)" if include_comments else "raw"
        # Metric events can be written late, back-dated (spec §5): a row is served only once
        # it has been visible for the same hold-back as everything else.
        visible = " AND visible_at < ?" if late_events and table == "ticket_metric_events" else ""
        extra: tuple[int, ...] = (before,) if visible else ()
        rows = self.db.query(
            f"SELECT timestamp, id, {column} FROM {table} "
            f"WHERE timestamp >= ? AND timestamp < ?{visible} ORDER BY timestamp, id LIMIT ?",
            (start_time, before, *extra, limit + 1),
            text_as_bytes=as_bytes,
        )
        if not rows:
            return StoredPage([], start_time, True)
        if len(rows) > limit:
            page = rows[:limit]
            extended = int(rows[limit][0]) == int(page[-1][0])
        else:
            page, extended = rows, False
        items = [r[2] for r in page]
        last_ts, last_id = int(page[-1][0]), page[-1][1]
        if extended:
            rest = self.db.query(
                f"SELECT {column} FROM {table} WHERE timestamp = ? AND id > ?{visible} ORDER BY id",
                (last_ts, last_id, *extra),
                text_as_bytes=as_bytes,
            )
            items.extend(r[0] for r in rest)
        end_of_stream = len(page) < limit
        single_second = int(page[0][0]) == last_ts
        end_time = last_ts + 1 if not end_of_stream and (extended or single_second) else last_ts
        return StoredPage(items, end_time, end_of_stream)

    def metric_cursor_page(
        self,
        *,
        start_time: int | None,
        after: tuple[int, int] | None = None,
        before_key: tuple[int, int] | None = None,
        before: int,
        limit: int,
        late_events: bool = True,
    ) -> CursorPage:
        """A keyset page of metric events: the cursor-paged export (spec §2b).

        Keyset on (timestamp, id), the order the time-based export uses, so a walk never
        repeats or skips an item whatever the page size and however many items share a
        second; no page is extended.

        Args:
            start_time: items at or after this second (None: no lower bound).
            after: items strictly after this (timestamp, id) (``page[after]``).
            before_key: items strictly before this (timestamp, id) (``page[before]``), the
                ``limit`` nearest ones, still returned in ascending order.
            before: items (and, with ``late_events``, rows) older than this second only.
            limit: items per page.
            late_events: as in :meth:`export_page`.
        """
        if after is not None and before_key is not None:
            raise ValueError("give after or before_key, not both")
        vis = " AND visible_at < ?" if late_events else ""
        head = f"SELECT timestamp, id, raw FROM ticket_metric_events WHERE timestamp < ?{vis} AND "
        bound: tuple[int, ...] = (before, before) if late_events else (before,)
        low = "" if start_time is None else " AND timestamp >= ?"
        low_p: tuple[int, ...] = () if start_time is None else (start_time,)
        rows: list[tuple[Any, ...]] = []
        # A cursor inside a crowded second is two index seeks, the rest of its second by id
        # and then the later (earlier) seconds: one OR-ed condition would make both databases
        # scan the whole second up to the cursor first (measured: 8x slower in a 12k-item
        # second), and a UNION ALL does not promise its order.
        if before_key is None:
            rest = "timestamp >= ?" if start_time is not None else "1 = 1"
            rest_p: tuple[int, ...] = low_p
            if after is not None and (start_time is None or after[0] >= start_time):
                rows = self._rows(
                    head + "timestamp = ? AND id > ? ORDER BY id LIMIT ?",
                    (*bound, after[0], after[1], limit + 1),
                )
                rest, rest_p = "timestamp > ?", (after[0],)
            if len(rows) <= limit:
                rows += self._rows(
                    head + f"{rest} ORDER BY timestamp, id LIMIT ?",
                    (*bound, *rest_p, limit + 1 - len(rows)),
                )
            has_more = len(rows) > limit
            rows = rows[:limit]
        else:
            rows = self._rows(
                head + f"timestamp = ? AND id < ?{low} ORDER BY id DESC LIMIT ?",
                (*bound, before_key[0], before_key[1], *low_p, limit + 1),
            )
            if len(rows) <= limit:
                rows += self._rows(
                    head + f"timestamp < ?{low} ORDER BY timestamp DESC, id DESC LIMIT ?",
                    (*bound, before_key[0], *low_p, limit + 1 - len(rows)),
                )
            has_more = len(rows) > limit
            rows = rows[:limit]
            rows.reverse()
        if not rows:
            return CursorPage([], None, None, False)
        return CursorPage(
            [r[2] for r in rows],
            (int(rows[0][0]), int(rows[0][1])),
            (int(rows[-1][0]), int(rows[-1][1])),
            has_more,
        )

    def _rows(self, sql: str, params: tuple[int, ...]) -> list[tuple[Any, ...]]:
        return self.db.query(sql, params, text_as_bytes=True)

    # ---- inspection -------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """Rows per event table."""
        return {t: int(self.db.query(f"SELECT COUNT(*) FROM {t}")[0][0]) for t in _TABLES}

    def time_span(self, stream: StreamName) -> tuple[int, int] | None:
        """Oldest and newest item second of ``stream`` (None when empty)."""
        table = "ticket_events" if stream == "ticket_events" else "ticket_metric_events"
        row = self.db.query(f"SELECT MIN(timestamp), MAX(timestamp) FROM {table}")[0]
        return None if row[0] is None else (int(row[0]), int(row[1]))


def _last_per_key(table: str, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """``rows`` with one row per primary key, as row-by-row upserts would leave them.

    One ``INSERT ... ON CONFLICT`` cannot touch a row twice, so repeats within a batch (e.g. a
    client that keeps boundary duplicates) are merged first: the later row wins, except that a
    ``ticket_events`` row keeps an earlier ``raw_comments`` when its own is NULL.
    """
    width = 3 if table == "ticket_field_changes" else 1
    last: dict[Any, tuple[Any, ...]] = {}
    for row in rows:
        key = row[0] if width == 1 else row[:3]
        before = last.get(key)
        if before is not None and table == "ticket_events" and row[8] is None:
            row = (*row[:8], before[8])
        last[key] = row
    return rows if len(last) == len(rows) else list(last.values())
