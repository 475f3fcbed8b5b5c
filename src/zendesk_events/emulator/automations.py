"""The account's automations: hourly runs that change tickets nobody touches.

Zendesk runs automations once an hour; we run ours at :17:00 (ours), so every ticket one run
updates shares that second (a burst the exports must survive). The three of the emulated account
(ours, after Zendesk's standard "Close ticket 4 days after status is set to solved" and the
satisfaction survey; "Tickets are automatically closed 28 days after they're set to Solved" is a
system rule our 4 days always beat):

* a solved ticket is asked for a satisfaction rating one day after it was solved (once);
* a solved ticket is closed four days after it was solved;
* a ticket pending five days without reply is solved.

:func:`next_due` says which run changes a ticket next, and when. The seed waits for it between
the lifecycle's steps; the live server runs it when its clock passes that second (the ticket's
``due_at`` in the store). What a run does to the ticket is the ticket model's
(:meth:`~zendesk_events.emulator.ticket.Ticket.automate`).
"""

from __future__ import annotations

from dataclasses import dataclass

from zendesk_events.emulator.account import AUTOMATION_CLOSE, AUTOMATION_CSAT, AUTOMATION_PENDING

__all__ = [
    "AUTOMATION_MINUTE",
    "BY_KIND",
    "CLOSE",
    "CSAT",
    "SOLVE_PENDING",
    "Automation",
    "automation_tick",
    "next_due",
]

_HOUR = 3600
_DAY = 86_400
AUTOMATION_MINUTE = 17 * 60
"""Automations run hourly at :17:00; every ticket a run updates shares that second."""


def automation_tick(t: int) -> int:
    """The first hourly automation run at or after ``t``."""
    return -(-(t - AUTOMATION_MINUTE) // _HOUR) * _HOUR + AUTOMATION_MINUTE


@dataclass(frozen=True, slots=True)
class Automation:
    """One automation: its id (the ``via_reference_id`` of what it writes) and title."""

    id: int
    title: str
    kind: str


CSAT = Automation(AUTOMATION_CSAT, "Request customer satisfaction rating", "csat")
CLOSE = Automation(AUTOMATION_CLOSE, "Close ticket 4 days after status is set to solved", "close")
SOLVE_PENDING = Automation(
    AUTOMATION_PENDING, "Solve pending tickets after 5 days without reply", "solve_pending"
)
BY_KIND: dict[str, Automation] = {a.kind: a for a in (CSAT, CLOSE, SOLVE_PENDING)}


def next_due(
    status: str, solved_at: int | None, pending_since: int | None, csat_sent: bool
) -> tuple[int, Automation] | None:
    """The next automation run that will change a ticket in this state, and its second."""
    if status == "solved" and solved_at is not None:
        close = automation_tick(solved_at + 4 * _DAY)
        if not csat_sent:
            return automation_tick(solved_at + _DAY), CSAT
        return close, CLOSE
    if status == "pending" and pending_since is not None:
        return automation_tick(pending_since + 5 * _DAY), SOLVE_PENDING
    return None
