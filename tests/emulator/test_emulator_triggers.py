"""The standard triggers as recorded on a live account (zenpy cassette ``TestTriggers``, 2023):
their texts, and the conditions under which each adds its Notification."""

from __future__ import annotations

from typing import Any

import pytest

from recorded import load
from zendesk_events.emulator import triggers
from zendesk_events.emulator.account import RULE_SYSTEM
from zendesk_events.emulator.audit import Actor, Comment, Update
from zendesk_events.emulator.rules import AccountRules
from zendesk_events.emulator.ticket import Ticket

RECORDED = {t["title"]: t for t in load("triggers_standard_2023")["triggers"]}
ADMIN, AGENT, OTHER_AGENT, USER = 11, 12, 13, 21
ACCOUNT = AccountRules(
    agent_ids=[ADMIN, AGENT, OTHER_AGENT],
    group_ids=[360_000_210_001],
    custom_field_ids=[],
    options={},
    policies=[],
)


def _actor(user: int, role: str) -> Actor:
    return Actor(user, role, RULE_SYSTEM)


def _comment(author: int, role: str, public: bool = True) -> Comment:
    return Comment("text", "<p>text</p>", public, author, role)


def _notices(audit: dict[str, Any]) -> list[tuple[str, list[int]]]:
    titles = {t.id: t.title for t in triggers.STANDARD_TRIGGERS}
    return [
        (titles[c["via_reference_id"]], c["recipients"])
        for c in audit["child_events"]
        if c["event_type"] == "Notification"
    ]


@pytest.mark.parametrize("trigger", triggers.STANDARD_TRIGGERS, ids=lambda t: t.title)
def test_texts_are_the_recorded_ones(trigger: triggers.StandardTrigger) -> None:
    recorded = RECORDED[trigger.title]
    (action,) = recorded["actions"]
    assert action["field"] == "notification_user"
    assert [action["value"][1], action["value"][2]] == [trigger.subject, trigger.body]


def test_an_end_user_request_is_received_an_agent_ticket_proactive() -> None:
    update = Update(fields={"subject": "Help"}, comment=_comment(USER, "end-user"))
    _, audit = Ticket.create(1, 0, _actor(USER, "end-user"), "Web form", update, ACCOUNT)
    assert _notices(audit) == [
        ("Notify requester and CCs of received request", [USER]),
        ("Notify all agents of received request", [ADMIN, AGENT, OTHER_AGENT]),
    ]
    update = Update(fields={"requester_id": USER}, comment=_comment(AGENT, "agent"))
    _, audit = Ticket.create(2, 0, _actor(AGENT, "agent"), "API", update, ACCOUNT)
    assert _notices(audit) == [
        ("Notify requester of new proactive ticket", [USER]),
        ("Notify all agents of received request", [ADMIN, AGENT, OTHER_AGENT]),
    ]


def test_assignment_comment_and_reopen_notify_the_assignee_unless_they_did_it() -> None:
    update = Update(fields={"subject": "Help"}, comment=_comment(USER, "end-user"))
    ticket, _ = Ticket.create(1, 0, _actor(USER, "end-user"), "Web form", update, ACCOUNT)
    by_admin = _actor(ADMIN, "admin")
    audit = ticket.update(1, by_admin, "API", Update(fields={"assignee_id": AGENT}), ACCOUNT)
    assert _notices(audit) == [("Notify assignee of assignment", [AGENT])]
    taken = ticket.update(
        2, _actor(AGENT, "agent"), "API", Update(fields={"assignee_id": AGENT}), ACCOUNT
    )
    assert _notices(taken) == []  # nothing changed
    note = Update(comment=_comment(ADMIN, "admin", public=False))
    assert _notices(ticket.update(3, by_admin, "API", note, ACCOUNT)) == [
        ("Notify assignee of comment update", [AGENT])
    ]
    own = Update(comment=_comment(AGENT, "agent", public=False))
    assert _notices(ticket.update(4, _actor(AGENT, "agent"), "API", own, ACCOUNT)) == []
    solve = Update(fields={"status": "solved"}, comment=_comment(AGENT, "agent"))
    ticket.update(5, _actor(AGENT, "agent"), "API", solve, ACCOUNT)
    reopen = Update(comment=_comment(USER, "end-user"))
    audit = ticket.update(6, _actor(USER, "end-user"), "Mail", reopen, ACCOUNT)
    assert ticket.status == "open"  # an end user's comment reopens a solved ticket
    assert _notices(audit) == [
        ("Notify requester and CCs of comment update", [USER]),
        ("Notify assignee of reopened ticket", [AGENT]),
    ]


def test_automations_notify_nobody_but_through_their_own_action() -> None:
    update = Update(
        fields={"subject": "Help", "assignee_id": AGENT}, comment=_comment(USER, "end-user")
    )
    ticket, _ = Ticket.create(1, 0, _actor(USER, "end-user"), "Web form", update, ACCOUNT)
    ticket.update(60, _actor(AGENT, "agent"), "API", Update(fields={"status": "solved"}), ACCOUNT)
    due = ticket.next_due()
    assert due is not None
    audit = ticket.automate(due[0], due[1], ACCOUNT)
    assert audit["updater_id"] == -1 and audit["via"] == "Rule"
    assert [c["event_type"] for c in audit["child_events"]] == ["Notification"]
    assert _notices({"child_events": []}) == []
