"""A stored export item (a ticket event) in the Ticket Audits API's shape.

The incremental export and the Ticket Audits API describe the same audits in two shapes
(spec §3: "not ``field_name``/``value``: that is the separate Ticket Audits API's shape"). The
audit shape below follows audits recorded from a live account (zenpy's cassette
``TestTicketAudits``, 2024) and Zendesk's OpenAPI example:

* audit: ``{id, ticket_id, created_at, author_id, metadata: {system, custom}, events, via}``;
* Create: ``{id, type: "Create", value, field_name}``; Change adds ``previous_value``; ids
  travel as strings there (``"value": "6130869168922"``), lists as lists;
* a custom field is ``field_name`` = its id as a string, one event per field;
* Comment: ``{id, type: "Comment", author_id, body, html_body, public, attachments, audit_id}``;
* other children keep their payload keys, ``event_type`` becoming ``type``.

What the export does not carry is left out rather than made up: an event's own ``via`` (a
rule's title), a comment's ``plain_body``, and a comment's text when the store was synced
without the comment sideload (the event then has only ``id``, ``type`` and ``public``).
"""

from __future__ import annotations

from typing import Any

from zendesk_events.store.normalize import CHANGE_META_KEYS

__all__ = ["audit_from_event", "via_channel"]

_CHANNELS = {
    "Web form": "web",
    "Mail": "email",
    "Email": "email",
    "API": "api",
    "Web service (API)": "api",
    "Rule": "rule",
    "Chat": "chat",
    "Sample Ticket": "sample_ticket",
}
"""The export's ``via`` names and the audit ``via.channel`` they stand for (Zendesk's "Via
types reference"; ``Sample Ticket`` -> ``sample_ticket`` as recorded)."""

_DROP_FROM_COMMENT = frozenset({"event_type", "via", "via_reference_id", "created_at"})
_DROP_FROM_OTHER = frozenset({"event_type", "via", "via_reference_id"})


def via_channel(name: Any) -> str | None:
    """The audit ``via.channel`` of an export ``via`` name (lower case with underscores when
    the name is not in the table)."""
    if not isinstance(name, str) or not name:
        return None
    return _CHANNELS.get(name, name.strip().lower().replace(" ", "_"))


def audit_from_event(event: dict[str, Any]) -> dict[str, Any]:
    """The Ticket Audits API object for one export item (with or without full comments)."""
    children = [c for c in event.get("child_events") or () if isinstance(c, dict)]
    raw_system = event.get("system")
    system: dict[str, Any] = raw_system if isinstance(raw_system, dict) else {}
    return {
        "id": event["id"],
        "ticket_id": event["ticket_id"],
        "created_at": event.get("created_at"),
        "author_id": event.get("updater_id"),
        # A system update's export ``system`` is all nulls; its audit ``system`` is empty.
        "metadata": {"system": {k: v for k, v in system.items() if v is not None}, "custom": {}},
        "events": [e for child in children for e in _events(child)],
        "via": _via(event.get("via"), children),
    }


def _via(name: Any, children: list[dict[str, Any]]) -> dict[str, Any]:
    """The audit's ``via`` object: Zendesk's own, from a sideloaded comment, when stored."""
    for child in children:
        if child.get("event_type") == "Comment" and isinstance(child.get("via"), dict):
            return dict(child["via"])
    return {"channel": via_channel(name), "source": {"from": {}, "to": {}, "rel": None}}


def _value(value: Any) -> Any:
    """Integers as strings, as the Ticket Audits API sends ids; anything else unchanged."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _events(child: dict[str, Any]) -> list[dict[str, Any]]:
    kind = child.get("event_type")
    child_id = child.get("id")
    if kind in ("Create", "Change"):
        out = []
        before = child.get("previous_value")
        for key, value in child.items():
            if key in CHANGE_META_KEYS:
                continue
            if key == "custom_ticket_fields" and isinstance(value, dict):
                for field_id, field_value in value.items():
                    previous = before.get(field_id) if isinstance(before, dict) else before
                    out.append(_field_event(child_id, kind, str(field_id), field_value, previous))
                continue
            out.append(_field_event(child_id, kind, key, value, before))
        return out
    if kind == "Comment":
        if "body" not in child and "comment_public" in child:
            return [{"id": child_id, "type": "Comment", "public": child["comment_public"]}]
        rest = {k: v for k, v in child.items() if k not in _DROP_FROM_COMMENT and k != "id"}
        rest.pop("type", None)
        return [{"id": child_id, "type": "Comment", **rest}]
    rest = {k: v for k, v in child.items() if k not in _DROP_FROM_OTHER and k != "id"}
    return [{"id": child_id, "type": kind, **rest}]


def _field_event(child_id: Any, kind: str, field: str, value: Any, previous: Any) -> dict[str, Any]:
    event = {"id": child_id, "type": kind, "value": _value(value), "field_name": field}
    if kind == "Change":
        event["previous_value"] = _value(previous)
    return event
