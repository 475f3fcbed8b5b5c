"""The account objects the seed writes (ticket fields, groups, SLA policies) have the recorded
shapes, and the events name only what they list."""

from __future__ import annotations

from typing import Any

from emukit import audits, metric_events

from recorded import load
from zendesk_events.store import Store

# Zendesk's reference, SLA Policies, "Policy Metric": the metrics a policy can target
POLICY_METRICS = {
    "first_reply_time",
    "next_reply_time",
    "periodic_update_time",
    "pausable_update_time",
    "requester_wait_time",
    "agent_work_time",
    "total_resolution_time",
}
# the metric event each targets (spec §5 metric names)
EVENT_METRIC = {
    "first_reply_time": "reply_time",
    "next_reply_time": "reply_time",
    "total_resolution_time": "resolution_time",
}


def _same_shape(ours: dict[str, Any], model: dict[str, Any]) -> None:
    assert set(ours) == set(model), (sorted(set(ours) ^ set(model)), ours.get("id"))
    for key, value in model.items():
        if value is not None and ours[key] is not None:
            assert type(ours[key]) is type(value), (key, ours[key], value)


def test_ticket_fields_have_the_recorded_keys(store200: Store) -> None:
    recorded = {f["type"]: f for f in load("ticket_fields")["ticket_fields"]}
    ours = store200.account.all("ticket_fields")
    assert {f["type"] for f in ours} == set(recorded)  # the seven system fields, drop-downs
    for field in ours:
        model = recorded[field["type"]]
        _same_shape(field, model)
        for key in ("system_field_options", "custom_field_options"):
            for option in field.get(key, []):
                _same_shape(option, model[key][0])
    positions = [f["position"] for f in ours]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)


def test_custom_fields_in_events_are_listed_drop_downs_with_their_options(
    store200: Store,
) -> None:
    fields = {f["id"]: f for f in store200.account.all("ticket_fields")}
    titles = store200.account.field_titles()
    used: set[int] = set()
    for item in audits(store200):
        for child in item["child_events"]:
            for key, value in child.get("custom_ticket_fields", {}).items():
                field = fields[int(key)]
                assert field["type"] == "tagger"
                assert value in {o["value"] for o in field["custom_field_options"]}
                # a drop-down's value is a ticket tag (Zendesk's drop-down fields)
                assert value in _tags_after(item)
                used.add(int(key))
    assert used and all(titles[f] for f in used)
    assert used == {f for f, v in fields.items() if v["type"] == "tagger"}


def _tags_after(item: dict[str, Any]) -> set[str]:
    """The ticket's tags after this update (its last ``tags`` child: there is one whenever a
    drop-down is set, the tag comes with it)."""
    tags = [c["tags"] for c in item["child_events"] if "tags" in c]
    return set(tags[-1]) if tags else set()


def test_groups_have_the_recorded_keys_and_are_the_ones_tickets_go_to(store200: Store) -> None:
    model = load("group")["group"]
    groups = store200.account.all("groups")
    for group in groups:
        _same_shape(group, model)
        assert group["url"].endswith(f"/api/v2/groups/{group['id']}.json")
    used = {c["group_id"] for i in audits(store200) for c in i["child_events"] if "group_id" in c}
    assert used and used <= {g["id"] for g in groups}


def test_sla_policies_have_the_documented_keys_and_match_the_applied_targets(
    store200: Store,
) -> None:
    model = load("sla_policy")
    policies = {p["id"]: p for p in store200.account.all("sla_policies")}
    assert policies
    for policy in policies.values():
        _same_shape(policy, model)
        assert set(policy["filter"]) == set(model["filter"])
        for condition in policy["filter"]["all"] + policy["filter"]["any"]:
            assert set(condition) == set(model["filter"]["all"][0])
        for metric in policy["policy_metrics"]:
            _same_shape(metric, model["policy_metrics"][0])
            assert metric["metric"] in POLICY_METRICS
    applied = [e for e in metric_events(store200) if e["type"] == "apply_sla"]
    assert applied
    for event in applied:
        sla = event["sla"]
        policy = policies[sla["policy"]["id"]]
        assert sla["policy"] == {k: policy[k] for k in ("id", "title", "description")}
        targets = {
            (EVENT_METRIC.get(m["metric"], m["metric"]), m["target"], m["business_hours"])
            for m in policy["policy_metrics"]
        }
        assert (event["metric"], sla["target"], sla["business_hours"]) in targets, event
        assert sla["target_in_seconds"] == sla["target"] * 60
