"""zenpy, an unmodified third-party client, creates, updates, comments on and deletes tickets on
the live account; its incremental exports then hold exactly the audits and metric events those
writes (and the automations after them) make, in order, in the recorded shapes.

The expected events are written out by hand below from the rules they follow (spec §3/§5,
Zendesk's system ticket rules and standard triggers as recorded, the SLA metric lifecycle), never
from our output. zenpy stops paging 5 minutes before the real now, so the fake clock runs in the
past.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from livekit import live

from recorded import load
from zendesk_events.events import MetricEvent, TicketEvent
from zendesk_events.store import open_store
from zendesk_events.store.normalize import CHANGE_META_KEYS
from zendesk_events.timeutil import iso_to_epoch

HOUR = 3600

# the standard triggers' recorded subjects (ZCAS TestTriggers): which notification is which
TRIGGERS = {
    t["title"]: t["actions"][0]["value"][1] for t in load("triggers_standard_2023")["triggers"]
}
PROACTIVE = TRIGGERS["Notify requester of new proactive ticket"]
ALL_AGENTS = TRIGGERS["Notify all agents of received request"]
COMMENT_UPDATE = TRIGGERS["Notify requester and CCs of comment update"]
ASSIGNMENT = TRIGGERS["Notify assignee of assignment"]
ASSIGNEE_COMMENT = TRIGGERS["Notify assignee of comment update"]


def _children(audit: Any) -> list[tuple[Any, ...]]:
    """An audit's children as (type, field, value, previous value) / (type, detail)."""
    out: list[tuple[Any, ...]] = []
    for c in audit.child_events:
        kind = c["event_type"]
        if kind in ("Create", "Change"):
            (field,) = set(c) - CHANGE_META_KEYS
            out.append((kind, field, c[field], c.get("previous_value")))
        elif kind == "Comment":  # without the sideload: comment_present / comment_public
            out.append((kind, c["comment_public"]))
        elif kind == "Notification":
            out.append((kind, c["subject"], tuple(c["recipients"])))
        else:
            out.append((kind,))
    return out


@pytest.mark.slow
def test_zenpy_writes_and_the_exports_hold_exactly_what_they_made(
    sqlite_url: str, run_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zenpy import Zenpy
    from zenpy.lib.api_objects import Comment, SlaPolicy, Ticket

    start = (int(time.time()) - 9 * 86_400) // HOUR * HOUR + 30 * 60  # at :30, in the past
    with open_store(sqlite_url) as store, live(store, run_server, now=start) as acct:
        admin, agent, user = (
            acct.ids[e] for e in ("admin@example.com", "agent@example.com", "user@example.com")
        )
        token = store.users.new_api_token(store.users.by_email("admin@example.com"))  # type: ignore[arg-type]
        scheme, netloc = acct.url.split("://")
        monkeypatch.setenv("ZENPY_FORCE_SCHEME", scheme)
        monkeypatch.setenv("ZENPY_FORCE_NETLOC", netloc)
        zd = Zenpy(subdomain="emulated", email="admin@example.com", token=token)

        zd.sla_policies.create(
            SlaPolicy(
                title="Urgent first reply",
                filter={
                    "all": [],
                    "any": [{"field": "priority", "operator": "is", "value": "urgent"}],
                },
                policy_metrics=[
                    {
                        "priority": "urgent",
                        "metric": "first_reply_time",
                        "target": 60,
                        "business_hours": False,
                    }
                ],
            )
        )
        created = zd.tickets.create(
            Ticket(
                subject="Printer on fire",
                requester_id=user,
                priority="urgent",
                comment=Comment(body="It smokes.", public=True),
            )
        )
        ticket = created.ticket
        acct.advance(600)
        ticket.assignee_id = agent
        ticket.status = "pending"
        ticket.comment = Comment(body="Could you send a photo?", public=True)
        zd.tickets.update(ticket)
        acct.advance(HOUR)
        ticket = zd.tickets(id=ticket.id)
        ticket.comment = Comment(body="Here it is.", author_id=user, public=True)
        zd.tickets.update(ticket)
        acct.advance(HOUR)
        ticket = zd.tickets(id=ticket.id)
        ticket.comment = Comment(body="Ordered a new one.", public=False)
        zd.tickets.update(ticket)
        acct.advance(HOUR)
        ticket = zd.tickets(id=ticket.id)
        ticket.status = "solved"
        ticket.comment = Comment(body="Fixed, closing.", public=True)
        zd.tickets.update(ticket)
        other = zd.tickets.create(Ticket(subject="Duplicate", comment=Comment(body="Same."))).ticket
        zd.tickets.delete(other)
        comments = [c.body for c in zd.tickets.comments(ticket=ticket.id)]
        acct.advance(5 * 86_400)  # the rating request and the close run on their hours

        events = list(zd.tickets.events(start_time=start - 1))
        metrics = list(zd.tickets.metrics_incremental(start_time=start - 1))
        raw_events = acct.export("ticket_events", start - 1)
        raw_metrics = acct.export("ticket_metric_events", start - 1)

    assert comments == [
        "It smokes.",
        "Could you send a photo?",
        "Here it is.",
        "Ordered a new one.",
        "Fixed, closing.",
    ]
    mine = [e for e in events if e.ticket_id == ticket.id]
    t0 = start
    assert [(e.timestamp - t0, e.updater_id, e.via) for e in mine] == [
        (0, admin, "API"),
        (600, admin, "API"),
        (600 + HOUR, admin, "API"),
        (600 + 2 * HOUR, admin, "API"),
        (600 + 3 * HOUR, admin, "API"),
        # solved at +3:10 (:40 past the hour): the rating request at the first :17 a day on,
        # the close at the first :17 four days on
        (600 + 3 * HOUR + 86_400 + 37 * 60, -1, "Rule"),
        (600 + 3 * HOUR + 4 * 86_400 + 37 * 60, -1, "Rule"),
    ]
    # the account's default custom statuses and its Support group (emulator/account.py)
    new, opn, pending, solved = 360_000_410_001, 360_000_410_002, 360_000_410_003, 360_000_410_005
    support = 360_000_210_001
    assert [_children(e) for e in mine[:5]] == [
        [
            ("Comment", True),
            ("Create", "subject", "Printer on fire", None),
            ("Create", "requester_id", user, None),
            ("Create", "status", "new", None),
            ("Create", "priority", "urgent", None),
            ("Create", "type", None, None),
            ("Create", "custom_status_id", new, None),
            ("Change", "group_id", support, None),  # the account's routing trigger
            ("Notification", PROACTIVE, (user,)),
            ("Notification", ALL_AGENTS, tuple(sorted((admin, agent)))),
        ],
        [
            ("Comment", True),
            ("Change", "assignee_id", agent, None),
            ("Change", "status", "pending", "new"),
            ("Change", "custom_status_id", pending, new),
            ("Notification", COMMENT_UPDATE, (user,)),
            ("Notification", ASSIGNMENT, (agent,)),
        ],
        [
            ("Comment", True),
            ("Change", "status", "open", "pending"),  # an end user's comment opens it
            ("Change", "custom_status_id", opn, pending),
            ("Notification", COMMENT_UPDATE, (user,)),
            ("Notification", ASSIGNEE_COMMENT, (agent,)),
        ],
        [("Comment", False), ("Notification", ASSIGNEE_COMMENT, (agent,))],
        [
            ("Comment", True),
            ("Change", "status", "solved", "open"),
            ("Change", "custom_status_id", solved, opn),
            ("Notification", COMMENT_UPDATE, (user,)),
            ("Notification", ASSIGNEE_COMMENT, (agent,)),
        ],
    ]
    assert [c["event_type"] for c in mine[5].child_events] == ["Notification"]
    assert _children(mine[6]) == [("Change", "status", "closed", "solved")]
    deleted = [e for e in events if e.ticket_id == other.id]
    assert _children(deleted[-1]) == [("Change", "status", "deleted", "new")]
    recorded_audit = load("ticket_events_sample_ticket")["ticket_events"][2]
    assert [e["id"] for e in raw_events] == [e.id for e in events]
    for raw in raw_events:  # the recorded shape (spec §3), as served
        TicketEvent.model_validate(raw)
        assert set(raw) == set(recorded_audit)
        assert set(raw["system"]) == set(recorded_audit["system"])
    assert raw_events[0]["system"]["client"].startswith("Zenpy/")

    # metric events, write by write: (second, metric, instance, type, deleted)
    got = sorted(
        (iso_to_epoch(m.time) - t0, m.metric, m.instance_id, m.type, m.deleted)
        for m in metrics
        if m.ticket_id == ticket.id
    )
    recorded_metric = load("ticket_metric_events_ticket_49")["reply_time"][0]
    assert {m["id"] for m in raw_metrics} == {m.id for m in metrics}
    for m in raw_metrics:
        MetricEvent.model_validate(m)
        assert set(recorded_metric) <= set(m) <= {*recorded_metric, "sla", "status", "group_sla"}
    measures = [
        (0, metric, 0, "measure", False)
        for metric in (
            "agent_work_time",
            "group_ownership_time",
            "pausable_update_time",
            "periodic_update_time",
            "reply_time",
            "requester_wait_time",
            "resolution_time",
        )
    ]
    r1, r2, r3 = 600, 600 + HOUR, 600 + 3 * HOUR
    expected = sorted(
        [
            *measures,
            (0, "agent_work_time", 1, "activate", False),
            (0, "group_ownership_time", 1, "activate", False),
            (0, "reply_time", 1, "activate", False),
            (0, "reply_time", 1, "apply_sla", False),
            (0, "requester_wait_time", 1, "activate", False),
            (0, "resolution_time", 1, "activate", False),
            # written at creation for an hour later, deleted by the reply at +10 min
            (HOUR, "reply_time", 1, "breach", True),
            # the agent's public reply, pending: waits pause, the reply is fulfilled
            (r1, "agent_work_time", 1, "pause", False),
            (r1, "requester_wait_time", 1, "pause", False),
            (r1, "reply_time", 1, "fulfill", False),
            (r1, "reply_time", 1, "update_status", False),
            (r1, "periodic_update_time", 1, "activate", False),
            # the requester's reply: a new reply round, open again: everything runs
            (r2, "reply_time", 2, "activate", False),
            (r2, "requester_wait_time", 1, "activate", False),
            (r2, "agent_work_time", 1, "activate", False),
            (r2, "pausable_update_time", 1, "activate", False),
            # solved: every running metric is fulfilled (only the first reply had a target)
            (r3, "reply_time", 2, "fulfill", False),
            (r3, "requester_wait_time", 1, "fulfill", False),
            (r3, "agent_work_time", 1, "fulfill", False),
            (r3, "resolution_time", 1, "fulfill", False),
            (r3, "periodic_update_time", 1, "fulfill", False),
            (r3, "pausable_update_time", 1, "fulfill", False),
            (r3, "group_ownership_time", 1, "fulfill", False),
        ]
    )
    assert got == expected
