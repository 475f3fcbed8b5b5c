"""``serve --traffic RATE``: a stream of realistic activity on the live account.

Requesters open tickets, agents triage, reply, escalate and solve them, requesters answer and
rate them, at ``RATE`` writes a second on average (exponential gaps: a Poisson stream). Every
action is an :class:`~zendesk_events.emulator.ticket.Update` applied by the live desk exactly
as an API request's is (same transaction, same model, same triggers, SLA and late arrival), so
``sync --follow`` has live events to follow.

Deterministic with ``--seed``: action ``i`` happens at a time and with content drawn from
``(seed, i)`` alone, and picks its ticket among the open ones by position, so the same seed on
the same store writes the same history (as long as nothing else writes meanwhile). The people
are the seeded account's cast (the same ``make_cast`` as the seed, from the seed's own
parameters when the store was seeded), so traffic looks like the history before it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from random import Random
from typing import Any, Protocol

from zendesk_events.emulator.account import (
    AGENT_NOTE,
    AGENT_REPLY,
    CHANNEL_NAMES,
    FIELD_PRODUCT,
    FIELD_REGION,
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
from zendesk_events.emulator.audit import Actor, Comment, Update
from zendesk_events.emulator.ticket import Ticket
from zendesk_events.emulator.tickets import actor_of
from zendesk_events.errors import ConfigError

__all__ = ["MAX_RATE", "Traffic", "TrafficWrites"]

MAX_RATE = 1000.0
"""Writes a second at most (the emulator writes each in its own transaction)."""


class TrafficWrites(Protocol):
    """What an action may do, inside the live desk's transaction for it."""

    def active(self) -> Sequence[int]:
        """Ids of the tickets neither closed nor deleted, by id."""
        ...

    def ticket(self, ticket_id: int) -> Ticket:
        """A live ticket."""
        ...

    def create(self, actor: Actor, via: str, update: Update) -> None:
        """Create a ticket."""
        ...

    def update(self, ticket: Ticket, actor: Actor, via: str, update: Update) -> None:
        """Apply an update to a ticket."""
        ...


class Traffic:
    """The action stream of one ``(seed, rate)``.

    Args:
        seed: the random seed.
        rate: writes per second on average (> 0).
        cast: the account's people.

    Raises:
        ConfigError: a rate that is not a positive number up to :data:`MAX_RATE`.
    """

    def __init__(self, seed: int, rate: float, cast: Cast) -> None:
        if not (math.isfinite(rate) and 0 < rate <= MAX_RATE):
            raise ConfigError(
                f"--traffic must be a number of writes a second in (0, 1000], not {rate!r}"
            )
        self.seed = seed
        self.rate = rate
        self.cast = cast

    def gap_ms(self, index: int) -> int:
        """Milliseconds between action ``index - 1`` and action ``index`` (at least 1)."""
        rng = Random(f"traffic:{self.seed}:{index}:gap")
        return max(1, round(rng.expovariate(self.rate) * 1000))

    def act(self, index: int, writes: TrafficWrites) -> None:
        """Perform action ``index``."""
        rng = Random(f"traffic:{self.seed}:{index}")
        active = writes.active()
        if not active or rng.random() < 0.25:
            self._create(rng, writes)
            return
        ticket = writes.ticket(active[rng.randrange(len(active))])
        {
            "new": self._triage,
            "open": self._work,
            "pending": self._answer,
            "hold": self._resume,
            "solved": self._after_solve,
        }.get(ticket.status, self._answer)(rng, ticket, writes)

    # ---- the actions ------------------------------------------------------------------------

    def _comment(self, who: Person, text: tuple[str, str], public: bool) -> Comment:
        return Comment(text[0], text[1], public, who.id, who.role)

    def _agent(self, rng: Random, ticket: Ticket) -> Person:
        if ticket.assignee_id is not None:
            for agent in self.cast.agents:
                if agent.id == ticket.assignee_id:
                    return agent
        pool = [a for a in self.cast.agents if a.group == ticket.group_id]
        return rng.choice(pool or list(self.cast.agents))

    def _requester(self, ticket: Ticket) -> Person:
        for person in self.cast.requesters:
            if person.id == ticket.requester_id:
                return person
        return self.cast.requesters[ticket.requester_id % len(self.cast.requesters)]

    def _create(self, rng: Random, writes: TrafficWrites) -> None:
        req = rng.choice(self.cast.requesters)
        via = rng.choice(CHANNEL_NAMES)
        product = rng.choice(PRODUCTS)
        custom: dict[int, Any] = {FIELD_PRODUCT: product}
        if rng.random() < 0.5:
            custom[FIELD_REGION] = rng.choice(REGIONS)
        update = Update(
            fields={
                "subject": rng.choice(SUBJECTS).format(p=PRODUCT_NAMES[product]),
                "requester_id": req.id,
                "priority": rng.choice(PRIORITIES),
                "type": rng.choice(TYPES),
                "organization_id": req.organization,
            },
            custom_fields=custom,
            comment=self._comment(req, rng.choice(REQUESTER_OPEN), True),
        )
        actor = actor_of(self.cast.admin) if via == "API" else actor_of(req)
        writes.create(actor, via, update)

    def _triage(self, rng: Random, ticket: Ticket, writes: TrafficWrites) -> None:
        agent = self._agent(rng, ticket)
        update = Update(fields={"assignee_id": agent.id})
        if rng.random() < 0.5:
            update.fields["status"] = "pending"
            update.comment = self._comment(agent, rng.choice(AGENT_REPLY), True)
        writes.update(ticket, actor_of(agent), "Web form", update)

    def _work(self, rng: Random, ticket: Ticket, writes: TrafficWrites) -> None:
        agent = self._agent(rng, ticket)
        roll = rng.random()
        if roll < 0.6:
            status = rng.choices(("pending", "solved", "hold", "open"), (5, 3, 1, 1))[0]
            text = rng.choice(SOLVE if status == "solved" else AGENT_REPLY)
            update = Update(
                fields={"status": status, "assignee_id": agent.id},
                comment=self._comment(agent, text, True),
            )
        elif roll < 0.8:
            update = Update(comment=self._comment(agent, rng.choice(AGENT_NOTE), False))
        elif roll < 0.9 and ticket.group_id != TIER2:
            tier2 = [a for a in self.cast.agents if a.group == TIER2] or list(self.cast.agents)
            update = Update(
                fields={"group_id": TIER2, "assignee_id": rng.choice(tier2).id},
                add_tags=["escalated"],
                comment=self._comment(agent, rng.choice(AGENT_NOTE), False),
                rule=("Rule", MACRO_ESCALATE),
            )
        else:
            update = Update(fields={"priority": rng.choice(("low", "normal", "high", "urgent"))})
        writes.update(ticket, actor_of(agent), "Web form", update)

    def _answer(self, rng: Random, ticket: Ticket, writes: TrafficWrites) -> None:
        req = self._requester(ticket)
        via = "Mail" if rng.random() < 0.5 else "Web form"
        update = Update(comment=self._comment(req, rng.choice(REQUESTER_REPLY), True))
        writes.update(ticket, actor_of(req), via, update)

    def _resume(self, rng: Random, ticket: Ticket, writes: TrafficWrites) -> None:
        agent = self._agent(rng, ticket)
        update = Update(
            fields={"status": "open"}, comment=self._comment(agent, rng.choice(AGENT_NOTE), False)
        )
        writes.update(ticket, actor_of(agent), "Web form", update)

    def _after_solve(self, rng: Random, ticket: Ticket, writes: TrafficWrites) -> None:
        if ticket.csat_sent and ticket.rating is None and rng.random() < 0.6:
            score = "good" if rng.random() < 0.8 else "bad"
            update = Update(rating=(score, rng.choice(RATINGS)))
            writes.update(ticket, actor_of(self._requester(ticket)), "Web form", update)
            return
        self._answer(rng, ticket, writes)
