"""The account's ticket triggers: what runs after every write, in both drivers.

Zendesk runs its triggers after each ticket update (an automation's too). The standard
notification triggers are here with the titles, conditions and email templates recorded from a
live account's ``GET /api/v2/triggers`` (zenpy's cassette ``TestTriggers.test_values``, ZCAS
2023-09) and described in Zendesk's "About the standard ticket triggers"; the Notification
child an audit gets keeps the template unrendered (``{{ticket.title}}``), as recorded (ZCAS
``TestAttachmentUpload``, 2024-09: "Notify requester of new proactive ticket" and "Notify all
agents of received request" on an API-created ticket). Two triggers are the emulated account's
own (ours): routing a new ticket to a group, and tagging VIP requesters.

Not emulated: "Notify group of assignment" (its email text is not recorded), "Auto-assign to
first email responding agent" (inactive at signup) and "Set tickets with no priority to normal"
(only accounts made after March 2025 have it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from zendesk_events.emulator.account import (
    BILLING,
    FIELD_PRODUCT,
    ORGANIZATIONS,
    SUPPORT,
    TRIGGER_ASSIGNEE,
    TRIGGER_COMMENT,
    TRIGGER_RECEIVED,
    TRIGGER_ROUTE,
    TRIGGER_VIP,
)

__all__ = [
    "STANDARD_TRIGGERS",
    "TRIGGER_ALL_AGENTS",
    "TRIGGER_ASSIGNMENT",
    "TRIGGER_PROACTIVE",
    "TRIGGER_REOPENED",
    "TRIGGER_ROUTE",
    "TRIGGER_VIP",
    "VIP_ORGANIZATION",
    "Notice",
    "StandardTrigger",
    "Write",
    "notifications",
    "route",
    "wants_vip_tag",
]

TRIGGER_PROACTIVE = 360_000_001_106
TRIGGER_ASSIGNMENT = 360_000_001_107
TRIGGER_REOPENED = 360_000_001_108
TRIGGER_ALL_AGENTS = 360_000_001_109

VIP_ORGANIZATION = ORGANIZATIONS[0]
"""Requesters of this organization get the ``vip`` tag on their new tickets (ours)."""


@dataclass(frozen=True, slots=True)
class Write:
    """A ticket write as the trigger conditions see it (after the change, with what it was).

    Attributes:
        creating: the ticket is created by this write (``update_type`` Create, else Change).
        actor_id: the current user (-1: an automation).
        actor_role: ``admin``, ``agent``, ``end-user`` or ``system``.
        comment_public: the write's comment is public (True), private (False), or absent (None).
        status_before: the status before the write (None when creating).
        status: the status after it.
        assignee_before: the assignee before the write.
        assignee: the assignee after it.
        requester: the requester.
        collaborators: the CCs.
        is_public: the ticket has public comments.
    """

    creating: bool
    actor_id: int
    actor_role: str
    comment_public: bool | None
    status_before: str | None
    status: str
    assignee_before: int | None
    assignee: int | None
    requester: int
    collaborators: tuple[int, ...]
    is_public: bool


@dataclass(frozen=True, slots=True)
class Notice:
    """One Notification child a trigger adds: ``{subject, body, recipients}`` (spec §3)."""

    trigger: int
    subject: str
    body: str
    recipients: list[int]


@dataclass(frozen=True, slots=True)
class StandardTrigger:
    """A standard notification trigger: its recorded title and email, our id."""

    id: int
    title: str
    subject: str
    body: str


# Recorded (ZCAS TestTriggers 2023): action ``notification_user`` [recipient, subject, body].
RECEIVED = StandardTrigger(
    TRIGGER_RECEIVED,
    "Notify requester and CCs of received request",
    "[Request received]",
    "Your request ({{ticket.id}}) has been received and is being reviewed by our support "
    "staff.\n\nTo add additional comments, reply to this email.",
)
PROACTIVE = StandardTrigger(
    TRIGGER_PROACTIVE,
    "Notify requester of new proactive ticket",
    "{{ticket.title}}",
    "This ticket was created on your behalf.\n\nTo add additional comments, reply to this "
    "email.\n\n{{ticket.latest_public_comment_html}}",
)
COMMENT_UPDATE = StandardTrigger(
    TRIGGER_COMMENT,
    "Notify requester and CCs of comment update",
    "[{{ticket.account}}] Re: {{ticket.title}}",
    "{{ticket.latest_comment_html}}",
)
ASSIGNEE_COMMENT = StandardTrigger(
    TRIGGER_ASSIGNEE,
    "Notify assignee of comment update",
    "[{{ticket.account}}] Re: {{ticket.title}}",
    "{{ticket.latest_comment_html}}",
)
ASSIGNMENT = StandardTrigger(
    TRIGGER_ASSIGNMENT,
    "Notify assignee of assignment",
    "[{{ticket.account}}] Assignment: {{ticket.title}}",
    "You have been assigned to this ticket (#{{ticket.id}}).\n\n{{ticket.latest_comment_html}}",
)
REOPENED = StandardTrigger(
    TRIGGER_REOPENED,
    "Notify assignee of reopened ticket",
    "[{{ticket.account}}] Re: {{ticket.title}}",
    "This ticket (#{{ticket.id}}) has been reopened.\n\n{{ticket.latest_comment_html}}",
)
ALL_AGENTS = StandardTrigger(
    TRIGGER_ALL_AGENTS,
    "Notify all agents of received request",
    "[{{ticket.account}}] {{ticket.title}}",
    "A ticket (#{{ticket.id}}) by {{ticket.requester.name}} has been received. It is "
    "unassigned.\n\n{{ticket.latest_comment_html}}",
)

STANDARD_TRIGGERS = (
    RECEIVED,
    PROACTIVE,
    COMMENT_UPDATE,
    ASSIGNEE_COMMENT,
    ASSIGNMENT,
    REOPENED,
    ALL_AGENTS,
)
"""In the order they run: position 1 before "Notify all agents" (position 2, as recorded), and
within a position in the order Zendesk's article lists them (ours)."""


def _requester_and_ccs(w: Write) -> list[int]:
    return [w.requester, *(c for c in w.collaborators if c != w.requester)]


def notifications(w: Write, agents: Sequence[int]) -> list[Notice]:
    """The Notification children the standard triggers add to ``w``, in order.

    The conditions are the recorded ones (ZCAS trigger objects); a notification to an assignee
    needs one (ours: an email to nobody records nothing).

    Args:
        w: the write.
        agents: every agent and admin of the account ("all non-restricted agents").
    """
    out: list[Notice] = []

    def notify(trigger: StandardTrigger, recipients: list[int]) -> None:
        out.append(Notice(trigger.id, trigger.subject, trigger.body, recipients))

    agent = w.actor_role in ("admin", "agent")
    assigned = w.assignee is not None and w.assignee != w.actor_id
    if (
        w.creating
        and w.status != "solved"
        and w.is_public
        and w.comment_public is True
        and w.actor_role == "end-user"
    ):
        notify(RECEIVED, _requester_and_ccs(w))
    if w.creating and w.is_public and agent:
        notify(PROACTIVE, _requester_and_ccs(w))
    if not w.creating and w.comment_public is True:
        notify(COMMENT_UPDATE, _requester_and_ccs(w))
    if (
        w.comment_public is not None
        and assigned
        and w.assignee != w.requester
        and w.assignee == w.assignee_before
        and w.status_before != "solved"
        and w.assignee is not None
    ):
        notify(ASSIGNEE_COMMENT, [w.assignee])
    if w.assignee != w.assignee_before and assigned and w.assignee is not None:
        notify(ASSIGNMENT, [w.assignee])
    if (
        assigned
        and w.status_before == "solved"
        and w.status not in ("solved", "closed")
        and w.assignee is not None
    ):
        notify(REOPENED, [w.assignee])
    if w.creating:
        notify(ALL_AGENTS, sorted(agents))
    return out


# ---- the emulated account's own triggers (ours) ----------------------------------------------


def route(group: int | None, fields: dict[int, object], groups: Sequence[int]) -> int | None:
    """ "Route by product to a group": a new ticket without a group goes to Billing for the
    billing portal, else to Support (the account's default group); None when it has one.

    A ticket of an account without these groups keeps none.
    """
    if group is not None:
        return None
    wanted = BILLING if fields.get(FIELD_PRODUCT) == "billing_portal" else SUPPORT
    return wanted if wanted in groups else None


def wants_vip_tag(organization: int | None, tags: Sequence[str]) -> bool:
    """ "Tag VIP requesters": a new ticket from the VIP organization gets ``vip``."""
    return organization == VIP_ORGANIZATION and "vip" not in tags
