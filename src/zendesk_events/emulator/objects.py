"""The emulated account as Zendesk's API objects: ticket fields, groups, SLA policies.

Export tools read these besides the events (custom field titles, group names, policy targets);
the seed writes them into ``store.account`` and the server lists them. Each object has the keys
of a recorded response: ticket fields as ``GET /api/v2/ticket_fields.json`` answered a trial
account (EMB, system fields) and zenpy's test account (ZCAS 2023, a custom field, with the
``custom_field_options`` of Zendesk's reference); groups as zenpy's cassette recorded one (ZCAS
2023); SLA policies as Zendesk's reference documents them (zenpy's specification file, the
OpenAPI example and the ``policy_metrics`` a production client sent: EST bruno 2026).
"""

from __future__ import annotations

from typing import Any

from zendesk_events.emulator.account import CUSTOM_FIELDS, GROUP_NAMES, TIER2
from zendesk_events.emulator.sla import POLICIES, SlaPolicy
from zendesk_events.timeutil import epoch_to_iso

__all__ = ["ACCOUNT_URL", "POLICY_METRICS", "groups", "sla_policies", "ticket_fields"]

ACCOUNT_URL = "https://example.zendesk.com"
"""The emulated account's address in the objects' ``url`` keys (ours: a placeholder host)."""

POLICY_METRICS = {
    "reply_time": ("first_reply_time", "next_reply_time"),
    "requester_wait_time": ("requester_wait_time",),
    "agent_work_time": ("agent_work_time",),
    "resolution_time": ("total_resolution_time",),
    "periodic_update_time": ("periodic_update_time",),
    "pausable_update_time": ("pausable_update_time",),
}
"""A metric event's metric -> the SLA policy metrics that target it (our ``reply_time`` target
holds for every reply round, so a policy lists it as first and next reply time)."""

# (id, type, title, description, in the portal: visible/editable/required, removable)
_SYSTEM_FIELDS: tuple[tuple[int, str, str, str, tuple[bool, bool, bool], bool], ...] = (
    (360_010_000_001, "subject", "Subject", "", (True, True, True), False),
    (
        360_010_000_002,
        "description",
        "Description",
        "Please enter the details of your request. A member of our support staff will respond "
        "as soon as possible.",
        (True, True, True),
        False,
    ),
    (360_010_000_003, "status", "Status", "Request status", (False, False, False), False),
    (360_010_000_004, "tickettype", "Type", "Request type", (False, False, False), True),
    (360_010_000_005, "priority", "Priority", "Request priority", (True, False, False), True),
    (360_010_000_006, "group", "Group", "Request group", (False, False, False), False),
    (
        360_010_000_007,
        "assignee",
        "Assignee",
        "Agent assigned to your request",
        (True, False, False),
        False,
    ),
)
_SYSTEM_OPTIONS = {
    "status": ["Open", "Pending", "On-hold", "Solved"],
    "tickettype": ["Question", "Incident", "Problem", "Task"],
    "priority": ["Low", "Normal", "High", "Urgent"],
}
_OPTION_VALUES = {"On-hold": "hold"}


def _field(
    field_id: int,
    kind: str,
    title: str,
    description: str,
    position: int,
    portal: tuple[bool, bool, bool],
    removable: bool,
    at: str,
) -> dict[str, Any]:
    visible, editable, required = portal
    return {
        "url": f"{ACCOUNT_URL}/api/v2/ticket_fields/{field_id}.json",
        "id": field_id,
        "type": kind,
        "title": title,
        "raw_title": title,
        "description": description,
        "raw_description": description,
        "position": position,
        "active": True,
        "required": kind == "assignee",
        "collapsed_for_agents": False,
        "regexp_for_validation": None,
        "title_in_portal": title,
        "raw_title_in_portal": title,
        "visible_in_portal": visible,
        "editable_in_portal": editable,
        "required_in_portal": required,
        "tag": None,
        "created_at": at,
        "updated_at": at,
        "removable": removable,
        "agent_description": None,
    }


def ticket_fields(created: int) -> list[dict[str, Any]]:
    """``ticket_fields``: the system fields, then the custom drop-downs the tickets set.

    Args:
        created: when the account's fields were made (the seed's first second).
    """
    at = epoch_to_iso(created)
    out = []
    for position, (fid, kind, title, text, portal, removable) in enumerate(_SYSTEM_FIELDS, 1):
        field = _field(fid, kind, title, text, position, portal, removable, at)
        if kind in _SYSTEM_OPTIONS:
            field["system_field_options"] = [
                {"name": name, "value": _OPTION_VALUES.get(name, name.lower())}
                for name in _SYSTEM_OPTIONS[kind]
            ]
            if kind != "tickettype":  # as recorded: status and priority carry a sub type
                field["sub_type_id"] = 0
        out.append(field)
    for position, custom in enumerate(CUSTOM_FIELDS, len(_SYSTEM_FIELDS) + 1):
        field = _field(
            custom.id, "tagger", custom.title, custom.description, position, (False,) * 3, True, at
        )
        field["key"] = None  # recorded on custom fields (ZCAS), not on system ones (EMB)
        field["custom_field_options"] = [
            {"id": oid, "name": name, "raw_name": name, "value": value, "default": False}
            for oid, name, value in custom.options
        ]
        out.append(field)
    return out


def groups(created: int) -> list[dict[str, Any]]:
    """``groups``: the four groups tickets are routed and escalated to."""
    at = epoch_to_iso(created)
    return [
        {
            "url": f"{ACCOUNT_URL}/api/v2/groups/{gid}.json",
            "id": gid,
            "is_public": gid != TIER2,
            "name": name,
            "description": "Escalations from first-line support" if gid == TIER2 else "",
            "default": index == 0,
            "deleted": False,
            "created_at": at,
            "updated_at": at,
        }
        for index, (gid, name) in enumerate(GROUP_NAMES.items())
    ]


def _policy(policy: SlaPolicy, at: str) -> dict[str, Any]:
    metrics = [
        {
            "priority": priority,
            "metric": api_metric,
            "target": target,
            "business_hours": policy.business_hours,
        }
        for priority in policy.priorities
        for metric, target in policy.targets.items()
        for api_metric in POLICY_METRICS[metric]
    ]
    return {
        "url": f"{ACCOUNT_URL}/api/v2/slas/policies/{policy.id}.json",
        "id": policy.id,
        "title": policy.title,
        "description": policy.description,
        "position": policy.position,
        "filter": {
            "all": [],
            "any": [{"field": "priority", "operator": "is", "value": p} for p in policy.priorities],
        },
        "policy_metrics": metrics,
        "created_at": at,
        "updated_at": at,
    }


def sla_policies(created: int) -> list[dict[str, Any]]:
    """``sla_policies``: the policies :mod:`~zendesk_events.emulator.sla` applies, in order.

    The group SLA policy is not among them: Zendesk lists group SLAs apart
    (``/api/v2/group_slas/policies``), with string ids.
    """
    at = epoch_to_iso(created)
    unique = {p.id: p for p in POLICIES.values()}
    return [_policy(p, at) for p in sorted(unique.values(), key=lambda p: p.position)]
