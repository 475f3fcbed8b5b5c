"""Turn served items into table rows: the raw JSON to serve back, and the normalized columns.

Field changes follow the recorded shapes (spec §3): one Create child per field (previous value
NULL), a Change child's field key plus ``previous_value``, ``custom_ticket_fields`` as one row per
field id (``field`` = ``custom_ticket_fields``, ``field_id`` = the id; ``field_id`` is 0 for the
ticket's own fields), tags with their ``added_tags``/``removed_tags`` lists. Values are stored
plain (see :func:`plain`), so ``WHERE value = 'solved'`` works.

A ticket event arrives in one of two shapes (spec §3/§4): with Comment children as two booleans,
or, under ``include=comment_events``, as full comment objects. We keep the served JSON of both
shapes: the plain one is derived from the full one (that is how Zendesk renders it), so a store
filled with the sideload serves both requests, byte for byte as stored.
"""

from __future__ import annotations

from typing import Any

import orjson

from zendesk_events.events import item_timestamp

__all__ = [
    "CHANGE_META_KEYS",
    "TicketEventRows",
    "append_ticket_event_rows",
    "dumps",
    "metric_event_row",
    "plain",
    "plain_child",
    "ticket_event_rows",
]

CHANGE_META_KEYS = frozenset(
    {"id", "via", "via_reference_id", "event_type", "previous_value", "added_tags", "removed_tags"}
)
"""Keys of a Create/Change child that are not the ticket field it sets."""


_dumps = orjson.dumps


def dumps(value: Any) -> str:
    """Compact JSON text, as stored and served."""
    return _dumps(value).decode()


def _is_full_comment(child: dict[str, Any]) -> bool:
    return child.get("event_type") == "Comment" and (
        "body" in child or "html_body" in child or "author_id" in child
    )


def plain_child(child: dict[str, Any], audit_via: Any) -> dict[str, Any]:
    """A full Comment child as served without the sideload (``comment_present/public``)."""
    return {
        "id": child["id"],
        "via": audit_via,
        "via_reference_id": child.get("via_reference_id"),
        "event_type": "Comment",
        "comment_present": True,
        "comment_public": bool(child.get("public", True)),
    }


class TicketEventRows:
    """The rows one ticket event contributes to the store."""

    __slots__ = ("changes", "comments", "event")

    def __init__(self) -> None:
        self.event: tuple[Any, ...] = ()
        self.changes: list[tuple[Any, ...]] = []
        self.comments: list[tuple[Any, ...]] = []


def ticket_event_rows(event: dict[str, Any]) -> TicketEventRows:
    """Rows for ``ticket_events``, ``ticket_field_changes`` and ``ticket_comments``."""
    out = TicketEventRows()
    out.event = append_ticket_event_rows(event, out.changes, out.comments)
    return out


_INT64 = 2**63


def _bigint(value: Any) -> int | None:
    """``value`` for an optional BIGINT column: a 64-bit integer, else NULL (the served JSON in
    ``raw`` keeps whatever was sent; a PostgreSQL load must not fail on an odd value)."""
    return value if type(value) is int and -_INT64 <= value < _INT64 else None


def _boolean(value: Any) -> bool | None:
    return value if type(value) is bool else None


def plain(value: Any) -> str | None:
    """A field value as ``ticket_field_changes`` stores it: text a person can read and compare.

    Strings as they are, numbers in decimal, booleans ``true``/``false``, null as NULL, and
    lists or objects (tags, multi-select fields) as compact JSON.
    """
    if value is None:
        return None
    if type(value) is str:
        return value
    if value is True or value is False:
        return "true" if value else "false"
    if type(value) is int or type(value) is float:
        return str(value)
    return _dumps(value).decode()


def _custom_field_rows(
    child: dict[str, Any], kind: str, value: Any, head: tuple[Any, ...], tail: tuple[Any, ...]
) -> list[tuple[Any, ...]]:
    """One row per field id of a ``custom_ticket_fields`` object (spec §3).

    The previous value of a Change is per field when Zendesk sends an object keyed the same
    way, and the child's ``previous_value`` as is when the child changes a single field.
    """
    child_id, audit_id, ticket_id, ts = head
    if not isinstance(value, dict):  # not the recorded shape: keep it whole, never fail
        previous = None if kind == "Create" else plain(child.get("previous_value"))
        return [
            (
                child_id,
                "custom_ticket_fields",
                0,
                audit_id,
                ticket_id,
                ts,
                kind,
                plain(value),
                previous,
                None,
                None,
                *tail,
            )
        ]
    before = child.get("previous_value")
    rows = []
    for key, field_value in value.items():
        if kind == "Create":
            previous = None
        elif isinstance(before, dict):
            previous = plain(before.get(key))
        else:
            previous = plain(before) if len(value) == 1 else None
        text = str(key).strip()
        if text.isascii() and text.isdigit():
            field, field_id = "custom_ticket_fields", int(text)
        else:
            field, field_id = f"custom_ticket_fields.{key}", 0
        rows.append(
            (
                child_id,
                field,
                field_id,
                audit_id,
                ticket_id,
                ts,
                kind,
                plain(field_value),
                previous,
                None,
                None,
                *tail,
            )
        )
    return rows


def append_ticket_event_rows(
    event: dict[str, Any],
    changes: list[tuple[Any, ...]],
    comments: list[tuple[Any, ...]],
) -> tuple[Any, ...]:
    """The ``ticket_events`` row of ``event``; its other rows are appended to the lists.

    Every key of a Create or Change child other than :data:`CHANGE_META_KEYS` becomes a field
    change row (unknown keys too: Zendesk adds fields); every other child type stays in the
    raw JSON only. The bulk form of :func:`ticket_event_rows` (the sync's hot path: one call
    per event, no per-event containers, each JSON value serialized once).
    """
    audit_id = event["id"]
    ticket_id = event["ticket_id"]
    ts = event.get("timestamp")
    if type(ts) is not int:
        ts = item_timestamp(event)
    via = event.get("via")
    has_full = False
    children = event.get("child_events")
    for child in children if type(children) is list else ():
        # A child that is no object, or has no id, cannot be keyed: it stays in ``raw`` only.
        if type(child) is not dict or type(child.get("id")) is not int:
            continue
        kind = child.get("event_type")
        if kind == "Comment" and ("body" in child or "html_body" in child or "author_id" in child):
            has_full = True
            comments.append(
                (
                    child["id"],
                    audit_id,
                    ticket_id,
                    ts,
                    _bigint(child.get("author_id")),
                    _boolean(child.get("public")),
                    child.get("body"),
                    child.get("html_body"),
                    child.get("created_at"),
                    _dumps(child).decode(),
                )
            )
        elif kind == "Create" or kind == "Change":
            child_id = child["id"]
            child_via = child.get("via")
            if not isinstance(child_via, str | None):
                child_via = _dumps(child_via).decode()
            ref = child.get("via_reference_id")
            tail = (child_via, ref if type(ref) is int and -_INT64 <= ref < _INT64 else None)
            previous = None if kind == "Create" else plain(child.get("previous_value"))
            for key, value in child.items():
                if key in CHANGE_META_KEYS:
                    continue
                if key == "custom_ticket_fields":
                    changes.extend(
                        _custom_field_rows(
                            child, kind, value, (child_id, audit_id, ticket_id, ts), tail
                        )
                    )
                    continue
                added = removed = None
                if key == "tags":
                    if "added_tags" in child:
                        added = _dumps(child["added_tags"]).decode()
                    if "removed_tags" in child:
                        removed = _dumps(child["removed_tags"]).decode()
                changes.append(
                    (
                        child_id,
                        key,
                        0,
                        audit_id,
                        ticket_id,
                        ts,
                        kind,
                        plain(value),
                        previous,
                        added,
                        removed,
                        *tail,
                    )
                )
    if has_full:
        plain_children = [
            plain_child(c, via)
            if isinstance(c, dict) and _is_full_comment(c) and type(c.get("id")) is int
            else c
            for c in event["child_events"]
        ]
        raw_comments: str | None = _dumps(event).decode()
        raw = _dumps({**event, "child_events": plain_children}).decode()
    else:
        raw_comments = None
        raw = _dumps(event).decode()
    return (
        audit_id,
        ticket_id,
        ts,
        event.get("created_at"),
        _bigint(event.get("updater_id")),
        via if isinstance(via, str | None) else _dumps(via).decode(),
        event.get("event_type"),
        raw,
        raw_comments,
    )


def metric_event_row(event: dict[str, Any], visible_at: int | None = None) -> tuple[Any, ...]:
    """The ``ticket_metric_events`` row of one metric event.

    Args:
        event: the event as served.
        visible_at: when the row may first be exported (epoch seconds): a sync passes the
            time it wrote the row (a mirror serves what it has synced), the emulator the time
            Zendesk would have written it (late events, spec §5). Default: the event's time.
    """
    ts = item_timestamp(event)
    return (
        event["id"],
        event["ticket_id"],
        event["metric"],
        _bigint(event.get("instance_id")),
        event["type"],
        event["time"],
        ts,
        event.get("deleted") is True,
        ts if visible_at is None else visible_at,
        dumps(event),
    )
