"""Hand-built event histories with known answers, in the recorded shapes of spec §3 and §5.

Everything here is written by hand: the audits (one Create child per field, Change children
with ``previous_value``, ``custom_ticket_fields`` keyed by the field id as a string, a tags child
with ``added_tags``/``removed_tags``, system updates with ``updater_id`` -1 and null ``system``)
and the metric events (``deleted`` on every one, ``apply_sla``'s ``sla`` object,
``apply_group_sla``'s ``group_sla`` object without ``target_in_seconds``, ``update_status``'s
``status`` in minutes, breach events written ahead with their future time and turned
``deleted`` when the target was met first). The expected rows in the tests are worked out
from these by hand, never from our code.

T0 is Monday 2026-10-05 09:00:00 UTC.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from zendesk_events.store import Store
from zendesk_events.store.analysis import ANALYSIS_TABLES
from zendesk_events.timeutil import epoch_to_iso

T0 = 1_791_190_800
HOUR = 3600

REQUESTER = 501
AGENT = 701
SUPPORT = 20001
TIER2 = 20002
PRODUCT_AREA = 360041597112  # the custom field of the recorded ticket_fields.json

WEB = {
    "client": "Mozilla/5.0",
    "location": "Copenhagen, 84, Denmark",
    "latitude": 55.68,
    "longitude": 12.56,
}
NO_SYSTEM = {"client": None, "location": None, "latitude": None, "longitude": None}


def audit(
    audit_id: int,
    ticket: int,
    ts: int,
    updater: int,
    via: str,
    children: list[dict[str, Any]],
) -> dict[str, Any]:
    """A ticket event (spec §3); children get ids audit_id + 20, + 40, ... as Zendesk's do."""
    for n, child in enumerate(children, 1):
        child["id"] = audit_id + 20 * n
        child.setdefault("via", via)
        child.setdefault("via_reference_id", None)
    return {
        "id": audit_id,
        "ticket_id": ticket,
        "timestamp": ts,
        "created_at": epoch_to_iso(ts),
        "updater_id": updater,
        "via": via,
        "event_type": "Audit",
        "system": NO_SYSTEM if updater == -1 else WEB,
        "child_events": children,
    }


def create(**field: Any) -> dict[str, Any]:
    return {**field, "event_type": "Create"}


def change(previous: Any, **field: Any) -> dict[str, Any]:
    return {**field, "event_type": "Change", "previous_value": previous}


def comment(public: bool = True) -> dict[str, Any]:
    return {"comment_present": True, "comment_public": public, "event_type": "Comment"}


def tags(now: list[str], added: list[str], removed: list[str], **kind: Any) -> dict[str, Any]:
    return {"tags": now, "added_tags": added, "removed_tags": removed, **kind}


def metric(
    event_id: int,
    ticket: int,
    name: str,
    instance: int,
    kind: str,
    ts: int,
    *,
    deleted: bool = False,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "id": event_id,
        "ticket_id": ticket,
        "metric": name,
        "instance_id": instance,
        "type": kind,
        "time": epoch_to_iso(ts),
        "deleted": deleted,
        **extra,
    }


def sla(target: int, policy_id: int, title: str) -> dict[str, Any]:
    policy = {"id": policy_id, "title": title, "description": None}
    return {
        "sla": {
            "target": target,
            "business_hours": False,
            "policy": policy,
            "target_in_seconds": target * 60,
        }
    }


def group_sla(target: int, policy_id: str, title: str) -> dict[str, Any]:
    """A group SLA: no ``target_in_seconds``, and a string policy id (OAS, LIBZ)."""
    policy = {"id": policy_id, "title": title, "description": None}
    return {"group_sla": {"target": target, "business_hours": False, "policy": policy}}


def status(calendar: int, business: int) -> dict[str, Any]:
    return {"status": {"calendar": calendar, "business": business}}


# ---- ticket 101: web form, new -> open -> pending -> open -> solved ----------------------------

T101_FIRST = [
    audit(
        1_010_000_013,
        101,
        T0,
        REQUESTER,
        "Web form",
        [
            create(subject="Printer on fire"),
            create(requester_id=REQUESTER),
            create(status="new"),
            create(priority="normal"),
            create(group_id=SUPPORT),
            create(**tags(["printer"], ["printer"], [])),
            create(custom_ticket_fields={str(PRODUCT_AREA): "set_up_app"}),
            comment(),
        ],
    ),
    audit(
        1_010_100_013,
        101,
        T0 + 600,
        AGENT,
        "Web form",
        [change("new", status="open"), change(None, assignee_id=AGENT), comment()],
    ),
    audit(
        1_010_200_013,
        101,
        T0 + HOUR,
        AGENT,
        "Web form",
        [change("open", status="pending"), change("normal", priority="high")],
    ),
]
T101_LATER = [
    audit(
        1_010_300_013,
        101,
        T0 + 2 * HOUR,
        REQUESTER,
        "Mail",
        [change("pending", status="open"), comment()],
    ),
    audit(
        1_010_400_013,
        101,
        T0 + 3 * HOUR,
        AGENT,
        "Web form",
        [
            change("open", status="solved"),
            change("set_up_app", custom_ticket_fields={str(PRODUCT_AREA): "billing"}),
            change(["printer"], **tags(["printer", "fixed"], ["fixed"], [])),
        ],
    ),
]

# Reply time: applied at creation with a 60-minute target, its breach written ahead for
# T0+1h; the agent replies at T0+10min, so that breach turns deleted. Requester wait time:
# 120-minute target, breach written ahead for T0+2h; the ticket pauses in pending for an
# hour, so Zendesk deletes that breach and writes one for T0+2.5h, which comes to pass before
# the ticket is solved at T0+3h.
M101_FIRST = [
    metric(2_010_000_001, 101, "reply_time", 0, "measure", T0),
    metric(2_010_000_021, 101, "reply_time", 1, "activate", T0),
    metric(2_010_000_041, 101, "reply_time", 1, "apply_sla", T0, **sla(60, 801, "Standard")),
    metric(2_010_000_061, 101, "reply_time", 1, "breach", T0 + HOUR),
    metric(2_010_000_081, 101, "requester_wait_time", 1, "activate", T0),
    metric(
        2_010_000_101, 101, "requester_wait_time", 1, "apply_sla", T0, **sla(120, 801, "Standard")
    ),
    metric(2_010_000_121, 101, "requester_wait_time", 1, "breach", T0 + 2 * HOUR),
    metric(2_010_100_001, 101, "reply_time", 1, "fulfill", T0 + 600),
    metric(2_010_100_021, 101, "reply_time", 1, "update_status", T0 + 600, **status(10, 10)),
    metric(2_010_200_001, 101, "requester_wait_time", 1, "pause", T0 + HOUR),
]
M101_LATER = [
    # the same ids again, now deleted: the target was met (reply) or moved (the pause)
    metric(2_010_000_061, 101, "reply_time", 1, "breach", T0 + HOUR, deleted=True),
    metric(2_010_000_121, 101, "requester_wait_time", 1, "breach", T0 + 2 * HOUR, deleted=True),
    metric(2_010_200_021, 101, "requester_wait_time", 1, "breach", T0 + 9000),
    metric(2_010_300_001, 101, "requester_wait_time", 1, "activate", T0 + 2 * HOUR),
    metric(2_010_400_001, 101, "requester_wait_time", 1, "fulfill", T0 + 3 * HOUR),
    metric(
        2_010_400_021,
        101,
        "requester_wait_time",
        1,
        "update_status",
        T0 + 3 * HOUR,
        **status(120, 120),
    ),
]

# ---- ticket 102: API, urgent incident with a group SLA; nothing fulfilled --------------------

T102 = [
    audit(
        1_020_000_013,
        102,
        T0 + 1800,
        AGENT,
        "API",
        [
            create(subject="Site down"),
            create(requester_id=502),
            create(status="open"),
            create(priority="urgent"),
            create(type="incident"),
            create(group_id=TIER2),
            create(organization_id="9001"),
        ],
    ),
]
M102 = [
    metric(2_020_000_001, 102, "reply_time", 1, "activate", T0 + 1800),
    metric(2_020_000_021, 102, "reply_time", 1, "apply_sla", T0 + 1800, **sla(30, 803, "Urgent")),
    metric(2_020_000_041, 102, "reply_time", 1, "breach", T0 + 3600),
    metric(2_020_000_061, 102, "group_ownership_time", 1, "activate", T0 + 1800),
    metric(
        2_020_000_081,
        102,
        "group_ownership_time",
        1,
        "apply_group_sla",
        T0 + 1800,
        **group_sla(240, "tier2-ownership", "Tier 2 ownership"),
    ),
    metric(2_020_000_101, 102, "group_ownership_time", 1, "breach", T0 + 1800 + 4 * HOUR),
]
# Written 12 minutes late, stamped with the ticket's creation time (spec §5).
M102_LATE = [metric(2_020_000_121, 102, "reply_time", 0, "measure", T0 + 1800)]

# ---- ticket 103: the export starts after its creation; automations solve and close it -------

T103 = [
    audit(
        1_030_000_013,
        103,
        T0 + 2000,
        -1,
        "Rule",
        [change("pending", status="solved")],
    ),
    audit(
        1_030_100_013,
        103,
        T0 + 2000 + 4 * 86400,
        -1,
        "Rule",
        [
            change("solved", status="closed"),
            change(360000000393, custom_status_id=360000000413),
        ],
    ),
]

# ---- ticket 104: only created (stays untouched in the incremental test) ----------------------

T104 = [
    audit(
        1_040_000_013,
        104,
        T0 + 4000,
        503,
        "Mail",
        [create(subject="Invoice copy"), create(requester_id=503), create(status="new")],
    ),
]

GROUPS = [{"id": SUPPORT, "name": "Support"}, {"id": TIER2, "name": "Tier 2"}]


def write(
    store: Store,
    ticket_events: Iterable[dict[str, Any]] = (),
    metric_events: Iterable[dict[str, Any]] = (),
    *,
    visible_at: int | None = None,
) -> None:
    with store.db.transaction() as tx:
        store.events.upsert(tx, "ticket_events", list(ticket_events))
        store.events.upsert(tx, "ticket_metric_events", list(metric_events), visible_at=visible_at)


def whole_history(store: Store) -> None:
    """Every ticket above, complete, with the recorded ticket fields and two groups."""
    from recorded import load

    with store.db.transaction() as tx:
        store.account.put(tx, "ticket_fields", load("ticket_fields")["ticket_fields"])
        store.account.put(tx, "groups", GROUPS)
    write(store, [*T101_FIRST, *T101_LATER, *T102, *T103, *T104], [*M101_FIRST, *M101_LATER])
    # ticket 102's metric events were written when its SLAs were applied: breaches ahead
    write(store, (), M102, visible_at=T0 + 1800)
    write(store, (), M102_LATE, visible_at=T0 + 1800 + 720)


def rows(store: Store, table: str) -> list[tuple[Any, ...]]:
    """Every row of ``table`` (columns as :data:`COLUMNS` lists them) in key order, booleans
    as Python bools on both backends."""
    names = COLUMNS[table].split(", ")
    flags = BOOLEAN_COLUMNS.get(table, set())
    out = [
        tuple(bool(v) if v is not None and n in flags else v for n, v in zip(names, r, strict=True))
        for r in store.db.query(f"SELECT {COLUMNS[table]} FROM {table}")
    ]
    width = KEY_WIDTH[table]
    return sorted(
        out, key=lambda r: tuple((v is not None, v if v is not None else 0) for v in r[:width])
    )


COLUMNS = {
    "ticket_field_history": (
        "ticket_id, field, field_id, seq, field_name, value, valid_from, valid_to, event_type, "
        "updater_id, via, audit_id, change_id"
    ),
    "ticket_status_periods": (
        "ticket_id, seq, status, started_at, ended_at, seconds, next_status, updater_id, via"
    ),
    "sla_outcomes": (
        "ticket_id, metric, instance_id, kind, policy_id, policy_title, target_minutes, "
        "target_seconds, business_hours, activated_at, applied_at, fulfilled_at, breach_at, "
        "breached, breached_at, outcome, fulfil_seconds, calendar_minutes, business_minutes, "
        "priority, group_id"
    ),
    "ticket_snapshot": (
        "ticket_id, created_at, updated_at, audits, via, last_updater_id, status, priority, "
        "type, subject, requester_id, assignee_id, group_id, organization_id, custom_status_id, "
        "tags, custom_fields, other_fields"
    ),
}
BOOLEAN_COLUMNS = {"sla_outcomes": {"business_hours", "breached"}}
KEY_WIDTH = {
    "ticket_field_history": 4,
    "ticket_status_periods": 2,
    "sla_outcomes": 3,
    "ticket_snapshot": 1,
}


def all_tables(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    return {table: rows(store, table) for table in ANALYSIS_TABLES}
