"""Metric events follow their metric's life and the ticket's status changes; the recorded
tickets' stories give the recorded events."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import orjson
from emukit import audits, metric_events
from hypothesis import given
from hypothesis import strategies as st

from recorded import load
from zendesk_events.emulator import objects
from zendesk_events.emulator.policies import PolicyRule, resolve
from zendesk_events.emulator.sla import (
    SlaPolicy,
    SlaTracker,
    add_business_seconds,
    business_seconds,
)
from zendesk_events.store import Store
from zendesk_events.timeutil import epoch_to_iso, iso_to_epoch

MONDAY = 1_759_708_800  # 2025-10-06T00:00:00Z, a Monday


def test_business_hours_are_weekdays_nine_to_five() -> None:
    assert business_seconds(MONDAY, MONDAY + 86_400) == 8 * 3600
    assert business_seconds(MONDAY, MONDAY + 7 * 86_400) == 5 * 8 * 3600
    assert business_seconds(MONDAY + 5 * 86_400, MONDAY + 7 * 86_400) == 0  # the weekend
    assert add_business_seconds(MONDAY, 60) == MONDAY + 9 * 3600 + 60
    friday_4pm = MONDAY + 4 * 86_400 + 16 * 3600
    assert add_business_seconds(friday_4pm, 2 * 3600) == MONDAY + 7 * 86_400 + 10 * 3600


def _business_by_minute(start: int, end: int) -> int:
    """The definition walked minute by minute (spans here start and end on whole minutes)."""
    total = 0
    for t in range(start, end, 60):
        weekday = (t // 86_400 + 3) % 7  # 1970-01-01 was a Thursday (Monday = 0)
        total += 60 if weekday < 5 and 9 * 3600 <= t % 86_400 < 17 * 3600 else 0
    return total


@given(st.integers(0, 3 * 10_080), st.integers(0, 3 * 10_080), st.integers(1, 2 * 2_400))
def test_business_hours_agree_with_the_definition_minute_by_minute(
    start: int, length: int, target: int
) -> None:
    a, b = MONDAY + start * 60, MONDAY + (start + length) * 60
    assert business_seconds(a, b) == _business_by_minute(a, b)
    assert business_seconds(b, a) == 0  # an empty or reversed span
    due = add_business_seconds(a, target * 60)
    assert business_seconds(a, due) == target * 60
    assert business_seconds(a, due - 60) < target * 60  # the first such moment


def test_business_hours_over_centuries_are_counted_not_walked() -> None:
    # A clock moved far ahead (/_emulator/clock): a ticket's open metric spans centuries, and
    # a huge target lands centuries away; both answer at once (they walked every day, ~15 s).
    weeks = 52 * 7_000
    assert business_seconds(MONDAY, MONDAY + weeks * 7 * 86_400) == weeks * 5 * 8 * 3600
    due = add_business_seconds(MONDAY, weeks * 5 * 8 * 3600)
    assert due == MONDAY + (weeks - 1) * 7 * 86_400 + 4 * 86_400 + 17 * 3600


def _lives(events: list[dict[str, Any]]) -> dict[tuple[int, str, int], list[str]]:
    lives: dict[tuple[int, str, int], list[str]] = defaultdict(list)
    for e in events:
        if e["type"] in ("measure", "apply_sla", "apply_group_sla") or e["deleted"]:
            continue  # a deleted breach never happened
        lives[(e["ticket_id"], e["metric"], e["instance_id"])].append(e["type"])
    return lives


def test_each_metric_instance_runs_activate_pause_fulfill_in_order(store200: Store) -> None:
    lives = _lives(metric_events(store200))
    assert lives
    for key, types in lives.items():
        running = False
        done = False
        for kind in types:
            assert not done, (key, types)
            if kind == "activate":
                assert not running, (key, types)
                running = True
            elif kind == "pause":
                assert running, (key, types)
                running = False
            elif kind == "breach":
                assert running, (key, types)
            elif kind == "fulfill":
                assert types[0] == "activate", (key, types)
            elif kind == "update_status":
                assert "fulfill" in types, (key, types)
                done = True
        assert types.count("breach") <= 1, (key, types)


def test_requester_wait_pauses_exactly_when_a_ticket_goes_pending(store200: Store) -> None:
    pending = set()
    replied = set()
    requester: dict[int, int] = {}
    for item in audits(store200, comments=True):
        for child in item["child_events"]:
            if child["event_type"] == "Create" and "requester_id" in child:
                requester[item["ticket_id"]] = child["requester_id"]
            if child.get("status") == "pending" and child["event_type"] == "Change":
                pending.add((item["ticket_id"], item["timestamp"]))
            public = child["event_type"] == "Comment" and child["public"]
            by_agent = child.get("author_id") != requester.get(item["ticket_id"])
            if (public and by_agent) or child.get("status") in ("solved", "closed"):
                # a reply round ends with a public agent comment, or when the ticket is solved
                replied.add((item["ticket_id"], item["timestamp"]))
    pauses = set()
    fulfilled_replies = set()
    for e in metric_events(store200):
        at = (e["ticket_id"], iso_to_epoch(e["time"]))
        if e["metric"] == "requester_wait_time" and e["type"] == "pause":
            pauses.add(at)
        if e["metric"] == "reply_time" and e["type"] == "fulfill":
            fulfilled_replies.add(at)
    assert pauses and pauses == pending
    assert fulfilled_replies and fulfilled_replies <= replied


def test_every_ticket_starts_with_measures_at_creation(store200: Store) -> None:
    created = {i["ticket_id"]: i["timestamp"] for i in reversed(audits(store200))}
    first: dict[int, dict[str, Any]] = {}
    for e in metric_events(store200):
        first.setdefault(e["ticket_id"], e)
    assert set(first) == set(created)
    for ticket, event in first.items():
        assert iso_to_epoch(event["time"]) == created[ticket]


# ---- the recorded tickets' stories ----------------------------------------------------------


def _recorded(name: str) -> list[dict[str, Any]]:
    """A recorded per-ticket response (grouped by metric) as one list."""
    return [e for events in load(name).values() for e in events]


def _without_ids(events: list[dict[str, Any]]) -> list[bytes]:
    return sorted(orjson.dumps({k: v for k, v in e.items() if k != "id"}) for e in events)


def _hand_over(tracker: SlaTracker, rows: dict[int, dict[str, Any]]) -> None:
    """Number the drained events as generate.py does; ``rows`` keeps the last version per id,
    as the store does."""
    for event in tracker.drain():
        if not event["id"]:
            event["id"] = len(rows) + 1
        rows[event["id"]] = event


def _recorded_policy(events: list[dict[str, Any]]) -> SlaPolicy:
    """The recorded probe policy (EST bruno C1) as the tracker gets it for a normal ticket:
    built from a policy object with the recorded body's filter and metric, as an admin's
    ``POST /api/v2/slas/policies`` makes it."""
    applied = next(e for e in events if e["type"] == "apply_sla")
    target = applied["sla"]
    rule = PolicyRule.from_object(
        {
            **target["policy"],
            "position": 1,
            "filter": {
                "all": [{"field": "current_tags", "operator": "includes", "value": "probe"}],
                "any": [],
            },
            "policy_metrics": [
                {
                    "priority": "normal",
                    "metric": "first_reply_time",
                    "target": target["target"],
                    "business_hours": target["business_hours"],
                }
            ],
        }
    )
    policy = resolve([rule], {"priority": "normal", "tags": ["probe"]})
    assert policy is not None
    return policy


def test_ticket_49_unanswered_under_a_one_minute_target_gives_the_recorded_events() -> None:
    recorded = _recorded("ticket_metric_events_ticket_49")
    created = min(iso_to_epoch(e["time"]) for e in recorded)
    tracker = SlaTracker(49)
    tracker.created(created, _recorded_policy(recorded))  # EST bruno C2: a normal ticket ...
    tracker.group_changed(created, None)  # ... that got the account's group
    assert _without_ids(tracker.drain()) == _without_ids(recorded)


def test_ticket_53_answered_within_its_target_gives_the_recorded_events_and_a_deleted_breach() -> (
    None
):
    recorded = _recorded("ticket_metric_events_ticket_53")
    created = min(iso_to_epoch(e["time"]) for e in recorded)
    tracker = SlaTracker(53)
    rows: dict[int, dict[str, Any]] = {}
    tracker.created(created, _recorded_policy(recorded))
    tracker.group_changed(created, None)
    _hand_over(tracker, rows)
    # EST bruno G1, one second later: an agent's public reply (the ticket is then open)
    tracker.status_changed(created + 1, "new", "open")
    tracker.agent_replied(created + 1, "open")
    _hand_over(tracker, rows)
    final = list(rows.values())
    assert _without_ids([e for e in final if not e["deleted"]]) == _without_ids(recorded)
    # plus the breach written in advance at creation, deleted by the reply (spec §5)
    deleted = [e for e in final if e["deleted"]]
    assert [(e["metric"], e["instance_id"], e["type"], e["time"]) for e in deleted] == [
        ("reply_time", 1, "breach", epoch_to_iso(created + 60))
    ]


# ---- breaches written in advance ------------------------------------------------------------


def _seeded(priority: str) -> SlaPolicy:
    """The seeded account's policy for ``priority``, resolved from its policy objects."""
    rules = [PolicyRule.from_object(p) for p in objects.sla_policies(0)]
    policy = resolve(rules, {"priority": priority})
    assert policy is not None
    return policy


def test_a_breach_is_written_when_the_target_starts_with_its_future_time() -> None:
    urgent = _seeded("urgent")
    tracker = SlaTracker(7)
    tracker.created(MONDAY, urgent)
    breaches = {e["metric"]: e for e in tracker.drain() if e["type"] == "breach"}
    running = {"reply_time", "requester_wait_time", "agent_work_time", "resolution_time"}
    assert set(breaches) == running  # the update metrics have not started yet
    for metric, event in breaches.items():
        assert event["time"] == epoch_to_iso(MONDAY + urgent.targets[metric].minutes * 60)
        assert event["deleted"] is False and event["instance_id"] == 1


def test_a_pause_deletes_the_breach_and_the_resume_writes_one_for_the_time_left() -> None:
    target = _seeded("urgent").targets["requester_wait_time"].minutes * 60
    tracker = SlaTracker(7)
    tracker.created(MONDAY, _seeded("urgent"))
    first = next(
        e for e in tracker.drain() if e["type"] == "breach" and e["metric"] == "requester_wait_time"
    )
    first["id"] = 99  # handed over and numbered, as generate.py does
    tracker.status_changed(MONDAY + 600, "new", "pending")
    paused = [e for e in tracker.drain() if e["metric"] == "requester_wait_time"]
    assert [e["type"] for e in paused] == ["pause", "breach"]
    assert paused[1] == {**first, "deleted": True}  # the same row, now deleted
    tracker.status_changed(MONDAY + 4000, "pending", "open")
    resumed = [e for e in tracker.drain() if e["metric"] == "requester_wait_time"]
    assert [e["type"] for e in resumed] == ["activate", "breach"]
    assert resumed[1]["time"] == epoch_to_iso(MONDAY + 4000 + target - 600)
    assert resumed[1]["deleted"] is False and resumed[1]["id"] == 0  # a new row


def test_a_target_already_passed_when_applied_breaches_at_the_apply() -> None:
    # EST ticket 1: requester_wait_time ran for days before its policy came; its breach
    # carries the apply's time
    tracker = SlaTracker(7)
    tracker.created(MONDAY, None)
    tracker.drain()
    tracker.retarget(MONDAY + 3 * 86_400, _seeded("high"))
    breach = next(
        e for e in tracker.drain() if e["type"] == "breach" and e["metric"] == "requester_wait_time"
    )
    assert breach["time"] == epoch_to_iso(MONDAY + 3 * 86_400)


def test_breaches_end_deleted_exactly_when_their_instance_stopped_first(store200: Store) -> None:
    """A live breach's metric was running at its time; a deleted one's had stopped (paused,
    fulfilled) or been re-targeted by then."""
    events = metric_events(store200)  # export order
    steps: dict[tuple[int, str, int], list[tuple[int, str]]] = defaultdict(list)
    applied: dict[tuple[int, str], list[int]] = defaultdict(list)
    for e in events:
        at = iso_to_epoch(e["time"])
        if e["type"] in ("activate", "pause", "fulfill"):
            steps[(e["ticket_id"], e["metric"], e["instance_id"])].append((at, e["type"]))
        elif e["type"] in ("apply_sla", "apply_group_sla"):
            applied[(e["ticket_id"], e["metric"])].append(at)
    live: dict[tuple[int, str, int], int] = defaultdict(int)
    fulfilled_first = 0
    for b in (e for e in events if e["type"] == "breach"):
        key = (b["ticket_id"], b["metric"], b["instance_id"])
        at = iso_to_epoch(b["time"])
        before = [kind for t, kind in steps[key] if t <= at]
        if not b["deleted"]:
            live[key] += 1
            assert before and before[-1] == "activate", (b, steps[key])
        else:
            retargeted = any(t <= at for t in applied[(b["ticket_id"], b["metric"])])
            assert "pause" in before or "fulfill" in before or retargeted, (b, steps[key])
            fulfilled_first += "fulfill" in before
    assert fulfilled_first > 100
    assert live and max(live.values()) == 1  # an instance breaches at most once
