"""The numbers behind the report: small aggregates of the analysis tables over one period.

Each query groups by integers and text only and sorts in Python (PostgreSQL sorts text by the
database's collation, SQLite by bytes), so both backends hand the report identical rows.
Percentiles are nearest-rank (the value at rank ceil(p * n)), computed in SQL with integers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zendesk_events.store.database import Database

__all__ = [
    "DAY",
    "DURATION_BUCKETS",
    "LATENESS_BUCKETS",
    "WEEK",
    "ReportData",
    "bucket_for",
    "collect",
    "default_period",
]

DAY = 86_400
WEEK = 7 * DAY
_MONDAY = 4 * DAY  # 1970-01-05, the first Monday: weeks start on Mondays (UTC)

DURATION_BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("< 1 min", 60),
    ("1–10 min", 600),
    ("10 min–1 h", 3600),
    ("1–4 h", 4 * 3600),
    ("4–24 h", DAY),
    ("1–3 days", 3 * DAY),
    ("3–7 days", WEEK),
    ("> 7 days", None),
)
"""Time-in-status histogram buckets: label and exclusive upper bound in seconds."""

LATENESS_BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("written ahead", 0),
    ("≤ 1 min", 61),
    ("1–15 min", 901),
    ("15–30 min", 1801),
    ("30–60 min", 3601),
    ("> 1 h", None),
)
"""How long after its ``time`` a metric event reached the store (``visible_at - time``):
label and exclusive upper bound in seconds. "written ahead": before its own time (the
pre-written breach events of spec §5)."""


def _case(expr: str, buckets: tuple[tuple[str, int | None], ...]) -> str:
    arms = " ".join(
        f"WHEN {expr} < {bound} THEN {i}"
        for i, (_, bound) in enumerate(buckets)
        if bound is not None
    )
    return f"CASE {arms} ELSE {len(buckets) - 1} END"


def bucket_for(since: int, until: int) -> int:
    """The SLA series' step: a day for periods up to three weeks, else a week (a rate per day
    of a few instances is noise)."""
    return DAY if until - since <= 21 * DAY else WEEK


def _floor(expr: str, step: int) -> str:
    if step == DAY:
        return f"(({expr}) / {DAY}) * {DAY}"
    return f"((({expr}) - {_MONDAY}) / {WEEK}) * {WEEK} + {_MONDAY}"


@dataclass(frozen=True, slots=True)
class ReportData:
    """Every number the report shows, for the period ``[since, until)`` (epoch seconds).

    Attributes:
        since: first second of the period.
        until: the period ends before this second.
        step: the SLA series' bucket in seconds (:data:`DAY` or :data:`WEEK`).
        as_of: the time SLA breaches were judged against (None: never analysed).
        built_at: when the analysis tables were last brought up to date.
        totals: headline counts (audits, tickets, metric events, SLA instances in the period).
        events_per_day: (UTC day, channel, audits): ``ticket_events`` by their ``via``.
        transitions: (from status, to status, count) for status periods that ended in the
            period.
        status_buckets: (status, index into :data:`DURATION_BUCKETS`, periods) for finished
            status periods that ended in the period.
        status_stats: (status, periods, total seconds, p25, median, p75, p90 seconds).
        sla_by_metric, sla_by_priority, sla_by_group: (bucket start, key, decided, breached)
            for SLA instances applied in the period whose outcome is decided (breached or
            fulfilled); the group key is the group's name where ``groups`` knows it.
        sla_running: (metric, instances applied in the period and still running).
        field_changes: (field name, channel, Change events) whose change lies in the period.
        late_metric_events: (UTC day, index into :data:`LATENESS_BUCKETS`, events) by the
            metric events' ``time``.
        current_status: (status, tickets) from ``ticket_snapshot``: now, not the period.
    """

    since: int
    until: int
    step: int
    as_of: int | None
    built_at: int | None
    totals: dict[str, int]
    events_per_day: list[tuple[int, str, int]]
    transitions: list[tuple[str, str, int]]
    status_buckets: list[tuple[str, int, int]]
    status_stats: list[tuple[str, int, int, int, int, int, int]]
    sla_by_metric: list[tuple[int, str, int, int]]
    sla_by_priority: list[tuple[int, str, int, int]]
    sla_by_group: list[tuple[int, str, int, int]]
    sla_running: list[tuple[str, int]]
    field_changes: list[tuple[str, str, int]]
    late_metric_events: list[tuple[int, int, int]]
    current_status: list[tuple[str, int]]


def _text(value: Any, empty: str = "(none)") -> str:
    return empty if value is None else str(value)


def default_period(db: Database) -> tuple[int, int] | None:
    """The span of the stored ticket events, else of the metric events (None: no events)."""
    for table in ("ticket_events", "ticket_metric_events"):
        lo, hi = db.query(f"SELECT MIN(timestamp), MAX(timestamp) FROM {table}")[0]
        if lo is not None:
            return int(lo), int(hi) + 1
    return None


def collect(
    db: Database, since: int, until: int, *, as_of: int | None, built_at: int | None
) -> ReportData:
    """Query every aggregate of the report for ``[since, until)``."""
    p = (since, until)
    q = db.query
    step = bucket_for(since, until)

    totals = {
        "audits": int(
            q("SELECT COUNT(*) FROM ticket_events WHERE timestamp >= ? AND timestamp < ?", p)[0][0]
        ),
        "tickets": int(
            q(
                "SELECT COUNT(*) FROM (SELECT DISTINCT ticket_id FROM ticket_events "
                "WHERE timestamp >= ? AND timestamp < ?) t",
                p,
            )[0][0]
        ),
        "metric_events": int(
            q(
                "SELECT COUNT(*) FROM ticket_metric_events WHERE timestamp >= ? AND timestamp < ?",
                p,
            )[0][0]
        ),
        "sla_instances": int(
            q("SELECT COUNT(*) FROM sla_outcomes WHERE applied_at >= ? AND applied_at < ?", p)[0][0]
        ),
    }
    events_per_day = sorted(
        (int(r[0]), _text(r[1]), int(r[2]))
        for r in q(
            f"SELECT {_floor('timestamp', DAY)}, via, COUNT(*) FROM ticket_events "
            "WHERE timestamp >= ? AND timestamp < ? GROUP BY 1, 2",
            p,
        )
    )
    transitions = sorted(
        (
            (_text(r[0]), _text(r[1]), int(r[2]))
            for r in q(
                "SELECT status, next_status, COUNT(*) FROM ticket_status_periods "
                "WHERE next_status IS NOT NULL AND ended_at >= ? AND ended_at < ? "
                "GROUP BY status, next_status",
                p,
            )
        ),
        key=lambda r: (-r[2], r[0], r[1]),
    )
    finished = "seconds IS NOT NULL AND ended_at >= ? AND ended_at < ?"
    status_buckets = sorted(
        (_text(r[0]), int(r[1]), int(r[2]))
        for r in q(
            f"SELECT status, {_case('seconds', DURATION_BUCKETS)}, COUNT(*) "
            f"FROM ticket_status_periods WHERE {finished} GROUP BY 1, 2",
            p,
        )
    )
    ranks = ", ".join(
        f"MAX(CASE WHEN rn = ({pct} * n + 99) / 100 THEN seconds END)" for pct in (25, 50, 75, 90)
    )
    status_stats = sorted(
        (_text(r[0]), int(r[1]), int(r[2]), int(r[3]), int(r[4]), int(r[5]), int(r[6]))
        for r in q(
            f"SELECT status, MAX(n), SUM(seconds), {ranks} FROM ("
            "SELECT status, seconds, "
            "ROW_NUMBER() OVER (PARTITION BY status ORDER BY seconds) AS rn, "
            "COUNT(*) OVER (PARTITION BY status) AS n "
            f"FROM ticket_status_periods WHERE {finished}) x GROUP BY status",
            p,
        )
    )
    decided = "applied_at >= ? AND applied_at < ? AND outcome <> 'running'"
    breached = "SUM(CASE WHEN breached THEN 1 ELSE 0 END)"

    def sla(key: str) -> list[tuple[int, Any, int, int]]:
        return [
            (int(r[0]), r[1], int(r[2]), int(r[3]))
            for r in q(
                f"SELECT {_floor('applied_at', step)}, {key}, COUNT(*), {breached} "
                f"FROM sla_outcomes WHERE {decided} GROUP BY 1, 2",
                p,
            )
        ]

    groups = {int(r[0]): str(r[1]) for r in q("SELECT id, name FROM groups WHERE name IS NOT NULL")}
    by_group: dict[tuple[int, str], list[int]] = {}
    for start, group_id, n, b in sla("group_id"):
        name = "(none)" if group_id is None else groups.get(int(group_id), f"group {group_id}")
        acc = by_group.setdefault((start, name), [0, 0])
        acc[0] += n
        acc[1] += b
    running = sorted(
        (str(r[0]), int(r[1]))
        for r in q(
            "SELECT metric, COUNT(*) FROM sla_outcomes WHERE applied_at >= ? AND applied_at < ? "
            "AND outcome = 'running' GROUP BY metric",
            p,
        )
    )
    field_changes = sorted(
        (_text(r[0]), _text(r[1]), int(r[2]))
        for r in q(
            "SELECT field_name, via, COUNT(*) FROM ticket_field_history "
            "WHERE event_type = 'Change' AND valid_from >= ? AND valid_from < ? "
            "GROUP BY field_name, via",
            p,
        )
    )
    late = sorted(
        (int(r[0]), int(r[1]), int(r[2]))
        for r in q(
            f"SELECT {_floor('timestamp', DAY)}, "
            f"{_case('COALESCE(visible_at, timestamp) - timestamp', LATENESS_BUCKETS)}, COUNT(*) "
            "FROM ticket_metric_events WHERE timestamp >= ? AND timestamp < ? GROUP BY 1, 2",
            p,
        )
    )
    current = sorted(
        (_text(r[0]), int(r[1]))
        for r in q("SELECT status, COUNT(*) FROM ticket_snapshot GROUP BY status")
    )
    return ReportData(
        since=since,
        until=until,
        step=step,
        as_of=as_of,
        built_at=built_at,
        totals=totals,
        events_per_day=events_per_day,
        transitions=transitions,
        status_buckets=status_buckets,
        status_stats=status_stats,
        sla_by_metric=sorted((s, str(k), n, b) for s, k, n, b in sla("metric")),
        sla_by_priority=sorted((s, _text(k), n, b) for s, k, n, b in sla("priority")),
        sla_by_group=sorted((s, k, n, b) for (s, k), (n, b) in by_group.items()),
        sla_running=running,
        field_changes=field_changes,
        late_metric_events=late,
        current_status=current,
    )
