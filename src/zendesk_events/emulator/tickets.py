"""One ticket's lifecycle as audit events (spec §3/§4), with its metric events from ``sla.py``.

The audits have the recorded shapes (spec §3): a Create child per field the ticket starts with
(``subject``, ``requester_id``, ``status``, ``priority`` and ``type`` (either may be null),
``organization_id``, ``tags`` with ``added_tags``/``removed_tags``, ``custom_status_id``, and one
per custom field as ``custom_ticket_fields {"<id>": value}``); a Change child per field an update
sets, with ``previous_value``; a drop-down field's value is also a ticket tag, so setting one
changes ``tags`` too; automations update as ``updater_id`` -1 with an all-null ``system``.

A ticket is created (by mail, web form, API, chat or as a follow-up of a closed ticket), triaged
by an agent (sometimes in a bulk triage run: many tickets in one second), goes back and forth
between agent and requester (open/pending/hold), is solved, asked for a satisfaction rating by an
automation, maybe rated or reopened, and closed by the hourly "close solved tickets" automation
(all tickets due in one run share a second). Some tickets are duplicates merged into the ticket
before them. A ticket has 4-20 audits (about 8 on average) and about 6x as many metric events.

Everything here is plain dicts with ``id`` 0: ``generate.py`` merges all tickets in time order
and numbers the events, so ids grow with time across tickets as Zendesk's do.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from random import Random
from typing import Any

from zendesk_events.emulator.account import (
    AGENT_NOTE,
    AGENT_REPLY,
    AUTOMATION_CLOSE,
    AUTOMATION_CSAT,
    AUTOMATION_PENDING,
    BILLING,
    CHANNEL_NAMES,
    CUSTOM_STATUSES,
    FIELD_IMPACT,
    FIELD_PRODUCT,
    FIELD_REGION,
    IMPACTS,
    MACRO_ESCALATE,
    PRIORITIES,
    PRODUCT_NAMES,
    PRODUCTS,
    RATINGS,
    REGIONS,
    REQUESTER_OPEN,
    REQUESTER_REPLY,
    RULE_SYSTEM,
    SOLVE,
    SUBJECTS,
    SUPPORT,
    TIER2,
    TRIGGER_ASSIGNEE,
    TRIGGER_COMMENT,
    TRIGGER_RECEIVED,
    TRIGGER_ROUTE,
    TRIGGER_VIP,
    TYPES,
    VIA_CHANNEL,
    Cast,
    Person,
)
from zendesk_events.emulator.sla import SlaTracker
from zendesk_events.emulator.sla import iso as epoch_to_iso

__all__ = ["Step", "TicketPlan", "automation_tick", "ticket_history"]

Step = tuple[int, list[dict[str, Any]], list[dict[str, Any]]]
"""One ticket update: ``(second, audits, metric events)`` (ids still 0). Its audits are the
ticket's (and, for a merge, its target's); its metric events are what the update caused."""

SYSTEM_USER = -1
"""Zendesk's updater id for automations and other system updates."""

# ---- time helpers ---------------------------------------------------------------------------

_HOUR = 3600
_DAY = 86_400
AUTOMATION_MINUTE = 17 * 60
"""Automations run hourly at :17:00; every ticket a run updates shares that second."""


def automation_tick(t: int) -> int:
    """The first hourly automation run at or after ``t``."""
    return -(-(t - AUTOMATION_MINUTE) // _HOUR) * _HOUR + AUTOMATION_MINUTE


def triage_run(t: int, slot: int) -> int:
    """The next weekday-morning bulk triage run of agent ``slot`` after ``t``."""
    day = t // _DAY + 1
    while (day + 3) % 7 >= 5:
        day += 1
    return day * _DAY + 9 * _HOUR + (slot % 8) * 300


def _delay(rng: Random, low: int, high: int) -> int:
    """A positive delay, log-uniform between ``low`` and ``high`` seconds (most are short)."""
    return int(low * (high / low) ** rng.random())


# ---- one ticket -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TicketPlan:
    """What is decided about a ticket before its lifecycle runs.

    Attributes:
        ticket_id: the ticket's number (tickets are numbered in creation order).
        created: second of its creation.
        end: the history stops before this second.
        seed: the run's seed (the ticket's random stream is derived from it and ``ticket_id``).
        imported: created by the backlog import (one second for all) and then bulk-tagged.
        bulk_tag_at: second of the bulk tag update of imported tickets.
        merge_into: a duplicate, merged into this ticket id soon after creation.
        follow_up_of: a follow-up (channel "Closed ticket") of this earlier ticket id.
    """

    ticket_id: int
    created: int
    end: int
    seed: int
    imported: bool = False
    bulk_tag_at: int | None = None
    merge_into: int | None = None
    follow_up_of: int | None = None


class _Life:
    """State of one ticket while its history is generated."""

    def __init__(self, plan: TicketPlan, cast: Cast) -> None:
        self.plan = plan
        self.cast = cast
        self.rng = rng = Random(plan.seed * 1_000_003 + plan.ticket_id)
        self.id = plan.ticket_id
        self.requester = rng.choice(cast.requesters)
        self.channel = "API" if plan.imported else rng.choice(CHANNEL_NAMES)
        if plan.follow_up_of is not None:
            self.channel = "Closed ticket"
        self.status = "new"
        self.priority: str | None = rng.choice(PRIORITIES)
        self.type = rng.choice(TYPES)
        self.product = rng.choice(PRODUCTS)
        self.subject = rng.choice(SUBJECTS).format(p=PRODUCT_NAMES[self.product])
        self.assignee: Person | None = None
        self.group: int | None = None
        self.tags: list[str] = [self.product]
        self.fields: dict[int, str] = {FIELD_PRODUCT: self.product}
        self.custom_status = CUSTOM_STATUSES["new"]
        self.sla = SlaTracker(self.id)
        self.out: list[dict[str, Any]] = []

    # ---- event builders ---------------------------------------------------------------------

    def _audit(
        self,
        t: int,
        updater: int,
        via: str,
        children: list[dict[str, Any]],
        *,
        system: dict[str, Any],
        ticket_id: int | None = None,
    ) -> None:
        self.out.append(
            {
                "id": 0,
                "ticket_id": self.id if ticket_id is None else ticket_id,
                "timestamp": t,
                "created_at": epoch_to_iso(t),
                "updater_id": updater,
                "via": via,
                "event_type": "Audit",
                "system": system,
                "child_events": children,
            }
        )

    def _comment(
        self, t: int, author: int, text: tuple[str, str], public: bool, via: str
    ) -> dict[str, Any]:
        source: dict[str, Any] = {"from": {}, "to": {}, "rel": None}
        if via == "Mail" and author == self.requester.id:
            source = {
                "from": {"address": self.requester.email, "name": self.requester.name},
                "to": {"address": "support@example.com", "name": "Example Support"},
                "rel": None,
            }
        elif via == "Closed ticket":
            source = {"from": {"ticket_id": self.plan.follow_up_of}, "to": {}}
            source["rel"] = "follow_up"
        return {
            "id": 0,
            "event_type": "Comment",
            "type": "Comment",
            "author_id": author,
            "body": text[0],
            "html_body": text[1],
            "public": public,
            "attachments": [],
            "audit_id": 0,
            "created_at": epoch_to_iso(t),
            "via": {"channel": VIA_CHANNEL.get(via, "web"), "source": source},
            "via_reference_id": None,
        }

    @staticmethod
    def _child(kind: str, via: str, ref: int | None, **fields: Any) -> dict[str, Any]:
        return {"id": 0, "via": via, "via_reference_id": ref, **fields, "event_type": kind}

    @staticmethod
    def _change(
        fieldname: str, value: Any, previous: Any, via: str, ref: int | None
    ) -> dict[str, Any]:
        # the recorded key order: the field, then event_type, then previous_value
        return {
            "id": 0,
            "via": via,
            "via_reference_id": ref,
            fieldname: value,
            "event_type": "Change",
            "previous_value": previous,
        }

    @staticmethod
    def _create(fieldname: str, value: Any, via: str, ref: int | None) -> dict[str, Any]:
        return {
            "id": 0,
            "via": via,
            "via_reference_id": ref,
            fieldname: value,
            "event_type": "Create",
        }

    def _set_status(self, t: int, new: str, via: str, ref: int | None) -> list[dict[str, Any]]:
        """The ``status`` Change, and the ``custom_status_id`` Change that goes with it.

        Closed is no custom status category: a closed ticket keeps its solved custom status.
        """
        old, self.status = self.status, new
        self.sla.status_changed(t, old, new)
        out = [self._change("status", new, old, via, ref)]
        custom = CUSTOM_STATUSES.get(new)
        if custom is not None:
            out.append(self._change("custom_status_id", custom, self.custom_status, via, ref))
            self.custom_status = custom
        return out

    def _set_tags(
        self, add: list[str], remove: list[str], via: str, ref: int | None
    ) -> dict[str, Any]:
        old = list(self.tags)
        added = [x for x in add if x not in old]
        self.tags = [x for x in old if x not in remove] + added
        removed = [x for x in remove if x in old]
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

    def _set_field(self, field: int, value: str, via: str, ref: int | None) -> list[dict[str, Any]]:
        """A drop-down field's Change, and the ``tags`` Change its option value makes."""
        old = self.fields.get(field)
        self.fields[field] = value
        change = self._change("custom_ticket_fields", {str(field): value}, old, via, ref)
        tags = self._set_tags([value], [old] if old else [], via, ref)
        return [change, tags] if tags["added_tags"] or tags["removed_tags"] else [change]

    def _set_group(self, t: int, group: int, via: str, ref: int | None) -> dict[str, Any]:
        old, self.group = self.group, group
        self.sla.group_changed(t, escalated=group == TIER2)
        return self._change("group_id", group, old, via, ref)

    def _notify(self, trigger: int, to: int, subject: str) -> dict[str, Any]:
        return self._child(
            "Notification",
            "Rule",
            trigger,
            subject=subject,
            body="You can add a comment by replying to this email.",
            recipients=[to],
        )

    def _agent(self, group: int | None = None) -> Person:
        pool = [a for a in self.cast.agents if a.group == group] if group else []
        return self.rng.choice(pool or self.cast.agents)

    # ---- steps ------------------------------------------------------------------------------

    def create(self, t: int) -> None:
        rng, req = self.rng, self.requester
        via = self.channel
        if self.plan.imported:
            self.tags.append("imported")
            updater, system = self.cast.admin.id, self.cast.admin.system
        else:
            updater, system = req.id, req.system
        if rng.random() < 0.5:
            region = rng.choice(REGIONS)
            self.fields[FIELD_REGION] = region
            self.tags.append(region)
        ref = self.plan.follow_up_of
        # recorded order (EMB): the comment, then one Create child per field
        children = [self._comment(t, req.id, rng.choice(REQUESTER_OPEN), True, via)]
        children += [
            self._create("subject", self.subject, via, ref),
            self._create("requester_id", req.id, via, ref),
            self._create("status", "new", via, ref),
            self._create("priority", self.priority, via, ref),
            self._create("type", self.type, via, ref),
        ]
        if req.organization is not None:
            # recorded as a string (EMB, the web-form tickets' organization_id Create)
            children.append(self._create("organization_id", str(req.organization), via, ref))
        children.append(
            {
                "id": 0,
                "via": via,
                "via_reference_id": ref,
                "tags": list(self.tags),
                "added_tags": list(self.tags),
                "removed_tags": [],
                "event_type": "Create",
            }
        )
        children.append(self._create("custom_status_id", self.custom_status, via, ref))
        children += [
            self._create("custom_ticket_fields", {str(field): value}, via, ref)
            for field, value in self.fields.items()
        ]
        self.sla.created(t, self.priority)
        children.append(
            self._notify(TRIGGER_RECEIVED, req.id, f"[Request received] {self.subject}")
        )
        group = BILLING if self.product == "billing_portal" else SUPPORT
        children.append(self._set_group(t, group, "Rule", TRIGGER_ROUTE))
        if rng.random() < 0.1:
            children.append(self._set_tags(["vip"], [], "Rule", TRIGGER_VIP))
        self._audit(t, updater, via, children, system=system)

    def bulk_tag(self, t: int) -> None:
        admin = self.cast.admin
        child = self._set_tags(["migrated"], ["imported"], "API", None)
        self._audit(t, admin.id, "API", [child], system=admin.system)

    def merge(self, t: int) -> None:
        target = self.plan.merge_into
        assert target is not None
        agent = self._agent(self.group)
        note = f"This request was closed and merged into request #{target}."
        text = (note, f'<div class="zd-comment"><p dir="auto">{note}</p></div>')
        children = [
            self._comment(t, agent.id, text, False, "Web form"),
            *self._set_status(t, "closed", "Web form", None),
        ]
        self._audit(t, agent.id, "Web form", children, system=agent.system)
        note = f'Request #{self.id} "{self.subject}" was closed and merged into this request.'
        text = (note, f'<div class="zd-comment"><p dir="auto">{html.escape(note)}</p></div>')
        self._audit(
            t,
            agent.id,
            "Web form",
            [self._comment(t, agent.id, text, False, "Web form")],
            system=agent.system,
            ticket_id=target,
        )

    def triage(self, t: int, bulk: bool) -> None:
        rng = self.rng
        agent = self.assignee or self._agent(self.group)
        children = [self._change("assignee_id", agent.id, None, "Web form", None)]
        self.assignee = agent
        if not bulk and rng.random() < 0.2:
            old, self.priority = self.priority, rng.choice(("low", "normal", "high", "urgent"))
            if old != self.priority:
                self.sla.priority_changed(t, self.priority)
                children.append(self._change("priority", self.priority, old, "Web form", None))
        if not bulk and rng.random() < 0.15:
            old_type, self.type = self.type, rng.choice(TYPES)
            if old_type != self.type:
                children.append(self._change("type", self.type, old_type, "Web form", None))
        children += self._set_field(FIELD_IMPACT, rng.choice(IMPACTS), "Web form", None)
        if bulk or rng.random() < 0.3:
            children += self._set_status(t, "open", "Web form", None)
        else:
            nxt = "pending" if rng.random() < 0.6 else "open"
            children.insert(
                0, self._comment(t, agent.id, rng.choice(AGENT_REPLY), True, "Web form")
            )
            children += self._set_status(t, nxt, "Web form", None)
            self.sla.agent_replied(t, self.status)
            children.append(self._notify(TRIGGER_COMMENT, self.requester.id, self.subject))
        self._audit(t, agent.id, "Web form", children, system=agent.system)

    def side_update(self, t: int) -> None:
        """A private note, a CC, an escalation or a field change: updates between replies."""
        rng = self.rng
        agent = self.assignee or self._agent()
        roll = rng.random()
        children: list[dict[str, Any]]
        if roll < 0.3 and self.group != TIER2:
            new = self._agent(TIER2)
            children = [
                self._comment(t, agent.id, rng.choice(AGENT_NOTE), False, "Web form"),
                self._set_group(t, TIER2, "Rule", MACRO_ESCALATE),
                self._change("assignee_id", new.id, agent.id, "Rule", MACRO_ESCALATE),
                self._set_tags(["escalated"], [], "Rule", MACRO_ESCALATE),
            ]
            self.assignee = new
        elif roll < 0.5:
            cc = rng.choice(self.cast.requesters)
            children = [self._child("Cc", "Web form", None, recipients=[cc.id])]
        elif roll < 0.7:
            region = rng.choice([r for r in REGIONS if r != self.fields.get(FIELD_REGION)])
            children = self._set_field(FIELD_REGION, region, "Web form", None)
        else:
            children = [self._comment(t, agent.id, rng.choice(AGENT_NOTE), False, "Web form")]
        self._audit(t, agent.id, "Web form", children, system=agent.system)

    def agent_update(self, t: int, rounds: int) -> None:
        rng = self.rng
        agent = self.assignee or self._agent(self.group)
        roll = rng.random()
        if roll < 0.3 + 0.2 * rounds:
            nxt, text = "solved", rng.choice(SOLVE)
        elif roll < 0.85:
            nxt, text = "pending", rng.choice(AGENT_REPLY)
        elif roll < 0.93:
            nxt, text = "hold", rng.choice(AGENT_REPLY)
        else:
            nxt, text = "open", rng.choice(AGENT_REPLY)
        children = [self._comment(t, agent.id, text, True, "Web form")]
        if self.status != nxt:
            children += self._set_status(t, nxt, "Web form", None)
        self.sla.agent_replied(t, self.status)
        children.append(self._notify(TRIGGER_COMMENT, self.requester.id, self.subject))
        self._audit(t, agent.id, "Web form", children, system=agent.system)

    def requester_reply(self, t: int) -> None:
        req = self.requester
        via = "Mail" if self.channel in ("Mail", "Closed ticket") else "Web form"
        children = [self._comment(t, req.id, self.rng.choice(REQUESTER_REPLY), True, via)]
        self.sla.requester_replied(t)
        if self.status != "open":
            children += self._set_status(t, "open", via, None)
        if self.assignee is not None:
            children.append(self._notify(TRIGGER_ASSIGNEE, self.assignee.id, self.subject))
        self._audit(t, req.id, via, children, system=req.system)

    def resume_hold(self, t: int) -> None:
        agent = self.assignee or self._agent()
        children = [
            self._comment(t, agent.id, self.rng.choice(AGENT_NOTE), False, "Web form"),
            *self._set_status(t, "open", "Web form", None),
        ]
        self._audit(t, agent.id, "Web form", children, system=agent.system)

    def rule_status(self, t: int, new: str, rule: int) -> None:
        self._audit(
            t, SYSTEM_USER, "Rule", self._set_status(t, new, "Rule", rule), system=RULE_SYSTEM
        )

    def csat_request(self, t: int) -> None:
        child = self._notify(AUTOMATION_CSAT, self.requester.id, "How would you rate our support?")
        self._audit(t, SYSTEM_USER, "Rule", [child], system=RULE_SYSTEM)

    def rating(self, t: int) -> None:
        req = self.requester
        good = self.rng.random() < 0.8
        child = self._child(
            "SatisfactionRating",
            "Web form",
            None,
            score="good" if good else "bad",
            assignee_id=self.assignee.id if self.assignee else None,
            body=self.rng.choice(RATINGS),
        )
        self._audit(t, req.id, "Web form", [child], system=req.system)

    # ---- the script -------------------------------------------------------------------------

    def script(self) -> Iterator[tuple[int, Callable[[int], None]]]:
        """``(second, step)`` pairs in time order; each is decided after the previous ran."""
        rng, plan = self.rng, self.plan
        t = plan.created
        yield t, self.create
        if plan.bulk_tag_at is not None:
            t = plan.bulk_tag_at
            yield t, self.bulk_tag
        if plan.merge_into is not None:
            t += _delay(rng, 300, 2400)
            yield t, self.merge
            return
        bulk = rng.random() < 0.25
        if bulk:
            slot = rng.randrange(len(self.cast.agents))
            self.assignee = self.cast.agents[slot]
            t = triage_run(t, slot)
        else:
            t += _delay(rng, 120, 6 * _HOUR)
        yield t, lambda s: self.triage(s, bulk)
        rounds = reopened = 0
        while True:
            if self.status == "pending":
                if rng.random() < 0.85:
                    t += _delay(rng, 900, 2 * _DAY)
                    yield t, self.requester_reply
                else:
                    t = automation_tick(t + 5 * _DAY)
                    yield t, lambda s: self.rule_status(s, "solved", AUTOMATION_PENDING)
            elif self.status == "hold":
                t += _delay(rng, 4 * _HOUR, 3 * _DAY)
                yield t, self.resume_hold
            elif self.status in ("new", "open"):
                if rng.random() < 0.25:
                    t += _delay(rng, 300, 8 * _HOUR)
                    yield t, self.side_update
                t += _delay(rng, 300, 20 * _HOUR)
                yield t, lambda s, r=rounds: self.agent_update(s, r)  # type: ignore[misc]
                rounds += 1
            else:  # solved
                solved_at = t
                if reopened == 0 and rng.random() < 0.08:
                    reopened = 1
                    t += _delay(rng, 1800, 3 * _DAY)
                    yield t, self.requester_reply
                    continue
                close_at = automation_tick(solved_at + 4 * _DAY)
                t = automation_tick(solved_at + _DAY)
                yield t, self.csat_request
                if rng.random() < 0.35:
                    t = min(t + _delay(rng, 300, 2 * _DAY), close_at - 1)
                    yield t, self.rating
                yield close_at, lambda s: self.rule_status(s, "closed", AUTOMATION_CLOSE)
                return


def ticket_history(plan: TicketPlan, cast: Cast) -> Iterator[Step]:
    """Every update of one ticket before ``plan.end``, in time order, ids still 0.

    An update's audits and metric events all carry its second (the second Zendesk writes them);
    a pre-written breach's ``time`` may lie after it, even after ``plan.end``: Zendesk holds it
    until its time comes (spec §5).
    """
    life = _Life(plan, cast)
    for t, step in life.script():
        if t >= plan.end:
            break
        step(t)
        yield t, life.out, life.sla.drain()
        life.out = []
