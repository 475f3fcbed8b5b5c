"""A write of the ticket model: who makes it, what it asks, and the audit it makes.

The inputs (:class:`Actor`, :class:`Comment`, :class:`Update`) are what a request body or a
lifecycle step comes down to; the builders make the audit and its child events in the recorded
shapes of the incremental export (spec §3): ``{id, ticket_id, timestamp, created_at, updater_id,
via, event_type: "Audit", system, child_events}``, each child ``{id, via, via_reference_id, ...,
event_type}`` (EMB), a Change's ``previous_value`` after ``event_type`` (the recorded key order),
a Comment as the full comment of ``include=comment_events`` (REF-IE; the store derives the
``comment_present``/``comment_public`` form). Ids are 0 until ``ids.py`` numbers the write.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from zendesk_events.emulator.account import RULE_SYSTEM, VIA_CHANNEL
from zendesk_events.emulator.sla import iso

__all__ = [
    "EMPTY_SOURCE",
    "SIMPLE_FIELDS",
    "SYSTEM",
    "Actor",
    "Comment",
    "Update",
    "audit",
    "child",
    "comment_child",
    "field_child",
    "note_audit",
]

SIMPLE_FIELDS = (
    "subject",
    "requester_id",
    "assignee_id",
    "group_id",
    "organization_id",
    "priority",
    "type",
    "status",
    "external_id",
)
"""The ticket's own fields an :class:`Update` may set (tags and custom fields apart)."""

EMPTY_SOURCE: dict[str, Any] = {"from": {}, "to": {}, "rel": None}
"""A comment's ``via.source`` without addresses (recorded for API comments)."""


@dataclass(frozen=True, slots=True)
class Actor:
    """Who makes a write: an API caller, a person of the seeded lifecycle, or the system.

    Attributes:
        id: the user's id (-1: Zendesk itself, for automations).
        role: ``admin``, ``agent``, ``end-user`` or ``system``.
        system: the audit's ``system`` (client, location, latitude, longitude).
    """

    id: int
    role: str
    system: dict[str, Any]

    @property
    def is_agent(self) -> bool:
        return self.role in ("admin", "agent")


SYSTEM = Actor(-1, "system", RULE_SYSTEM)
"""Automations: ``updater_id`` -1, ``via`` "Rule", all-null ``system`` (recorded)."""


@dataclass(frozen=True, slots=True)
class Comment:
    """A comment a write adds.

    Attributes:
        body: plain text.
        html_body: its HTML.
        public: a public reply (True) or an internal note (False).
        author_id: who wrote it.
        author_role: the author's role (an end user's comment opens the ticket, an agent's
            public one is a reply for the SLA).
        source: the comment ``via.source`` (default: empty, as recorded for API comments).
    """

    body: str
    html_body: str
    public: bool
    author_id: int
    author_role: str
    source: dict[str, Any] | None = None


@dataclass(slots=True)
class Update:
    """What one write asks of a ticket, already checked (a request body or a lifecycle step).

    Attributes:
        fields: values of :data:`SIMPLE_FIELDS` to set (a key present means "set it").
        tags: the whole new tag list (None: keep).
        add_tags: tags to add.
        remove_tags: tags to remove.
        custom_fields: custom field id -> value.
        comment: a comment to add.
        collaborators: users to add as CCs (a ``Cc`` child).
        rating: a satisfaction rating ``(score, comment)`` (a ``SatisfactionRating`` child).
        rule: ``("Rule", macro id)`` when a macro set the fields: their children carry it.
    """

    fields: dict[str, Any] = field(default_factory=dict)
    tags: list[str] | None = None
    add_tags: Sequence[str] = ()
    remove_tags: Sequence[str] = ()
    custom_fields: dict[int, Any] = field(default_factory=dict)
    comment: Comment | None = None
    collaborators: Sequence[int] = ()
    rating: tuple[str, str] | None = None
    rule: tuple[str, int | None] | None = None


def child(kind: str, via: str, ref: int | None, **payload: Any) -> dict[str, Any]:
    return {"id": 0, "via": via, "via_reference_id": ref, **payload, "event_type": kind}


def field_child(
    kind: str, name: str, value: Any, previous: Any, via: str, ref: int | None
) -> dict[str, Any]:
    child = {"id": 0, "via": via, "via_reference_id": ref, name: value, "event_type": kind}
    if kind == "Change":
        # the recorded key order: the field, then event_type, then previous_value
        child["previous_value"] = previous
    return child


def audit(
    ticket_id: int, t: int, actor: Actor, via: str, children: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "id": 0,
        "ticket_id": ticket_id,
        "timestamp": t,
        "created_at": iso(t),
        "updater_id": actor.id,
        "via": via,
        "event_type": "Audit",
        "system": actor.system,
        "child_events": children,
    }


def comment_child(t: int, via: str, comment: Comment) -> dict[str, Any]:
    return {
        "id": 0,
        "event_type": "Comment",
        "type": "Comment",
        "author_id": comment.author_id,
        "body": comment.body,
        "html_body": comment.html_body,
        "public": comment.public,
        "attachments": [],
        "audit_id": 0,
        "created_at": iso(t),
        "via": {"channel": VIA_CHANNEL.get(via, "api"), "source": comment.source or EMPTY_SOURCE},
        "via_reference_id": None,
    }


def note_audit(ticket_id: int, t: int, actor: Actor, via: str, comment: Comment) -> dict[str, Any]:
    """An audit holding only a comment (the note a merge leaves on the ticket merged into)."""
    return audit(ticket_id, t, actor, via, [comment_child(t, via, comment)])
