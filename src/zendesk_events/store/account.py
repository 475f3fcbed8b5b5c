"""The account's objects that export tools read besides the events: ticket fields, groups,
SLA policies. Each is kept as the JSON the API serves (``raw``) plus the columns people query.

A sync fills ``ticket_fields`` from ``GET /api/v2/ticket_fields.json`` so field changes can be
named; the emulator fills all three with the account it emulates; the server serves them back.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

from zendesk_events.store.database import Database, Transaction

__all__ = ["AccountStore"]

_TABLES: dict[str, tuple[str, ...]] = {
    "ticket_fields": ("type", "title", "active", "position"),
    "groups": ("name",),
    "sla_policies": ("title", "position"),
}
"""Table -> the columns taken from the object besides ``id`` and ``raw``."""


class AccountStore:
    """The ``ticket_fields``, ``groups`` and ``sla_policies`` tables."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def put(self, tx: Transaction, table: str, objects: Iterable[dict[str, Any]]) -> int:
        """Insert or replace objects (each needs an integer ``id``); returns how many.

        Raises:
            KeyError: ``table`` is not one of the account tables.
        """
        columns = _TABLES[table]
        rows = [
            (obj["id"], *(obj.get(c) for c in columns), orjson.dumps(obj).decode())
            for obj in objects
        ]
        names = ", ".join(("id", *columns, "raw"))
        marks = ", ".join("?" * (len(columns) + 2))
        updates = ", ".join(f"{c} = excluded.{c}" for c in (*columns, "raw"))
        tx.executemany(
            f"INSERT INTO {table} ({names}) VALUES ({marks}) "
            f"ON CONFLICT (id) DO UPDATE SET {updates}",
            rows,
        )
        return len(rows)

    def delete(self, tx: Transaction, table: str, object_id: int) -> bool:
        """Remove one object; returns whether it existed."""
        _TABLES[table]
        tx.execute(f"DELETE FROM {table} WHERE id = ?", (object_id,))
        return tx.rowcount > 0

    def raw(self, table: str) -> list[bytes]:
        """Every object of ``table`` as its stored JSON bytes, in the API's order.

        Ticket fields and SLA policies come by ``position`` then id, groups by name then id
        (as recorded from ``GET /api/v2/groups.json``), compared by code point so that both
        databases agree whatever their collation.
        """
        if table == "groups":
            rows = self.db.query("SELECT name, id, raw FROM groups", text_as_bytes=True)
            rows.sort(key=lambda r: (r[0] or b"", int(r[1])))
            return [r[2] for r in rows]
        order = "position, id" if "position" in _TABLES[table] else "id"
        return [
            r[0]
            for r in self.db.query(f"SELECT raw FROM {table} ORDER BY {order}", text_as_bytes=True)
        ]

    def get(self, table: str, object_id: int) -> dict[str, Any] | None:
        """One object, decoded, or None."""
        _TABLES[table]
        rows = self.db.query(f"SELECT raw FROM {table} WHERE id = ?", (object_id,))
        return orjson.loads(rows[0][0]) if rows else None

    def all(self, table: str) -> list[dict[str, Any]]:
        """Every object of ``table``, decoded, in the order of :meth:`raw`."""
        return [orjson.loads(r) for r in self.raw(table)]

    def field_titles(self) -> dict[int, str]:
        """Ticket field id -> title (custom and system fields alike)."""
        return {
            int(r[0]): str(r[1])
            for r in self.db.query("SELECT id, title FROM ticket_fields WHERE title IS NOT NULL")
        }
