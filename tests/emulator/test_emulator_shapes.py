"""The seeded events have the shapes of spec §3 (audits), §4 (comment sideload), §5 (metrics)."""

from __future__ import annotations

import ipaddress
from collections import Counter
from typing import Any

from emukit import audits, metric_events

from zendesk_events.events import MetricEvent, TicketEvent
from zendesk_events.store import Store

_AUDIT_KEYS = {
    "id",
    "ticket_id",
    "timestamp",
    "created_at",
    "updater_id",
    "via",
    "event_type",
    "system",
    "merged_ticket_ids",
    "child_events",
}
_COMMENT_KEYS = {
    "id",
    "event_type",
    "type",
    "author_id",
    "body",
    "html_body",
    "public",
    "attachments",
    "audit_id",
    "created_at",
    "via",
    "via_reference_id",
}
_DOC_NETS = [ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")]
_VIAS = {"Web form", "Mail", "API", "Rule", "Chat", "Closed ticket"}


def test_audits_carry_the_audit_level_fields(store200: Store) -> None:
    items = audits(store200)
    assert len(items) > 1000
    for item in items:
        assert set(item) == _AUDIT_KEYS
        TicketEvent.model_validate(item)
        assert item["event_type"] == "Audit"
        assert item["via"] in _VIAS
        assert item["created_at"].endswith("Z")
        assert set(item["system"]) == {"client", "ip_address", "location", "latitude", "longitude"}
        ip = item["system"]["ip_address"]
        if ip is not None:
            assert any(ipaddress.ip_address(ip) in net for net in _DOC_NETS), ip
        for child in item["child_events"]:
            assert child["id"] > item["id"]
            assert "via" in child and "via_reference_id" in child
    assert any(i["merged_ticket_ids"] for i in items), "no merge in 200 tickets"


def test_create_carries_initial_fields_and_changes_their_previous_value(store200: Store) -> None:
    kinds: Counter[str] = Counter()
    changed: Counter[str] = Counter()
    for item in audits(store200):
        for child in item["child_events"]:
            kinds[child["event_type"]] += 1
            if child["event_type"] == "Create":
                for key in ("subject", "status", "priority", "type", "requester_id", "tags"):
                    assert key in child
                assert child["status"] == "new"
            elif child["event_type"] == "Change":
                assert "previous_value" in child
                fields = set(child) - {"id", "via", "via_reference_id", "event_type"}
                fields -= {"previous_value", "added_tags", "removed_tags"}
                assert len(fields) == 1, child
                changed[fields.pop()] += 1
                if "tags" in child:
                    assert set(child["tags"]) == (
                        set(child["previous_value"]) | set(child["added_tags"])
                    ) - set(child["removed_tags"])
            if child["via"] == "Rule":
                assert isinstance(child["via_reference_id"], int)
    assert kinds["Create"] == 200
    for kind in ("Comment", "Change", "Notification", "Cc", "SatisfactionRating"):
        assert kinds[kind] > 0, kind
    for field in ("status", "priority", "assignee_id", "group_id", "type", "tags"):
        assert changed[field] > 0, field
    assert any(f.startswith("custom_field_") for f in changed)


def test_status_changes_chain_per_ticket(store200: Store) -> None:
    status: dict[int, str] = {}
    for item in audits(store200):
        for child in item["child_events"]:
            if child["event_type"] == "Create":
                status[item["ticket_id"]] = child["status"]
            elif child["event_type"] == "Change" and "status" in child:
                assert child["previous_value"] == status[item["ticket_id"]]
                assert child["status"] != "new"
                status[item["ticket_id"]] = child["status"]
    assert "closed" in status.values()


def test_comment_sideload_holds_full_comment_objects(store200: Store) -> None:
    plain = {i["id"]: i for i in audits(store200)}
    full: list[dict[str, Any]] = []
    for item in audits(store200, comments=True):
        for child in item["child_events"]:
            if child["event_type"] == "Comment":
                assert set(child) == _COMMENT_KEYS
                assert child["audit_id"] == item["id"]
                assert child["html_body"].startswith('<div class="zd-comment"><p dir="auto">')
                assert set(child["via"]) == {"channel", "source"}
                assert set(child["via"]["source"]) == {"from", "to", "rel"}
                full.append(child)
                (twin,) = [c for c in plain[item["id"]]["child_events"] if c["id"] == child["id"]]
                assert twin["comment_present"] is True
                assert twin["comment_public"] is child["public"]
    assert full and any(not c["public"] for c in full)


def test_every_metric_and_type_appears(store200: Store) -> None:
    events = metric_events(store200)
    for event in events:
        MetricEvent.model_validate(event)
        assert event["time"].endswith("Z")
    metrics = {e["metric"] for e in events}
    types = {e["type"] for e in events}
    assert metrics >= {
        "reply_time",
        "requester_wait_time",
        "agent_work_time",
        "resolution_time",
        "pausable_update_time",
        "periodic_update_time",
    }
    assert types >= {
        "apply_sla",
        "activate",
        "pause",
        "fulfill",
        "breach",
        "update_status",
        "measure",
    }
    for event in events:
        if event["type"] == "apply_sla":
            sla = event["sla"]
            assert isinstance(sla["target"], int) and isinstance(sla["business_hours"], bool)
            assert set(sla["policy"]) == {"id", "title", "description"}
        if event["type"] == "update_status":
            assert set(event["status"]) == {"calendar", "business"}
            assert event["status"]["business"] <= event["status"]["calendar"] + 1


def test_ids_are_large_and_unique(store200: Store) -> None:
    ids = [i["id"] for i in audits(store200)]
    child_ids = [c["id"] for i in audits(store200) for c in i["child_events"]]
    assert min(ids) > 10**10
    assert len(set(ids + child_ids)) == len(ids) + len(child_ids)
    metric_ids = [e["id"] for e in metric_events(store200)]
    assert len(set(metric_ids)) == len(metric_ids)
