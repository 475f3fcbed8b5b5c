"""Metric events follow their metric's life and the ticket's status changes."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from emukit import audits, metric_events

from zendesk_events.emulator.sla import add_business_seconds, business_seconds
from zendesk_events.store import Store
from zendesk_events.timeutil import iso_to_epoch

MONDAY = 1_759_708_800  # 2025-10-06T00:00:00Z, a Monday


def test_business_hours_are_weekdays_nine_to_five() -> None:
    assert business_seconds(MONDAY, MONDAY + 86_400) == 8 * 3600
    assert business_seconds(MONDAY, MONDAY + 7 * 86_400) == 5 * 8 * 3600
    assert business_seconds(MONDAY + 5 * 86_400, MONDAY + 7 * 86_400) == 0  # the weekend
    assert add_business_seconds(MONDAY, 60) == MONDAY + 9 * 3600 + 60
    friday_4pm = MONDAY + 4 * 86_400 + 16 * 3600
    assert add_business_seconds(friday_4pm, 2 * 3600) == MONDAY + 7 * 86_400 + 10 * 3600


def _lives(events: list[dict[str, Any]]) -> dict[tuple[int, str, int], list[str]]:
    lives: dict[tuple[int, str, int], list[str]] = defaultdict(list)
    for e in events:
        if e["type"] not in ("measure", "apply_sla", "apply_group_sla"):
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
            if child["event_type"] == "Create":
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
