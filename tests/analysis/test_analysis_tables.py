"""Hand-built histories with known answers give exactly the expected rows in every analysis
table, on SQLite and on PostgreSQL (every expected row below is worked out by hand from
analysiskit.py's events)."""

from __future__ import annotations

from analysiskit import (
    AGENT,
    PRODUCT_AREA,
    REQUESTER,
    SUPPORT,
    T0,
    TIER2,
    rows,
    whole_history,
)

from zendesk_events.store import open_store

H = 3600
AS_OF = T0 + 4 * H  # after ticket 102's reply breach (T0+1h), before its group breach (T0+4.5h)

A101 = [1_010_000_013, 1_010_100_013, 1_010_200_013, 1_010_300_013, 1_010_400_013]
A102 = 1_020_000_013
A103 = [1_030_000_013, 1_030_100_013]
A104 = 1_040_000_013
CLOSED_AT = T0 + 2000 + 4 * 86400

FIELD_HISTORY = [
    # ticket, field, field_id, seq, name, value, from, to, type, updater, via, audit, change
    (101, "assignee_id", 0, 0, "assignee_id", None, None, T0 + 600, None, None, None, None, None),
    (101, "assignee_id", 0, 1, "assignee_id", "701", T0 + 600, None, "Change", AGENT, "Web form",
     A101[1], A101[1] + 40),
    (101, "custom_ticket_fields", PRODUCT_AREA, 1, "Product area", "set_up_app", T0, T0 + 3 * H,
     "Create", REQUESTER, "Web form", A101[0], A101[0] + 140),
    (101, "custom_ticket_fields", PRODUCT_AREA, 2, "Product area", "billing", T0 + 3 * H, None,
     "Change", AGENT, "Web form", A101[4], A101[4] + 40),
    (101, "group_id", 0, 1, "group_id", "20001", T0, None, "Create", REQUESTER, "Web form",
     A101[0], A101[0] + 100),
    (101, "priority", 0, 1, "priority", "normal", T0, T0 + H, "Create", REQUESTER, "Web form",
     A101[0], A101[0] + 80),
    (101, "priority", 0, 2, "priority", "high", T0 + H, None, "Change", AGENT, "Web form",
     A101[2], A101[2] + 40),
    (101, "requester_id", 0, 1, "requester_id", "501", T0, None, "Create", REQUESTER, "Web form",
     A101[0], A101[0] + 40),
    (101, "status", 0, 1, "status", "new", T0, T0 + 600, "Create", REQUESTER, "Web form",
     A101[0], A101[0] + 60),
    (101, "status", 0, 2, "status", "open", T0 + 600, T0 + H, "Change", AGENT, "Web form",
     A101[1], A101[1] + 20),
    (101, "status", 0, 3, "status", "pending", T0 + H, T0 + 2 * H, "Change", AGENT, "Web form",
     A101[2], A101[2] + 20),
    (101, "status", 0, 4, "status", "open", T0 + 2 * H, T0 + 3 * H, "Change", REQUESTER, "Mail",
     A101[3], A101[3] + 20),
    (101, "status", 0, 5, "status", "solved", T0 + 3 * H, None, "Change", AGENT, "Web form",
     A101[4], A101[4] + 20),
    (101, "subject", 0, 1, "subject", "Printer on fire", T0, None, "Create", REQUESTER,
     "Web form", A101[0], A101[0] + 20),
    (101, "tags", 0, 1, "tags", '["printer"]', T0, T0 + 3 * H, "Create", REQUESTER, "Web form",
     A101[0], A101[0] + 120),
    (101, "tags", 0, 2, "tags", '["printer","fixed"]', T0 + 3 * H, None, "Change", AGENT,
     "Web form", A101[4], A101[4] + 60),
    (102, "group_id", 0, 1, "group_id", "20002", T0 + 1800, None, "Create", AGENT, "API", A102,
     A102 + 120),
    (102, "organization_id", 0, 1, "organization_id", "9001", T0 + 1800, None, "Create", AGENT,
     "API", A102, A102 + 140),
    (102, "priority", 0, 1, "priority", "urgent", T0 + 1800, None, "Create", AGENT, "API", A102,
     A102 + 80),
    (102, "requester_id", 0, 1, "requester_id", "502", T0 + 1800, None, "Create", AGENT, "API",
     A102, A102 + 40),
    (102, "status", 0, 1, "status", "open", T0 + 1800, None, "Create", AGENT, "API", A102,
     A102 + 60),
    (102, "subject", 0, 1, "subject", "Site down", T0 + 1800, None, "Create", AGENT, "API", A102,
     A102 + 20),
    (102, "type", 0, 1, "type", "incident", T0 + 1800, None, "Create", AGENT, "API", A102,
     A102 + 100),
    (103, "custom_status_id", 0, 0, "custom_status_id", "360000000393", None, CLOSED_AT, None,
     None, None, None, None),
    (103, "custom_status_id", 0, 1, "custom_status_id", "360000000413", CLOSED_AT, None,
     "Change", -1, "Rule", A103[1], A103[1] + 40),
    (103, "status", 0, 0, "status", "pending", None, T0 + 2000, None, None, None, None, None),
    (103, "status", 0, 1, "status", "solved", T0 + 2000, CLOSED_AT, "Change", -1, "Rule", A103[0],
     A103[0] + 20),
    (103, "status", 0, 2, "status", "closed", CLOSED_AT, None, "Change", -1, "Rule", A103[1],
     A103[1] + 20),
    (104, "requester_id", 0, 1, "requester_id", "503", T0 + 4000, None, "Create", 503, "Mail",
     A104, A104 + 40),
    (104, "status", 0, 1, "status", "new", T0 + 4000, None, "Create", 503, "Mail", A104,
     A104 + 60),
    (104, "subject", 0, 1, "subject", "Invoice copy", T0 + 4000, None, "Create", 503, "Mail",
     A104, A104 + 20),
]  # fmt: skip

STATUS_PERIODS = [
    # ticket, seq, status, started, ended, seconds, next, updater, via
    (101, 1, "new", T0, T0 + 600, 600, "open", REQUESTER, "Web form"),
    (101, 2, "open", T0 + 600, T0 + H, 3000, "pending", AGENT, "Web form"),
    (101, 3, "pending", T0 + H, T0 + 2 * H, 3600, "open", AGENT, "Web form"),
    (101, 4, "open", T0 + 2 * H, T0 + 3 * H, 3600, "solved", REQUESTER, "Mail"),
    (101, 5, "solved", T0 + 3 * H, None, None, None, AGENT, "Web form"),
    (102, 1, "open", T0 + 1800, None, None, None, AGENT, "API"),
    (103, 0, "pending", None, T0 + 2000, None, "solved", None, None),
    (103, 1, "solved", T0 + 2000, CLOSED_AT, 4 * 86400, "closed", -1, "Rule"),
    (103, 2, "closed", CLOSED_AT, None, None, None, -1, "Rule"),
    (104, 1, "new", T0 + 4000, None, None, None, 503, "Mail"),
]

GROUP_SLA_RUNNING = (
    102, "group_ownership_time", 1, "group_sla", "tier2-ownership", "Tier 2 ownership", 240, 14400,
    False,
    T0 + 1800, T0 + 1800, None, T0 + 1800 + 4 * H, False, None, "running", None, None, None,
    "urgent", TIER2,
)  # fmt: skip
GROUP_SLA_BREACHED = (
    *GROUP_SLA_RUNNING[:13], True, T0 + 1800 + 4 * H, "breached", *GROUP_SLA_RUNNING[16:],
)  # fmt: skip

SLA_OUTCOMES = [
    # ticket, metric, instance, kind, policy, title, target min, target s, business hours,
    # activated, applied, fulfilled, breach_at, breached, breached_at, outcome, fulfil s,
    # calendar min, business min, priority, group
    (101, "reply_time", 1, "sla", "801", "Standard", 60, 3600, False, T0, T0, T0 + 600, None,
     False, None, "fulfilled", 600, 10, 10, "normal", SUPPORT),
    (101, "requester_wait_time", 1, "sla", "801", "Standard", 120, 7200, False, T0, T0, T0 + 3 * H,
     T0 + 9000, True, T0 + 9000, "breached", 3 * H, 120, 120, "normal", SUPPORT),
    GROUP_SLA_RUNNING,
    (102, "reply_time", 1, "sla", "803", "Urgent", 30, 1800, False, T0 + 1800, T0 + 1800, None,
     T0 + H, True, T0 + H, "breached", None, None, None, "urgent", TIER2),
]  # fmt: skip

SNAPSHOT = [
    # ticket, created, updated, audits, via, last updater, status, priority, type, subject,
    # requester, assignee, group, organization, custom status, tags, custom fields, other
    (101, T0, T0 + 3 * H, 5, "Web form", AGENT, "solved", "high", None, "Printer on fire",
     REQUESTER, AGENT, SUPPORT, None, None, '["printer","fixed"]',
     f'{{"{PRODUCT_AREA}":"billing"}}', None),
    (102, T0 + 1800, T0 + 1800, 1, "API", AGENT, "open", "urgent", "incident", "Site down", 502,
     None, TIER2, 9001, None, None, None, None),
    (103, None, CLOSED_AT, 2, "Rule", -1, "closed", None, None, None, None, None, None, None,
     360000000413, None, None, None),
    (104, T0 + 4000, T0 + 4000, 1, "Mail", 503, "new", None, None, "Invoice copy", 503, None,
     None, None, None, None, None, None),
]  # fmt: skip


def test_every_table_holds_exactly_the_expected_rows(store_url: str) -> None:
    with open_store(store_url) as store:
        whole_history(store)
        run = store.analysis.update(as_of=AS_OF)
        assert run.full and run.tickets == 4 and run.as_of == AS_OF
        assert rows(store, "ticket_field_history") == FIELD_HISTORY
        assert rows(store, "ticket_status_periods") == STATUS_PERIODS
        assert rows(store, "sla_outcomes") == SLA_OUTCOMES
        assert rows(store, "ticket_snapshot") == SNAPSHOT
        assert run.rows == {
            "ticket_field_history": len(FIELD_HISTORY),
            "ticket_status_periods": len(STATUS_PERIODS),
            "sla_outcomes": len(SLA_OUTCOMES),
            "ticket_snapshot": len(SNAPSHOT),
        }


def test_a_running_sla_breaches_when_its_written_ahead_breach_comes_due(store_url: str) -> None:
    with open_store(store_url) as store:
        whole_history(store)
        store.analysis.update(as_of=AS_OF)
        later = store.analysis.update(as_of=T0 + 5 * H)
        assert not later.full and later.tickets == 0  # no event changed: only time moved
        assert rows(store, "sla_outcomes")[2] == GROUP_SLA_BREACHED
        assert rows(store, "sla_outcomes")[:2] == SLA_OUTCOMES[:2]
        store.analysis.update(as_of=AS_OF)  # and back: decided by as_of alone
        assert rows(store, "sla_outcomes") == SLA_OUTCOMES


def test_custom_fields_are_renamed_when_ticket_fields_change(store_url: str) -> None:
    with open_store(store_url) as store:
        whole_history(store)
        store.analysis.update(as_of=AS_OF)
        with store.db.transaction() as tx:
            field = store.account.get("ticket_fields", PRODUCT_AREA)
            assert field is not None
            store.account.put(tx, "ticket_fields", [{**field, "title": "Product"}])
        run = store.analysis.update(as_of=AS_OF)
        assert run.renamed and run.tickets == 0
        names = {r[4] for r in rows(store, "ticket_field_history") if r[2] == PRODUCT_AREA}
        assert names == {"Product"}
        with store.db.transaction() as tx:
            store.account.delete(tx, "ticket_fields", PRODUCT_AREA)
        store.analysis.update(as_of=AS_OF)
        names = {r[4] for r in rows(store, "ticket_field_history") if r[2] == PRODUCT_AREA}
        assert names == {f"custom_ticket_fields.{PRODUCT_AREA}"}
