"""Turn served items into table rows: the raw JSON to serve back, and the normalized columns.

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


def append_ticket_event_rows(
    event: dict[str, Any],
    changes: list[tuple[Any, ...]],
    comments: list[tuple[Any, ...]],
) -> tuple[Any, ...]:
    """The ``ticket_events`` row of ``event``; its other rows are appended to the lists.

    The bulk form of :func:`ticket_event_rows` (the sync's hot path: one call per event, no
    per-event containers, each JSON value serialized once).
    """
    audit_id = event["id"]
    ticket_id = event["ticket_id"]
    ts = event.get("timestamp")
    if type(ts) is not int:
        ts = item_timestamp(event)
    via = event.get("via")
    has_full = False
    for child in event.get("child_events") or ():
        if type(child) is not dict:
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
                    child.get("author_id"),
                    child.get("public"),
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
            reference = child.get("via_reference_id")
            previous = None if kind == "Create" else _dumps(child.get("previous_value")).decode()
            for key, value in child.items():
                if key in CHANGE_META_KEYS:
                    continue
                changes.append(
                    (
                        child_id,
                        key,
                        audit_id,
                        ticket_id,
                        ts,
                        kind,
                        _dumps(value).decode(),
                        previous,
                        child_via,
                        reference,
                    )
                )
    if has_full:
        plain = [
            plain_child(c, via) if isinstance(c, dict) and _is_full_comment(c) else c
            for c in event["child_events"]
        ]
        raw_comments: str | None = _dumps(event).decode()
        raw = _dumps({**event, "child_events": plain}).decode()
    else:
        raw_comments = None
        raw = _dumps(event).decode()
    return (
        audit_id,
        ticket_id,
        ts,
        event.get("created_at"),
        event.get("updater_id"),
        via if isinstance(via, str | None) else _dumps(via).decode(),
        event.get("event_type"),
        raw,
        raw_comments,
    )


def metric_event_row(event: dict[str, Any]) -> tuple[Any, ...]:
    """The ``ticket_metric_events`` row of one metric event."""
    return (
        event["id"],
        event["ticket_id"],
        event["metric"],
        event.get("instance_id"),
        event["type"],
        event["time"],
        item_timestamp(event),
        dumps(event),
    )
