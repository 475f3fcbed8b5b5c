"""The report's numbers for the hand-built history, worked out by hand, on both backends."""

from __future__ import annotations

from analysiskit import T0, whole_history

from zendesk_events.store import open_store
from zendesk_events.store.analysis import DAY, DURATION_BUCKETS, LATENESS_BUCKETS

H = 3600
D0 = T0 - 9 * H  # 2026-10-05 00:00 UTC: T0 is 09:00 that day
CLOSED_AT = T0 + 2000 + 4 * 86400


def test_every_aggregate_is_the_expected_one(store_url: str) -> None:
    with open_store(store_url) as store:
        whole_history(store)
        store.analysis.update(as_of=T0 + 4 * H)
        data = store.analysis.report_data()
    assert (data.since, data.until, data.step) == (T0, CLOSED_AT + 1, DAY)
    assert data.as_of == T0 + 4 * H
    assert data.totals == {"audits": 9, "tickets": 4, "metric_events": 21, "sla_instances": 4}
    assert data.events_per_day == [
        (D0, "API", 1),
        (D0, "Mail", 2),  # ticket 101's requester reply, ticket 104
        (D0, "Rule", 1),
        (D0, "Web form", 4),
        (D0 + 4 * DAY, "Rule", 1),  # the automation closing ticket 103
    ]
    assert data.transitions == [
        ("new", "open", 1),
        ("open", "pending", 1),
        ("open", "solved", 1),
        ("pending", "open", 1),
        ("pending", "solved", 1),  # ticket 103's first period: its start is unknown
        ("solved", "closed", 1),
    ]
    labels = [label for label, _ in DURATION_BUCKETS]
    assert [(s, labels[b], n) for s, b, n in data.status_buckets] == [
        ("new", "10 min–1 h", 1),  # 600 s
        ("open", "10 min–1 h", 1),  # 3000 s
        ("open", "1–4 h", 1),  # 3600 s
        ("pending", "1–4 h", 1),
        ("solved", "3–7 days", 1),
    ]
    # status, periods, total seconds, p25, median, p75, p90 (nearest rank)
    assert data.status_stats == [
        ("new", 1, 600, 600, 600, 600, 600),
        ("open", 2, 6600, 3000, 3000, 3600, 3600),
        ("pending", 1, 3600, 3600, 3600, 3600, 3600),
        ("solved", 1, 4 * DAY, 4 * DAY, 4 * DAY, 4 * DAY, 4 * DAY),
    ]
    # decided instances only: the group SLA still runs as of T0+4h
    assert data.sla_by_metric == [(D0, "reply_time", 2, 1), (D0, "requester_wait_time", 1, 1)]
    assert data.sla_by_priority == [(D0, "normal", 2, 1), (D0, "urgent", 1, 1)]
    assert data.sla_by_group == [(D0, "Support", 2, 1), (D0, "Tier 2", 1, 1)]
    assert data.sla_running == [("group_ownership_time", 1)]
    assert data.field_changes == [
        ("Product area", "Web form", 1),
        ("assignee_id", "Web form", 1),
        ("custom_status_id", "Rule", 1),
        ("priority", "Web form", 1),
        ("status", "Mail", 1),
        ("status", "Rule", 2),
        ("status", "Web form", 3),
        ("tags", "Web form", 1),
    ]
    lateness = [label for label, _ in LATENESS_BUCKETS]
    assert [(d, lateness[b], n) for d, b, n in data.late_metric_events] == [
        (D0, "written ahead", 2),  # ticket 102's two breaches, written when applied
        (D0, "≤ 1 min", 18),
        (D0, "1–15 min", 1),  # the measure event written 12 minutes late
    ]
    assert data.current_status == [("closed", 1), ("new", 1), ("open", 1), ("solved", 1)]


def test_a_period_keeps_only_what_lies_in_it(store_url: str) -> None:
    with open_store(store_url) as store:
        whole_history(store)
        store.analysis.update(as_of=T0 + 4 * H)
        data = store.analysis.report_data(T0 + 2 * H, T0 + 2 * DAY)
    # ticket 101's last two audits; its metric events from T0+2h on, and 102's group breach
    assert data.totals == {"audits": 2, "tickets": 1, "metric_events": 6, "sla_instances": 0}
    assert data.events_per_day == [(D0, "Mail", 1), (D0, "Web form", 1)]
    assert data.transitions == [("open", "solved", 1), ("pending", "open", 1)]
    assert data.sla_by_metric == [] and data.sla_running == []


def test_a_long_period_gives_weekly_sla_rates_from_mondays(store_url: str) -> None:
    with open_store(store_url) as store:
        whole_history(store)
        store.analysis.update(as_of=T0 + 4 * H)
        data = store.analysis.report_data(T0 - 30 * DAY, T0 + 10 * DAY)
    assert data.step == 7 * DAY
    # T0 is a Monday, 09:00 UTC: its week starts at D0
    assert data.sla_by_metric == [(D0, "reply_time", 2, 1), (D0, "requester_wait_time", 1, 1)]
    assert data.events_per_day[0] == (D0, "API", 1)  # events stay per day
