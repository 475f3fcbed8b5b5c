"""One ticket: its state, and what a write does to it (the model both drivers share).

moto's ``models.py`` role: state and behaviour, no HTTP and no SQL. The seed drives it with a
planned lifecycle (``tickets.py``), the live server with API requests and its clock
(``live.py``); either way a write is an :class:`Update` applied by an :class:`Actor`, and comes
back as one audit (spec §3, ids still 0) plus the metric events it caused (spec §5, from the
ticket's :class:`~zendesk_events.emulator.sla.SlaTracker`).

What a write produces, and the evidence (COVERAGE.md labels each):

* a Create child per field a new ticket starts with (EMB order: ``subject``, ``requester_id``,
  ``status``, ``priority``, ``type``, ``assignee_id``, ``group_id``, ``organization_id`` as a
  string; then ``tags`` with ``added_tags``/``removed_tags``, ``custom_status_id``, one child
  per custom field as ``custom_ticket_fields``), a Change child with ``previous_value`` per
  field an update changes, the Comment first (recorded);
* Zendesk's system ticket rules (its "About system ticket rules" article): a new ticket that
  gets an assignee is open; a ticket never goes back to new; an end user's comment on a
  pending, on-hold or solved ticket opens it; a ticket solved without an assignee gets the
  solving agent ("auto assign tickets upon solve" on); a priority once set cannot be emptied;
  a closed ticket cannot be updated (``422 Status: closed prevents ticket update``, recorded);
* then the triggers (``triggers.py``): the account's routing and VIP tagging on a new ticket,
  and the standard notification triggers' Notification children;
* then the SLA metric events: measures and activates at creation, a new policy applied when
  the ticket's fields make another one match, the group metric on a group change, pauses and
  resumes on status changes, fulfils on agent replies and solves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from zendesk_events.emulator import triggers
from zendesk_events.emulator.account import CUSTOM_STATUSES, VIA_CHANNEL
from zendesk_events.emulator.audit import (
    EMPTY_SOURCE,
    SYSTEM,
    Actor,
    Comment,
    Update,
    audit,
    child,
    comment_child,
    field_child,
)
from zendesk_events.emulator.automations import Automation, next_due
from zendesk_events.emulator.sla import SlaPolicy, SlaTracker, iso
from zendesk_events.errors import RecordInvalidError
from zendesk_events.store import LiveRow
from zendesk_events.store.normalize import dumps

__all__ = ["Account", "Ticket"]

_CREATE_ORDER = (
    "subject",
    "requester_id",
    "status",
    "priority",
    "type",
    "assignee_id",
    "group_id",
    "organization_id",
)
"""Create children in the recorded order (EMB web-form tickets)."""

_CHANGE_ORDER = (
    "requester_id",
    "subject",
    "assignee_id",
    "group_id",
    "organization_id",
    "priority",
    "type",
)
"""Change children of the ticket's own fields (status, tags and custom fields come after)."""


class Account(Protocol):
    """What a ticket needs to know about its account (the seed's static one, or the store's)."""

    @property
    def agent_ids(self) -> Sequence[int]:
        """Every agent and admin ("Notify all agents of received request")."""
        ...

    @property
    def group_ids(self) -> Sequence[int]:
        """The account's groups."""
        ...

    @property
    def custom_field_ids(self) -> Sequence[int]:
        """Every custom ticket field, in order (a ticket lists them all)."""
        ...

    def option_tags(self, field_id: int) -> frozenset[str]:
        """The tags a drop-down field's options stand for (empty for other fields)."""
        ...

    def policy(self, view: Mapping[str, Any]) -> SlaPolicy | None:
        """The SLA targets a ticket (:meth:`Ticket.view`) falls under."""
        ...

    def group_policy(self, group_id: int | None) -> SlaPolicy | None:
        """The group SLA policy of a group, if any."""
        ...


class Ticket:
    """One ticket's state, and what a write does to it.

    Build one with :meth:`create` (a new ticket) or :meth:`from_state` (a stored one); then
    :meth:`update`, :meth:`automate` and :meth:`delete` each return one audit (ids 0) and
    leave the metric events in ``sla`` (:meth:`SlaTracker.drain`).
    """

    def __init__(self, ticket_id: int) -> None:
        self.id = ticket_id
        self.created = 0
        self.updated = 0
        self.via = "API"
        self.via_source: dict[str, Any] = dict(EMPTY_SOURCE)
        self.subject: str | None = None
        self.description: str | None = None
        self.requester_id = 0
        self.submitter_id = 0
        self.assignee_id: int | None = None
        self.group_id: int | None = None
        self.organization_id: int | None = None
        self.status = "new"
        self.priority: str | None = None
        self.type: str | None = None
        self.external_id: str | None = None
        self.tags: list[str] = []
        self.custom: dict[int, Any] = {}
        self.custom_status_id: int | None = CUSTOM_STATUSES["new"]
        self.collaborators: list[int] = []
        self.is_public = False
        self.public_default = True
        self.solved_at: int | None = None
        self.pending_since: int | None = None
        self.csat_sent = False
        self.rating: dict[str, Any] | None = None
        self.deleted = False
        self.sla = SlaTracker(ticket_id)

    # ---- views ------------------------------------------------------------------------------

    def view(self) -> dict[str, Any]:
        """The fields SLA policy filters look at."""
        return {
            "priority": self.priority,
            "type": self.type,
            "status": self.status,
            "group_id": self.group_id,
            "assignee_id": self.assignee_id,
            "requester_id": self.requester_id,
            "organization_id": self.organization_id,
            "via_name": self.via,
            "tags": self.tags,
            "custom_fields": self.custom,
        }

    def next_due(self) -> tuple[int, Automation] | None:
        """The automation run that changes this ticket next (None: none will)."""
        if self.deleted or self.status == "closed":
            return None
        return next_due(self.status, self.solved_at, self.pending_since, self.csat_sent)

    def api(self, custom_field_ids: Sequence[int]) -> dict[str, Any]:
        """The ticket as the Tickets API shows it, without ``url`` (the server adds it).

        Keys and their order as recorded (zenpy cassettes 2023/2024, a ticket created through
        the API); what our account has none of is left out (``ticket_form_id``, ``brand_id``)
        or empty as recorded for a ticket without it.
        """
        custom = [{"id": i, "value": self.custom.get(i)} for i in custom_field_ids]
        for i in sorted(set(self.custom) - set(custom_field_ids)):
            custom.append({"id": i, "value": self.custom[i]})
        return {
            "id": self.id,
            "external_id": self.external_id,
            "via": {"channel": VIA_CHANNEL.get(self.via, "api"), "source": self.via_source},
            "created_at": iso(self.created),
            "updated_at": iso(self.updated),
            "type": self.type,
            "subject": self.subject,
            "raw_subject": self.subject,
            "description": self.description,
            "priority": self.priority,
            "status": self.status,
            "recipient": None,
            "requester_id": self.requester_id,
            "submitter_id": self.submitter_id,
            "assignee_id": self.assignee_id,
            "organization_id": self.organization_id,
            "group_id": self.group_id,
            "collaborator_ids": list(self.collaborators),
            "follower_ids": [],
            "email_cc_ids": list(self.collaborators),
            "forum_topic_id": None,
            "problem_id": None,
            "has_incidents": False,
            "is_public": self.is_public,
            "due_at": None,
            "tags": list(self.tags),
            "custom_fields": custom,
            "satisfaction_rating": self.rating,
            "sharing_agreement_ids": [],
            "custom_status_id": self.custom_status_id,
            "fields": [dict(f) for f in custom],
            "followup_ids": [],
            "allow_channelback": False,
            "allow_attachments": True,
            "from_messaging_channel": False,
            "generated_timestamp": self.updated,
        }

    # ---- persistence ------------------------------------------------------------------------

    def to_state(self) -> dict[str, Any]:
        """Everything a later write needs, JSON-ready (call after draining ``sla``)."""
        return {
            "created": self.created,
            "updated": self.updated,
            "via": self.via,
            "via_source": self.via_source,
            "subject": self.subject,
            "description": self.description,
            "requester_id": self.requester_id,
            "submitter_id": self.submitter_id,
            "assignee_id": self.assignee_id,
            "group_id": self.group_id,
            "organization_id": self.organization_id,
            "status": self.status,
            "priority": self.priority,
            "type": self.type,
            "external_id": self.external_id,
            "tags": self.tags,
            "custom": [[k, v] for k, v in self.custom.items()],
            "custom_status_id": self.custom_status_id,
            "collaborators": self.collaborators,
            "is_public": self.is_public,
            "public_default": self.public_default,
            "solved_at": self.solved_at,
            "pending_since": self.pending_since,
            "csat_sent": self.csat_sent,
            "rating": self.rating,
            "deleted": self.deleted,
            # a closed or deleted ticket measures nothing any more
            "sla": None if self.status in ("closed", "deleted") else self.sla.to_state(),
        }

    @classmethod
    def from_state(cls, ticket_id: int, data: Mapping[str, Any]) -> Ticket:
        """The ticket :meth:`to_state` described."""
        t = cls(ticket_id)
        for key in (
            "created",
            "updated",
            "via",
            "via_source",
            "subject",
            "description",
            "requester_id",
            "submitter_id",
            "assignee_id",
            "group_id",
            "organization_id",
            "status",
            "priority",
            "type",
            "external_id",
            "tags",
            "custom_status_id",
            "collaborators",
            "is_public",
            "public_default",
            "solved_at",
            "pending_since",
            "csat_sent",
            "rating",
            "deleted",
        ):
            setattr(t, key, data[key])
        t.custom = {int(k): v for k, v in data["custom"]}
        if data.get("sla") is not None:
            t.sla = SlaTracker.from_state(ticket_id, data["sla"])
        return t

    def row(self, custom_field_ids: Sequence[int]) -> LiveRow:
        """The ticket as the store keeps it (call after draining ``sla``)."""
        due = self.next_due()
        return LiveRow(
            self.id,
            self.status,
            self.deleted,
            None if due is None else due[0],
            self.updated,
            dumps(self.api(custom_field_ids)),
            dumps(self.to_state()),
        )

    # ---- writes -----------------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        ticket_id: int,
        t: int,
        actor: Actor,
        via: str,
        update: Update,
        account: Account,
        *,
        follow_up_of: int | None = None,
    ) -> tuple[Ticket, dict[str, Any]]:
        """A new ticket; returns it and its first audit.

        ``update.comment`` is the description (the request layer requires one, as Zendesk
        does); the requester defaults to the actor, the status to new (open with an
        assignee). ``follow_up_of``: a follow-up of that closed ticket (channel "Closed
        ticket", the recorded ``via_reference_id``).
        """
        self = cls(ticket_id)
        comment = update.comment
        f = update.fields
        self.created = self.updated = t
        self.via = via
        if follow_up_of is not None:
            self.via_source = {"from": {"ticket_id": follow_up_of}, "to": {}, "rel": "follow_up"}
        self.requester_id = int(f.get("requester_id") or actor.id)
        self.submitter_id = actor.id
        self.subject = f.get("subject")
        self.priority = f.get("priority")
        self.type = f.get("type")
        self.assignee_id = f.get("assignee_id")
        self.group_id = f.get("group_id")
        self.organization_id = f.get("organization_id")
        self.external_id = f.get("external_id")
        status = f.get("status") or "new"
        if status == "new" and self.assignee_id is not None:
            status = "open"  # system rule: a new ticket with an assignee is open
        if status == "solved" and self.assignee_id is None and actor.is_agent:
            self.assignee_id = actor.id  # system rule: auto assign tickets upon solve
        self.status = status
        self.custom = dict(update.custom_fields)
        tags = list(update.tags or [])
        for tag in update.add_tags:
            if tag not in tags:
                tags.append(tag)
        for fid, value in self.custom.items():
            if isinstance(value, str) and value in account.option_tags(fid) and value not in tags:
                tags.append(value)
        self.tags = tags
        self.collaborators = [c for c in update.collaborators if c != self.requester_id]
        if comment is not None:
            self.description = comment.body
            self.is_public = comment.public
            self.public_default = comment.public
        self.custom_status_id = CUSTOM_STATUSES.get(status, CUSTOM_STATUSES["solved"])

        ref = follow_up_of
        children: list[dict[str, Any]] = []
        if comment is not None:
            children.append(comment_child(t, via, comment))
        for name in _CREATE_ORDER:
            value = getattr(self, name)
            if name in ("assignee_id", "group_id", "organization_id") and value is None:
                continue
            if name == "organization_id":
                value = str(value)  # recorded as a string (EMB)
            children.append(field_child("Create", name, value, None, via, ref))
        if tags:  # recorded: a ticket created without tags has no tags Create (ZCAS)
            children.append(
                child("Create", via, ref, tags=list(tags), added_tags=list(tags), removed_tags=[])
            )
        children.append(
            field_child("Create", "custom_status_id", self.custom_status_id, None, via, ref)
        )
        for fid, value in self.custom.items():
            children.append(
                field_child("Create", "custom_ticket_fields", {str(fid): value}, None, via, ref)
            )

        # the account's own triggers on a new ticket (ours), then the standard ones
        routed = triggers.route(self.group_id, self.custom, account.group_ids)
        if routed is not None:
            self.group_id = routed
            children.append(
                field_child("Change", "group_id", routed, None, "Rule", triggers.TRIGGER_ROUTE)
            )
        if triggers.wants_vip_tag(self.organization_id, self.tags):
            children.append(self._tags_change(["vip"], [], "Rule", triggers.TRIGGER_VIP))
        self._notify(children, actor, comment, account, creating=True, before=(None, None))

        # The first comment is the description, never a reply (recorded ticket 49: created by
        # an agent for an end user, its reply time runs).
        self.sla.created(t, account.policy(self.view()))
        if self.group_id is not None:
            self.sla.group_changed(t, account.group_policy(self.group_id))
        if self.status != "new":
            self.sla.status_changed(t, "new", self.status)
            if self.status == "solved":
                self.solved_at = t
            elif self.status == "pending":
                self.pending_since = t
        return self, audit(ticket_id, t, actor, via, children)

    def check_writable(self) -> None:
        """Raise what Zendesk answers to an update of this ticket, if it refuses any.

        Raises:
            RecordInvalidError: the ticket is closed (recorded: "Status: closed prevents ticket
                update"; Zendesk's doc lets an admin edit tags, subject and priority of a closed
                ticket in its UI, not emulated).
        """
        if self.status == "closed":
            raise RecordInvalidError(
                {"status": [{"description": "Status: closed prevents ticket update"}]}
            )

    def update(
        self, t: int, actor: Actor, via: str, update: Update, account: Account
    ) -> dict[str, Any]:
        """Apply one write; returns its audit (the ticket is changed in place).

        Raises:
            RecordInvalidError: the ticket is closed (Zendesk's recorded 422).
        """
        self.check_writable()
        f = dict(update.fields)
        comment = update.comment
        field_via, ref = update.rule or (via, None)
        status_before, assignee_before, group_before = self.status, self.assignee_id, self.group_id
        policy_before = self.sla.policy
        children: list[dict[str, Any]] = []
        if comment is not None:
            children.append(comment_child(t, via, comment))
            if comment.public:
                self.is_public = True

        # system ticket rules
        if f.get("status") == "new" and self.status != "new":
            del f["status"]  # a ticket never goes back to new
        if "priority" in f and f["priority"] is None and self.priority is not None:
            del f["priority"]  # a priority once set cannot be emptied
        assignee = f.get("assignee_id", self.assignee_id)
        assigned_new = self.status == "new" and assignee is not None
        end_user_reply = (
            comment is not None
            and comment.author_role == "end-user"
            and self.status in ("pending", "hold", "solved")
        )
        if "status" not in f and (assigned_new or end_user_reply):
            f["status"] = "open"
        if f.get("status") == "solved" and assignee is None and actor.is_agent:
            f["assignee_id"] = actor.id

        for name in _CHANGE_ORDER:
            if name not in f or f[name] == getattr(self, name):
                continue
            old, new = getattr(self, name), f[name]
            setattr(self, name, new)
            if name == "organization_id":
                old, new = (None if old is None else str(old)), (None if new is None else str(new))
            children.append(field_child("Change", name, new, old, field_via, ref))
        add, remove = list(update.add_tags), list(update.remove_tags)
        if update.tags is not None:
            add += [x for x in update.tags if x not in self.tags]
            remove += [x for x in self.tags if x not in update.tags]
        for fid, value in update.custom_fields.items():
            old = self.custom.get(fid)
            if old == value and fid in self.custom:
                continue
            self.custom[fid] = value
            children.append(
                field_child(
                    "Change", "custom_ticket_fields", {str(fid): value}, old, field_via, ref
                )
            )
            options = account.option_tags(fid)
            if isinstance(value, str) and value in options:
                add.append(value)
            if isinstance(old, str) and old in options and old != value:
                remove.append(old)
        if add or remove:
            change = self._tags_change(add, remove, field_via, ref)
            if change["added_tags"] or change["removed_tags"]:
                children.append(change)
        if "status" in f and f["status"] != self.status:
            children += self._set_status(t, f["status"], field_via, ref)
        if update.collaborators:
            new_ccs = [c for c in update.collaborators if c not in self.collaborators]
            if new_ccs:
                self.collaborators += new_ccs
                children.append(child("Cc", via, None, recipients=new_ccs))
        if update.rating is not None:
            score, text = update.rating
            rating_child = child(
                "SatisfactionRating",
                via,
                None,
                score=score,
                assignee_id=self.assignee_id,
                body=text,
            )
            children.append(rating_child)
            self.rating = {"score": score, "comment": text}

        self._notify(
            children,
            actor,
            comment,
            account,
            creating=False,
            before=(status_before, assignee_before),
        )

        # the SLA: a new policy, a new group, then status and reply effects
        policy = account.policy(self.view())
        if policy != policy_before:
            self.sla.retarget(t, policy)
        if self.group_id != group_before:
            self.sla.group_changed(t, account.group_policy(self.group_id))
        public = comment is not None and comment.public
        if public and comment is not None and comment.author_role == "end-user":
            self.sla.requester_replied(t)
        if self.status != status_before:
            self.sla.status_changed(t, status_before, self.status)
        if public and comment is not None and comment.author_role in ("admin", "agent"):
            self.sla.agent_replied(t, self.status)
        self.updated = t
        return audit(self.id, t, actor, via, children)

    def automate(self, t: int, automation: Automation, account: Account) -> dict[str, Any]:
        """An automation run at ``t`` (``updater_id`` -1, via "Rule"); returns its audit."""
        children: list[dict[str, Any]]
        status_before = self.status
        if automation.kind == "csat":
            self.csat_sent = True
            children = [
                child(
                    "Notification",
                    "Rule",
                    automation.id,
                    subject="How would you rate our support?",
                    body="You can add a comment by replying to this email.",
                    recipients=[self.requester_id],
                )
            ]
        else:
            new = "closed" if automation.kind == "close" else "solved"
            children = self._set_status(t, new, "Rule", automation.id)
        self._notify(
            children,
            SYSTEM,
            None,
            account,
            creating=False,
            before=(status_before, self.assignee_id),
        )
        if self.status != status_before:
            self.sla.status_changed(t, status_before, self.status)
        self.updated = t
        return audit(self.id, t, SYSTEM, "Rule", children)

    def delete(self, t: int, actor: Actor, via: str) -> dict[str, Any]:
        """Soft-delete: an audit whose ``status`` Change is ``deleted`` (inferred: the
        incremental ticket export then shows the ticket with status "deleted", recorded)."""
        old = self.status
        self.status = "deleted"
        self.deleted = True
        self.sla.discard(t)
        self.updated = t
        change = field_child("Change", "status", "deleted", old, via, None)
        return audit(self.id, t, actor, via, [change])

    # ---- helpers ----------------------------------------------------------------------------

    def _tags_change(
        self, add: Sequence[str], remove: Sequence[str], via: str, ref: int | None
    ) -> dict[str, Any]:
        old = list(self.tags)
        added = [x for x in dict.fromkeys(add) if x not in old and x not in remove]
        removed = [x for x in dict.fromkeys(remove) if x in old]
        self.tags = [x for x in old if x not in removed] + added
        return {
            "id": 0,
            "via": via,
            "via_reference_id": ref,
            "tags": list(self.tags),
            "added_tags": added,
            "removed_tags": removed,
            "event_type": "Change",
            "previous_value": old,
        }

    def _set_status(self, t: int, new: str, via: str, ref: int | None) -> list[dict[str, Any]]:
        """The ``status`` Change, and the ``custom_status_id`` Change that goes with it.

        Closed is no custom status category: a closed ticket keeps its solved custom status.
        """
        old, self.status = self.status, new
        if new == "solved":
            self.solved_at = t
        if new == "pending":
            self.pending_since = t
        out = [field_child("Change", "status", new, old, via, ref)]
        custom = CUSTOM_STATUSES.get(new)
        if custom is not None and custom != self.custom_status_id:
            out.append(
                field_child("Change", "custom_status_id", custom, self.custom_status_id, via, ref)
            )
            self.custom_status_id = custom
        return out

    def _notify(
        self,
        children: list[dict[str, Any]],
        actor: Actor,
        comment: Comment | None,
        account: Account,
        *,
        creating: bool,
        before: tuple[str | None, int | None],
    ) -> None:
        """Add the Notification children the standard triggers send for this write."""
        write = triggers.Write(
            creating=creating,
            actor_id=actor.id,
            actor_role=actor.role,
            comment_public=None if comment is None else comment.public,
            status_before=before[0],
            status=self.status,
            assignee_before=before[1],
            assignee=self.assignee_id,
            requester=self.requester_id,
            collaborators=tuple(self.collaborators),
            is_public=self.is_public,
        )
        for notice in triggers.notifications(write, account.agent_ids):
            children.append(
                child(
                    "Notification",
                    "Rule",
                    notice.trigger,
                    subject=notice.subject,
                    body=notice.body,
                    recipients=notice.recipients,
                )
            )
