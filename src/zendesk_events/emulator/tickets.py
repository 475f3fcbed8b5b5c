"""One ticket's planned lifecycle: the seed's driver of the ticket model.

A ticket is created (by mail, web form, API, chat or as a follow-up of a closed ticket), triaged
by an agent (sometimes in a bulk triage run: many tickets in one second), goes back and forth
between agent and requester (open/pending/hold), is solved, asked for a satisfaction rating by an
automation, maybe rated or reopened, and closed by the hourly "close solved tickets" automation
(all tickets due in one run share a second). Some tickets are duplicates merged into the ticket
before them. A ticket has 4-20 audits (about 8 on average) and about 6x as many metric events.

This module only decides *what people do and when* (ours: a plausible account). Every write
goes through the ticket model (``ticket.py``) exactly as a live API request does, so the audits,
the triggers' notifications, the system rules and the SLA metric events are the model's; the
automations run when the model says they are due (``automations.py``), between the planned
steps.

Everything here has ``id`` 0: ``generate.py`` merges all tickets in time order and numbers the
events (``ids.py``), so ids grow with time across tickets as Zendesk's do.
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
    CHANNEL_NAMES,
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
    SOLVE,
    SUBJECTS,
    TIER2,
    TYPES,
    Cast,
    Person,
)
from zendesk_events.emulator.audit import Actor, Comment, Update, note_audit
from zendesk_events.emulator.rules import AccountRules
from zendesk_events.emulator.ticket import Ticket

__all__ = ["Step", "TicketPlan", "actor_of", "ticket_history", "triage_run"]

Step = tuple[int, list[dict[str, Any]], list[dict[str, Any]], Ticket | None]
"""One ticket update: ``(second, audits, metric events, ticket)`` (ids still 0). Its audits are
the ticket's (and, for a merge, its target's); its metric events are what the update caused; the
ticket is given with the ticket's last step only (its state when the history ends)."""

_HOUR = 3600
_DAY = 86_400
_FOREVER = 2**62


def triage_run(t: int, slot: int) -> int:
    """The next weekday-morning bulk triage run of agent ``slot`` after ``t``."""
    day = t // _DAY + 1
    while (day + 3) % 7 >= 5:
        day += 1
    return day * _DAY + 9 * _HOUR + (slot % 8) * 300


def _delay(rng: Random, low: int, high: int) -> int:
    """A positive delay, log-uniform between ``low`` and ``high`` seconds (most are short)."""
    return int(low * (high / low) ** rng.random())


def actor_of(person: Person) -> Actor:
    """The model's actor for someone of the cast."""
    return Actor(person.id, person.role, person.system)


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
    """One ticket's planned lifecycle, applied to the ticket model step by step."""

    def __init__(self, plan: TicketPlan, cast: Cast, account: AccountRules) -> None:
        self.plan = plan
        self.cast = cast
        self.account = account
        self.rng = rng = Random(plan.seed * 1_000_003 + plan.ticket_id)
        self.id = plan.ticket_id
        self.requester = rng.choice(cast.requesters)
        self.channel = "API" if plan.imported else rng.choice(CHANNEL_NAMES)
        if plan.follow_up_of is not None:
            self.channel = "Closed ticket"
        self.priority: str | None = rng.choice(PRIORITIES)
        self.type = rng.choice(TYPES)
        self.product = rng.choice(PRODUCTS)
        self.subject = rng.choice(SUBJECTS).format(p=PRODUCT_NAMES[self.product])
        self.assignee: Person | None = None
        self.ticket: Ticket | None = None
        self.out: list[dict[str, Any]] = []

    @property
    def t(self) -> Ticket:
        assert self.ticket is not None, "the ticket is created first"
        return self.ticket

    # ---- helpers ----------------------------------------------------------------------------

    def _comment(self, author: Person, text: tuple[str, str], public: bool, via: str) -> Comment:
        source: dict[str, Any] | None = None
        if via == "Mail" and author.id == self.requester.id:
            source = {
                "from": {"address": self.requester.email, "name": self.requester.name},
                "to": {"address": "support@example.com", "name": "Example Support"},
                "rel": None,
            }
        elif via == "Closed ticket":
            source = {"from": {"ticket_id": self.plan.follow_up_of}, "to": {}, "rel": "follow_up"}
        return Comment(text[0], text[1], public, author.id, author.role, source)

    def _write(self, t: int, who: Person, via: str, update: Update) -> None:
        self.out.append(self.t.update(t, actor_of(who), via, update, self.account))

    def _agent(self, group: int | None = None) -> Person:
        pool = [a for a in self.cast.agents if a.group == group] if group else []
        return self.rng.choice(pool or self.cast.agents)

    # ---- steps ------------------------------------------------------------------------------

    def create(self, t: int) -> None:
        rng, req = self.rng, self.requester
        via = self.channel
        actor = actor_of(self.cast.admin) if self.plan.imported else actor_of(req)
        custom: dict[int, Any] = {FIELD_PRODUCT: self.product}
        if rng.random() < 0.5:
            custom[FIELD_REGION] = rng.choice(REGIONS)
        fields: dict[str, Any] = {
            "subject": self.subject,
            "requester_id": req.id,
            "priority": self.priority,
            "type": self.type,
            "organization_id": req.organization,
        }
        update = Update(
            fields=fields,
            tags=["imported"] if self.plan.imported else [],
            custom_fields=custom,
            comment=self._comment(req, rng.choice(REQUESTER_OPEN), True, via),
        )
        self.ticket, audit = Ticket.create(
            self.id, t, actor, via, update, self.account, follow_up_of=self.plan.follow_up_of
        )
        self.out.append(audit)

    def bulk_tag(self, t: int) -> None:
        update = Update(add_tags=["migrated"], remove_tags=["imported"])
        self._write(t, self.cast.admin, "API", update)

    def merge(self, t: int) -> None:
        target = self.plan.merge_into
        assert target is not None
        agent = self._agent(self.t.group_id)
        note = f"This request was closed and merged into request #{target}."
        text = (note, f'<div class="zd-comment"><p dir="auto">{note}</p></div>')
        update = Update(
            fields={"status": "closed"}, comment=self._comment(agent, text, False, "Web form")
        )
        self._write(t, agent, "Web form", update)
        note = f'Request #{self.id} "{self.subject}" was closed and merged into this request.'
        text = (note, f'<div class="zd-comment"><p dir="auto">{html.escape(note)}</p></div>')
        comment = self._comment(agent, text, False, "Web form")
        self.out.append(note_audit(target, t, actor_of(agent), "Web form", comment))

    def triage(self, t: int, bulk: bool) -> None:
        rng = self.rng
        agent = self.assignee or self._agent(self.t.group_id)
        self.assignee = agent
        fields: dict[str, Any] = {"assignee_id": agent.id}
        if not bulk and rng.random() < 0.2:
            fields["priority"] = rng.choice(("low", "normal", "high", "urgent"))
        if not bulk and rng.random() < 0.15:
            fields["type"] = rng.choice(TYPES)
        update = Update(fields=fields, custom_fields={FIELD_IMPACT: rng.choice(IMPACTS)})
        if bulk or rng.random() < 0.3:
            fields["status"] = "open"
        else:
            fields["status"] = "pending" if rng.random() < 0.6 else "open"
            update.comment = self._comment(agent, rng.choice(AGENT_REPLY), True, "Web form")
        self._write(t, agent, "Web form", update)

    def side_update(self, t: int) -> None:
        """A private note, a CC, an escalation or a field change: updates between replies."""
        rng = self.rng
        agent = self.assignee or self._agent()
        roll = rng.random()
        if roll < 0.3 and self.t.group_id != TIER2:
            new = self._agent(TIER2)
            update = Update(
                fields={"group_id": TIER2, "assignee_id": new.id},
                add_tags=["escalated"],
                comment=self._comment(agent, rng.choice(AGENT_NOTE), False, "Web form"),
                rule=("Rule", MACRO_ESCALATE),
            )
            self.assignee = new
        elif roll < 0.5:
            cc = rng.choice(self.cast.requesters)
            update = Update(collaborators=[cc.id])
        elif roll < 0.7:
            current = self.t.custom.get(FIELD_REGION)
            region = rng.choice([r for r in REGIONS if r != current])
            update = Update(custom_fields={FIELD_REGION: region})
        else:
            update = Update(comment=self._comment(agent, rng.choice(AGENT_NOTE), False, "Web form"))
        self._write(t, agent, "Web form", update)

    def agent_update(self, t: int, rounds: int) -> None:
        rng = self.rng
        agent = self.assignee or self._agent(self.t.group_id)
        roll = rng.random()
        if roll < 0.3 + 0.2 * rounds:
            nxt, text = "solved", rng.choice(SOLVE)
        elif roll < 0.85:
            nxt, text = "pending", rng.choice(AGENT_REPLY)
        elif roll < 0.93:
            nxt, text = "hold", rng.choice(AGENT_REPLY)
        else:
            nxt, text = "open", rng.choice(AGENT_REPLY)
        update = Update(
            fields={"status": nxt}, comment=self._comment(agent, text, True, "Web form")
        )
        self._write(t, agent, "Web form", update)

    def requester_reply(self, t: int) -> None:
        req = self.requester
        via = "Mail" if self.channel in ("Mail", "Closed ticket") else "Web form"
        update = Update(comment=self._comment(req, self.rng.choice(REQUESTER_REPLY), True, via))
        self._write(t, req, via, update)

    def resume_hold(self, t: int) -> None:
        agent = self.assignee or self._agent()
        update = Update(
            fields={"status": "open"},
            comment=self._comment(agent, self.rng.choice(AGENT_NOTE), False, "Web form"),
        )
        self._write(t, agent, "Web form", update)

    def rating(self, t: int) -> None:
        good = self.rng.random() < 0.8
        text = self.rng.choice(RATINGS)
        self._write(t, self.requester, "Web form", Update(rating=("good" if good else "bad", text)))

    # ---- the script -------------------------------------------------------------------------

    def _automations(
        self, until: int, once: bool = False
    ) -> Iterator[tuple[int, Callable[[int], None]]]:
        """The automation runs due on this ticket before ``until``, as steps (one if ``once``)."""
        while True:
            due = self.t.next_due()
            if due is None or due[0] >= until:
                return
            at, automation = due
            yield (
                at,
                lambda s, a=automation: self.out.append(  # type: ignore[misc]
                    self.t.automate(s, a, self.account)
                ),
            )
            if once:
                return

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
            status = self.t.status
            if status == "pending":
                if rng.random() < 0.85:
                    t += _delay(rng, 900, 2 * _DAY)
                    yield t, self.requester_reply
                else:  # no reply: the automation solves it
                    for step in self._automations(_FOREVER, once=True):
                        t = step[0]
                        yield step
            elif status == "hold":
                t += _delay(rng, 4 * _HOUR, 3 * _DAY)
                yield t, self.resume_hold
            elif status in ("new", "open"):
                if rng.random() < 0.25:
                    t += _delay(rng, 300, 8 * _HOUR)
                    yield t, self.side_update
                t += _delay(rng, 300, 20 * _HOUR)
                yield t, lambda s, r=rounds: self.agent_update(s, r)  # type: ignore[misc]
                rounds += 1
            elif status == "solved":
                solved_at = t
                if reopened == 0 and rng.random() < 0.08:
                    reopened = 1
                    t += _delay(rng, 1800, 3 * _DAY)
                    yield from self._automations(t)  # the rating request may come first
                    yield t, self.requester_reply
                    continue
                due = self.t.next_due()
                if due is not None and rng.random() < 0.35:
                    close_at = solved_at + 4 * _DAY
                    rate_at = due[0] + _delay(rng, 300, 2 * _DAY)
                    t = min(rate_at, close_at - 1)
                    yield from self._automations(t)
                    if self.t.status == "solved":
                        yield t, self.rating
                yield from self._automations(_FOREVER)
                return
            else:  # closed
                return


def ticket_history(plan: TicketPlan, cast: Cast, account: AccountRules) -> Iterator[Step]:
    """Every update of one ticket before ``plan.end``, in time order, ids still 0.

    An update's audits and metric events all carry its second (the second Zendesk writes them);
    a pre-written breach's ``time`` may lie after it, even after ``plan.end``: Zendesk holds it
    until its time comes (spec §5). The last step also hands over the ticket as it then stands
    (for the live server to go on from).
    """
    life = _Life(plan, cast, account)
    last = plan.created
    for t, step in life.script():
        if t >= plan.end:
            break
        step(t)
        last = t
        yield t, life.out, life.t.sla.drain(), None
        life.out = []
    if life.ticket is not None:
        yield last, [], [], life.ticket
