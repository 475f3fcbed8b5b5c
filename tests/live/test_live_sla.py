"""SLA scenarios on the live account, on a fake clock, read back through the metric export.

The first two replay the requests a production exporter's authors sent to a live account
(Estuary's bruno collection, 2026-10-07: a 1-minute first-reply policy, a ticket under it, an
agent reply) and hold the export against what that account then recorded for tickets 49 and 53.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from livekit import LAG, MONDAY_10AM, Live, live

from recorded import load
from zendesk_events.store import open_store
from zendesk_events.timeutil import epoch_to_iso, iso_to_epoch

PROBE = load("est_sla_probe")


@pytest.fixture
def acct(store_url: str, run_server: Any) -> Iterator[Live]:
    with open_store(store_url) as store, live(store, run_server) as running:
        yield running


def _probe_ticket(acct: Live) -> tuple[int, int]:
    """EST bruno C1 then C2: the 1-minute policy and a normal ticket tagged for it."""
    r = acct.call("POST", "/api/v2/slas/policies.json", PROBE["C1_create_policy"]["body"])
    assert r.status_code == 201, r.text
    r = acct.call("POST", "/api/v2/tickets.json", PROBE["C2_create_ticket"]["body"])
    assert r.status_code == 201, r.text
    return r.json()["ticket"]["id"], int(acct.clock.now())


def _ticket_events(acct: Live, ticket_id: int, start: int) -> list[dict[str, Any]]:
    return [e for e in acct.export("ticket_metric_events", start) if e["ticket_id"] == ticket_id]


def _shape(events: list[dict[str, Any]], created: int) -> list[tuple[Any, ...]]:
    """What a recorded event says apart from its ids and absolute times."""
    out = []
    for e in events:
        rest = {k: v for k, v in e.items() if k not in ("id", "ticket_id", "time")}
        if "sla" in rest:
            rest["sla"] = {**rest["sla"], "policy": {**rest["sla"]["policy"], "id": 0}}
        out.append((iso_to_epoch(e["time"]) - created, sorted(rest.items(), key=str)))
    return sorted(out, key=str)


def _recorded(name: str) -> tuple[list[dict[str, Any]], int]:
    events = [e for group in load(name).values() for e in group]
    return events, min(iso_to_epoch(e["time"]) for e in events)


def test_no_reply_breach_is_visible_at_the_target_time_as_recorded(acct: Live) -> None:
    ticket, created = _probe_ticket(acct)
    acct.advance(LAG + 1)  # the creation's events are exportable, the breach not yet
    before = _ticket_events(acct, ticket, created - 1)
    assert before and not [e for e in before if e["type"] == "breach"]
    acct.set_clock(created + 60 + LAG)  # its second is not a whole lag old yet
    assert not [e for e in _ticket_events(acct, ticket, created - 1) if e["type"] == "breach"]
    acct.set_clock(created + 60 + LAG + 1)
    events = _ticket_events(acct, ticket, created - 1)
    (breach,) = [e for e in events if e["type"] == "breach"]
    assert breach["deleted"] is False and breach["time"] == epoch_to_iso(created + 60)
    recorded, at = _recorded("ticket_metric_events_ticket_49")
    assert _shape(events, created) == _shape(recorded, at)


def test_reply_within_target_fulfils_and_turns_the_breach_deleted_as_recorded(
    acct: Live,
) -> None:
    ticket, created = _probe_ticket(acct)
    acct.advance(1)  # EST: the reply came one second later
    body = PROBE["G1_reply"]["body"]
    r = acct.call("PUT", f"/api/v2/tickets/{ticket}.json", body, who=acct.agent)
    assert r.status_code == 200, r.text
    acct.advance(3600)
    events = _ticket_events(acct, ticket, created - 1)
    deleted = [e for e in events if e["deleted"]]
    assert [(e["type"], e["metric"], e["time"]) for e in deleted] == [
        ("breach", "reply_time", epoch_to_iso(created + 60))
    ]
    # the per-ticket endpoint recorded after the reply shows no deleted event (spec §5)
    recorded, at = _recorded("ticket_metric_events_ticket_53")
    live_ones = [e for e in events if not e["deleted"]]
    assert _shape(live_ones, created) == _shape(recorded, at)
    fulfil = [e for e in events if e["type"] in ("fulfill", "update_status")]
    assert [e["time"] for e in fulfil] == [epoch_to_iso(created + 1)] * 2


def _policy(acct: Live, metric: str, minutes: int, *, business_hours: bool = False) -> int:
    body = {
        "sla_policy": {
            "title": f"{metric} {minutes}",
            "filter": {
                "all": [],
                "any": [{"field": "priority", "operator": "is", "value": "high"}],
            },
            "policy_metrics": [
                {
                    "priority": "high",
                    "metric": metric,
                    "target": minutes,
                    "business_hours": business_hours,
                }
            ],
        }
    }
    r = acct.call("POST", "/api/v2/slas/policies.json", body)
    assert r.status_code == 201, r.text
    return int(r.json()["sla_policy"]["id"])


def _new_ticket(acct: Live, **fields: Any) -> int:
    body = {"ticket": {"subject": "Help", "comment": {"body": "Please help."}, **fields}}
    r = acct.call("POST", "/api/v2/tickets.json", body, who=acct.agent)
    assert r.status_code == 201, r.text
    return int(r.json()["ticket"]["id"])


def test_hold_pauses_pausable_update_time_and_open_resumes_it(acct: Live) -> None:
    _policy(acct, "pausable_update_time", 120)
    start = int(acct.clock.now())
    ticket = _new_ticket(acct, priority="high", assignee_id=acct.ids["agent@example.com"])
    acct.advance(600)
    reply = {"ticket": {"comment": {"body": "Looking into it.", "public": True}}}
    assert acct.call("PUT", f"/api/v2/tickets/{ticket}.json", reply).status_code == 200
    acct.advance(1200)
    held = {"ticket": {"status": "hold"}}
    assert acct.call("PUT", f"/api/v2/tickets/{ticket}.json", held).status_code == 200
    acct.advance(3 * 3600)
    assert (
        acct.call(
            "PUT", f"/api/v2/tickets/{ticket}.json", {"ticket": {"status": "open"}}
        ).status_code
        == 200
    )
    acct.advance(6 * 3600)
    events = [
        e
        for e in _ticket_events(acct, ticket, start - 1)
        if e["metric"] == "pausable_update_time" and e["instance_id"] == 1
    ]
    t = {e["type"] + ("-deleted" if e["deleted"] else ""): iso_to_epoch(e["time"]) for e in events}
    replied, paused, resumed = start + 600, start + 1800, start + 1800 + 3 * 3600
    assert [e["type"] for e in events if not e["deleted"]] == [
        "apply_sla",
        "activate",
        "pause",
        "activate",
        "breach",
    ]
    assert t["pause"] == paused
    # the first breach was written at the reply for 120 minutes later, and deleted by the hold
    assert t["breach-deleted"] == replied + 120 * 60
    # resumed with 100 minutes left: a new breach, due then (nothing stopped it)
    (breach,) = [e for e in events if e["type"] == "breach" and not e["deleted"]]
    assert iso_to_epoch(breach["time"]) == resumed + 100 * 60
    agent_work = [
        e["type"]
        for e in _ticket_events(acct, ticket, start - 1)
        if e["metric"] == "agent_work_time" and not e["deleted"]
    ]
    assert agent_work[-2:] == ["pause", "activate"]  # on-hold pauses agent work time too


def test_business_hours_target_skips_the_night_and_the_weekend(
    store_url: str, run_server: Any
) -> None:
    friday_4_30pm = MONDAY_10AM + 4 * 86_400 + 6 * 3600 + 1800
    with open_store(store_url) as store, live(store, run_server, now=friday_4_30pm) as acct:
        _policy(acct, "first_reply_time", 60, business_hours=True)
        ticket = _new_ticket(acct, priority="high")
        due = MONDAY_10AM + 7 * 86_400 - 3600 + 1800  # Monday 09:30: 30 min Friday, 30 Monday
        acct.set_clock(due + LAG)
        events = _ticket_events(acct, ticket, friday_4_30pm - 1)
        assert not [e for e in events if e["type"] == "breach"]
        (applied,) = [e for e in events if e["type"] == "apply_sla"]
        assert applied["sla"]["business_hours"] is True and applied["sla"]["target"] == 60
        acct.set_clock(due + LAG + 1)
        breaches = [
            e for e in _ticket_events(acct, ticket, friday_4_30pm - 1) if e["type"] == "breach"
        ]
        assert [(e["metric"], e["time"], e["deleted"]) for e in breaches] == [
            ("reply_time", epoch_to_iso(due), False)
        ]


def test_solved_is_closed_by_the_hourly_automation_four_days_later(acct: Live) -> None:
    start = int(acct.clock.now())
    ticket = _new_ticket(acct, assignee_id=acct.ids["agent@example.com"])
    solve = {"ticket": {"status": "solved", "comment": {"body": "Done.", "public": True}}}
    assert acct.call("PUT", f"/api/v2/tickets/{ticket}.json", solve).status_code == 200
    acct.advance(5 * 86_400)
    audits = [a for a in acct.export("ticket_events", start - 1) if a["ticket_id"] == ticket]
    automated = [a for a in audits if a["updater_id"] == -1]
    # the rating request a day later, the close four days later, each at :17:00 of its hour
    assert [a["via"] for a in automated] == ["Rule", "Rule"]
    asked, closed = (a["timestamp"] for a in automated)
    assert asked % 3600 == closed % 3600 == 17 * 60
    assert start + 86_400 <= asked < start + 86_400 + 3600
    assert start + 4 * 86_400 <= closed < start + 4 * 86_400 + 3600
    kinds = [c["event_type"] for c in automated[0]["child_events"]]
    assert kinds == ["Notification"]
    status = [c for c in automated[1]["child_events"] if "status" in c]
    assert [(c["status"], c["previous_value"]) for c in status] == [("closed", "solved")]
    r = acct.call("PUT", f"/api/v2/tickets/{ticket}.json", {"ticket": {"priority": "low"}})
    assert r.status_code == 422
    assert r.json() == load("record_invalid_bodies")["closed_ticket_update"]
