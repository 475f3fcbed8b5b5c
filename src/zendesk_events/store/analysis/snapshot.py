"""``ticket_snapshot``: each ticket's current fields, folded from its field history.

The folding rule: a field's current value is the value of its latest change (by time, then
audit id, then child id: the last period of ``ticket_field_history``), whatever the change was
(Create or Change, any channel, any updater). A field the events never set is NULL. Ids that
Zendesk sends as text (``organization_id`` in a recorded Create) become integers; a value that
is not a whole number stays, as text, under its key in ``other_fields``, so nothing is lost.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

__all__ = ["COLUMNS", "fold_snapshots"]

_TEXT_FIELDS = ("status", "priority", "type", "subject", "tags")
_ID_FIELDS = (
    "requester_id",
    "assignee_id",
    "group_id",
    "organization_id",
    "custom_status_id",
)

COLUMNS = (
    "ticket_id",
    "created_at",
    "updated_at",
    "audits",
    "via",
    "last_updater_id",
    "status",
    "priority",
    "type",
    "subject",
    "requester_id",
    "assignee_id",
    "group_id",
    "organization_id",
    "custom_status_id",
    "tags",
    "custom_fields",
    "other_fields",
)
"""``ticket_snapshot``'s columns, in the order :func:`fold_snapshots` fills them."""

_INDEX = {name: i for i, name in enumerate(COLUMNS)}


def _as_id(value: str | None) -> int | None:
    if value is None:
        return None
    text = value.strip()
    if text.isascii() and text.isdigit() and len(text) <= 18:
        return int(text)
    raise ValueError(value)


def _json(mapping: dict[str, Any]) -> str | None:
    return orjson.dumps(mapping, option=orjson.OPT_SORT_KEYS).decode() if mapping else None


def fold_snapshots(
    audits: Iterable[tuple[Any, ...]], fields: Iterable[tuple[Any, ...]]
) -> list[tuple[Any, ...]]:
    """The snapshot rows of the tickets that ``audits`` name.

    Args:
        audits: ``(ticket_id, timestamp, via, updater_id)`` per audit, in (ticket, time, id)
            order: count, first and last time, the channel of the first audit, the last updater.
        fields: ``(ticket_id, field, field_id, value, event_type, valid_from)`` history rows:
            each field's current period (in ``seq`` order, so the last one per field wins),
            and the Create rows that date the ticket's creation.
    """
    rows: dict[int, list[Any]] = {}
    for ticket_id, ts, via, updater_id in audits:
        row = rows.get(ticket_id)
        if row is None:
            row = rows[ticket_id] = [None] * len(COLUMNS)
            row[0] = ticket_id
            row[_INDEX["audits"]] = 0
            row[_INDEX["via"]] = via
        row[_INDEX["updated_at"]] = ts
        row[_INDEX["audits"]] += 1
        row[_INDEX["last_updater_id"]] = updater_id
    custom: dict[int, dict[str, Any]] = {}
    other: dict[int, dict[str, Any]] = {}
    current: dict[tuple[int, str, int], str | None] = {}
    for ticket_id, field, field_id, value, event_type, valid_from in fields:
        row = rows.get(ticket_id)
        if row is None:
            continue
        if event_type == "Create" and valid_from is not None:
            created = row[_INDEX["created_at"]]
            row[_INDEX["created_at"]] = valid_from if created is None else min(created, valid_from)
        current[(ticket_id, field, field_id)] = value
    for (ticket_id, field, field_id), value in current.items():
        row = rows[ticket_id]
        if field_id != 0:
            custom.setdefault(ticket_id, {})[str(field_id)] = value
        elif field in _TEXT_FIELDS:
            row[_INDEX[field]] = value
        elif field in _ID_FIELDS:
            try:
                row[_INDEX[field]] = _as_id(value)
            except ValueError:
                other.setdefault(ticket_id, {})[field] = value
        else:
            other.setdefault(ticket_id, {})[field] = value
    for ticket_id, row in rows.items():
        row[_INDEX["custom_fields"]] = _json(custom.get(ticket_id, {}))
        row[_INDEX["other_fields"]] = _json(other.get(ticket_id, {}))
    return [tuple(r) for r in rows.values()]
