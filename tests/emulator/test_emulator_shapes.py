"""The seeded events against recorded ones (spec §3, §4, §5), field by field.

Every expected key set, key and value type here comes from ``tests/fixtures/recorded`` (hand-
written from responses recorded on live accounts, see its README), never from our own output.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Any

import pytest
from emukit import audits, metric_events

from recorded import load, recorded_metric_events, recorded_ticket_events
from zendesk_events.events import MetricEvent, TicketEvent
from zendesk_events.store import Store
from zendesk_events.store.normalize import CHANGE_META_KEYS

ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def _field(child: dict[str, Any]) -> str:
    (name,) = set(child) - CHANGE_META_KEYS
    return name


def _recorded_children() -> list[dict[str, Any]]:
    return [c for e in recorded_ticket_events() for c in e["child_events"]]


def _recorded_field_children(kind: str) -> dict[str, dict[str, Any]]:
    """Field name -> one recorded child of ``kind`` (Create or Change) that sets it."""
    return {_field(c): c for c in _recorded_children() if c["event_type"] == kind}


def _recorded_metric_events() -> list[dict[str, Any]]:
    per_ticket = [
        e
        for name in ("ticket_metric_events_ticket_49", "ticket_metric_events_ticket_53")
        for events in load(name).values()
        for e in events
    ]
    return [*recorded_metric_events(), *per_ticket, load("ticket_metric_event_group_sla")]


def test_audits_have_the_recorded_keys_and_no_invented_ones(store200: Store) -> None:
    recorded = load("ticket_events_sample_ticket")["ticket_events"][2]  # a web-form ticket
    items = audits(store200)
    assert len(items) > 1000
    for item in items:
        assert set(item) == set(recorded), item["id"]  # no merged_ticket_ids
        assert set(item["system"]) == set(recorded["system"])  # no ip_address
        for key in ("id", "ticket_id", "timestamp", "updater_id", "via", "created_at"):
            assert type(item[key]) is type(recorded[key]), key
        assert item["event_type"] == "Audit"
        assert ISO.fullmatch(item["created_at"])
        TicketEvent.model_validate(item)


def test_system_updates_are_updater_minus_one_with_a_null_system(store200: Store) -> None:
    recorded = load("ticket_event_system_update")
    rule_updates = [i for i in audits(store200) if i["updater_id"] == -1]
    assert rule_updates
    for item in rule_updates:
        assert item["via"] == recorded["via"]
        assert item["system"] == recorded["system"]
        assert all(
            c["via"] == "Rule" and isinstance(c["via_reference_id"], int)
            for c in item["child_events"]
        )


def test_create_children_set_one_field_each_as_recorded(store200: Store) -> None:
    creates = _recorded_field_children("Create")
    changes = _recorded_field_children("Change")
    first_audits = 0
    for item in audits(store200):
        ours = [c for c in item["child_events"] if c["event_type"] == "Create"]
        if not ours:
            continue
        first_audits += 1
        fields = [_field(c) for c in ours]
        assert len(fields) == len(set(fields)) or "custom_ticket_fields" in fields
        # the fields the recorded web-form tickets start with, and the tags Create
        assert {"subject", "requester_id", "status", "priority", "type", "tags"} <= set(fields)
        for child in ours:
            name = _field(child)
            model = creates.get(name)
            if model is None:  # recorded in a Change only: the Create pattern with that field
                model = {**{k: v for k, v in creates["status"].items() if k != "status"}}
                model[name] = changes[name][name]
            assert set(child) == set(model), child
            if model[name] is not None and child[name] is not None:
                assert type(child[name]) is type(model[name]), (name, child)
            assert type(child["via"]) is str
        tags = next(c for c in ours if "tags" in c)
        assert tags["added_tags"] == tags["tags"] and tags["removed_tags"] == []
        assert next(c for c in ours if "status" in c)["status"] == "new"
    assert first_audits == 200


def test_change_children_carry_the_field_and_previous_value_as_recorded(store200: Store) -> None:
    changes = _recorded_field_children("Change")
    creates = _recorded_field_children("Create")
    seen: Counter[str] = Counter()
    for item in audits(store200):
        for child in item["child_events"]:
            if child["event_type"] != "Change":
                continue
            name = _field(child)
            seen[name] += 1
            model = changes.get(name)
            if model is None:  # recorded in a Create only: the Change pattern with that field
                assert name in creates, f"{name} is in no recorded child"
                model = {k: v for k, v in changes["status"].items() if k != "status"}
                model[name] = creates[name][name]
            assert set(child) == set(model), child
            assert type(child[name]) is type(model[name]), (name, child)
            if name == "tags":
                before, added, removed = (
                    child["previous_value"],
                    child["added_tags"],
                    child["removed_tags"],
                )
                assert set(child["tags"]) == (set(before) | set(added)) - set(removed)
            if name == "custom_ticket_fields":
                ((key, value),) = child[name].items()
                assert key.isdigit() and isinstance(value, str), child
                assert child["previous_value"] is None or isinstance(child["previous_value"], str)
    for name in ("status", "custom_status_id", "priority", "type", "assignee_id", "group_id"):
        assert seen[name] > 0, name
    assert seen["tags"] > 0 and seen["custom_ticket_fields"] > 0


def test_other_children_have_the_recorded_keys(store200: Store) -> None:
    recorded: dict[str, set[str]] = {}
    for child in _recorded_children():
        if child["event_type"] not in ("Create", "Change"):
            recorded.setdefault(child["event_type"], set(child))
    kinds: Counter[str] = Counter()
    for item in audits(store200):
        for child in item["child_events"]:
            kind = child["event_type"]
            kinds[kind] += 1
            if kind in ("Create", "Change"):
                continue
            assert kind in recorded, f"{kind} is no recorded child type"
            assert set(child) == recorded[kind], child
    for kind in ("Comment", "Notification", "Cc", "SatisfactionRating"):
        assert kinds[kind] > 0, kind
    cc = next(c for i in audits(store200) for c in i["child_events"] if c["event_type"] == "Cc")
    assert isinstance(cc["recipients"], list) and all(isinstance(r, int) for r in cc["recipients"])


def test_status_changes_chain_per_ticket(store200: Store) -> None:
    status: dict[int, str] = {}
    for item in audits(store200):
        for child in item["child_events"]:
            if child["event_type"] == "Create" and "status" in child:
                status[item["ticket_id"]] = child["status"]
            elif child["event_type"] == "Change" and "status" in child:
                assert child["previous_value"] == status[item["ticket_id"]]
                assert child["status"] != "new"
                status[item["ticket_id"]] = child["status"]
    assert "closed" in status.values()


def test_comment_sideload_holds_the_recorded_comment_object(store200: Store) -> None:
    (model,) = load("ticket_event_comment_sideload")["child_events"]
    plain = {i["id"]: i for i in audits(store200)}
    full: list[dict[str, Any]] = []
    for item in audits(store200, comments=True):
        for child in item["child_events"]:
            if child["event_type"] != "Comment":
                continue
            assert set(child) == set(model)
            assert set(child["via"]) == set(model["via"])
            assert set(child["via"]["source"]) == set(model["via"]["source"])
            assert child["audit_id"] == item["id"]
            assert child["html_body"].startswith('<div class="zd-comment"><p dir="auto">')
            full.append(child)
            (twin,) = [c for c in plain[item["id"]]["child_events"] if c["id"] == child["id"]]
            assert twin["comment_present"] is True
            assert twin["comment_public"] is child["public"]
    assert full and any(not c["public"] for c in full)


def test_metric_events_have_the_recorded_keys_per_type(store200: Store) -> None:
    recorded: dict[str, dict[str, Any]] = {}
    for event in _recorded_metric_events():
        recorded.setdefault(event["type"], event)
    # pause has no recording: the base keys every other plain type has
    recorded["pause"] = recorded["activate"]
    nested = {"apply_sla": "sla", "apply_group_sla": "group_sla", "update_status": "status"}
    seen: Counter[str] = Counter()
    metrics: set[str] = set()
    for event in metric_events(store200):
        kind = event["type"]
        seen[kind] += 1
        metrics.add(event["metric"])
        model = recorded[kind]
        assert set(event) == set(model), event
        for key in ("id", "ticket_id", "instance_id", "deleted", "time", "metric"):
            assert type(event[key]) is type(model[key]), (key, event)
        assert ISO.fullmatch(event["time"])
        if kind in nested:
            key = nested[kind]
            assert set(event[key]) == set(model[key]), event
            if "policy" in model[key]:
                assert set(event[key]["policy"]) == set(model[key]["policy"]), event
        MetricEvent.model_validate(event)
    assert set(seen) == set(recorded), "every recorded type, and pause"
    assert metrics == {e["metric"] for e in _recorded_metric_events()}  # all seven


def test_apply_group_sla_names_a_string_policy_id_as_recorded(store200: Store) -> None:
    model = load("ticket_metric_event_group_sla")["group_sla"]["policy"]["id"]
    applied = [e for e in metric_events(store200) if e["type"] == "apply_group_sla"]
    assert applied
    assert all(type(e["group_sla"]["policy"]["id"]) is type(model) for e in applied)
    assert all(e["metric"] == "group_ownership_time" for e in applied)


def test_ids_are_large_and_unique(store200: Store) -> None:
    items = audits(store200)
    ids = [i["id"] for i in items]
    child_ids = [c["id"] for i in items for c in i["child_events"]]
    assert min(ids) > 10**10
    assert len(set(ids + child_ids)) == len(ids) + len(child_ids)
    metric_ids = [e["id"] for e in metric_events(store200)]
    assert len(set(metric_ids)) == len(metric_ids)


@pytest.mark.parametrize("stream", ["ticket_events", "ticket_metric_events"])
def test_every_event_of_a_ticket_names_that_ticket(store200: Store, stream: str) -> None:
    items = audits(store200) if stream == "ticket_events" else metric_events(store200)
    per_ticket: dict[int, int] = defaultdict(int)
    for item in items:
        per_ticket[item["ticket_id"]] += 1
    assert set(per_ticket) == set(range(1, 201))
