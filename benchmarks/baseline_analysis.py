"""The bare baseline of bench_analysis.py: the report's aggregates, each one plain SQL query
straight over the event tables (no analysis tables, no incremental bookkeeping), through the
bare drivers. Written independently of ``store/analysis`` from the definitions in the README,
so the benchmark also checks that both give the same numbers.

    python benchmarks/baseline_analysis.py STORE_URL AS_OF     # prints the aggregates as JSON
"""

from __future__ import annotations

import sqlite3
import sys
from typing import Any

import orjson

DAY = 86_400
WEEK = 7 * DAY
MONDAY = 4 * DAY
DURATIONS = (60, 600, 3600, 4 * 3600, DAY, 3 * DAY, WEEK)  # exclusive upper bounds; then more
LATENESS = (0, 61, 901, 1801, 3601)


def _case(expr: str, bounds: tuple[int, ...]) -> str:
    arms = " ".join(f"WHEN {expr} < {b} THEN {i}" for i, b in enumerate(bounds))
    return f"CASE {arms} ELSE {len(bounds)} END"


def _floor(expr: str, step: int) -> str:
    if step == DAY:
        return f"(({expr}) / {DAY}) * {DAY}"
    return f"((({expr}) - {MONDAY}) / {WEEK}) * {WEEK} + {MONDAY}"


class Db:
    def __init__(self, url: str) -> None:
        self.pg = url.startswith("postgresql://")
        if self.pg:
            import psycopg

            self.conn: Any = psycopg.connect(url, autocommit=True)
        else:
            self.conn = sqlite3.connect(url)

    def q(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self.pg:
            sql = sql.replace("%", "%%").replace("?", "%s")
        return list(self.conn.execute(sql, params).fetchall())

    def json(self, column: str, *path: str) -> str:
        if self.pg:
            return f"({column}::jsonb #>> '{{{','.join(path)}}}')"
        return f"json_extract({column}, '$.{'.'.join(path)}')"

    def json_int(self, column: str, *path: str) -> str:
        v = self.json(column, *path)
        return f"ROUND({v}::numeric)::bigint" if self.pg else f"CAST(ROUND({v}) AS INTEGER)"


def _text(v: Any) -> str:
    return "(none)" if v is None else str(v)


def _status_rows() -> str:
    # every status change, with the previous status and the next change's time
    return """
SELECT ticket_id, value, timestamp, event_type, previous_value,
       LAG(value) OVER w AS before, LEAD(timestamp) OVER w AS next_ts,
       ROW_NUMBER() OVER w AS rn
FROM ticket_field_changes WHERE field = 'status' AND field_id = 0
WINDOW w AS (PARTITION BY ticket_id ORDER BY timestamp, audit_id, id)
"""


def _value_at(field: str) -> str:
    later = (
        f"(SELECT CASE WHEN h.event_type = 'Change' AND h.timestamp > a.timestamp "
        f"THEN h.previous_value END FROM ticket_field_changes h "
        f"WHERE h.ticket_id = a.ticket_id AND h.field = '{field}' AND h.field_id = 0 "
        "ORDER BY h.timestamp, h.audit_id, h.id LIMIT 1)"
    )
    return (
        f"COALESCE((SELECT h.value FROM ticket_field_changes h WHERE h.ticket_id = a.ticket_id "
        f"AND h.field = '{field}' AND h.field_id = 0 AND h.timestamp <= a.timestamp "
        f"ORDER BY h.timestamp DESC, h.audit_id DESC, h.id DESC LIMIT 1), {later})"
    )


def _sla(db: Db) -> str:
    """Every SLA-targeted instance with its outcome (takes as_of twice)."""
    return f"""
WITH m AS (
    SELECT ticket_id, metric, instance_id, type, timestamp, deleted,
           MAX(CASE WHEN type = 'activate' THEN timestamp END) OVER w AS act,
           MAX(CASE WHEN type = 'fulfill' THEN timestamp END) OVER w AS ful
    FROM ticket_metric_events WHERE instance_id > 0
    WINDOW w AS (PARTITION BY ticket_id, metric, instance_id)
), a AS (
    SELECT ticket_id, metric, instance_id,
           MAX(CASE WHEN type IN ('apply_sla', 'apply_group_sla') THEN timestamp END)
               AS timestamp,
           MAX(CASE WHEN act IS NULL OR act <= ful THEN ful END) AS ful,
           MIN(CASE WHEN type = 'breach' AND NOT deleted
                     AND (ful IS NULL OR act > ful OR timestamp <= ful) THEN timestamp END)
               AS due
    FROM m GROUP BY ticket_id, metric, instance_id
), o AS (
    SELECT a.ticket_id, a.metric, a.timestamp AS applied_at,
           CASE WHEN a.due <= ? THEN 1 ELSE 0 END AS breached,
           CASE WHEN a.due <= ? THEN 'breached' WHEN a.ful IS NOT NULL THEN 'fulfilled'
                ELSE 'running' END AS outcome,
           {_value_at("priority")} AS priority,
           {_value_at("group_id")} AS group_id
    FROM a WHERE a.timestamp IS NOT NULL
)
"""


def aggregates(url: str, as_of: int) -> dict[str, Any]:
    """The report's numbers over the whole span of the store, one plain query each."""
    db = Db(url)
    lo, hi = db.q("SELECT MIN(timestamp), MAX(timestamp) FROM ticket_events")[0]
    p = (int(lo), int(hi) + 1)
    step = DAY if p[1] - p[0] <= 21 * DAY else WEEK
    status = _status_rows()
    sla = _sla(db)
    out: dict[str, Any] = {}
    span = "timestamp >= ? AND timestamp < ?"
    applied = "applied_at >= ? AND applied_at < ?"
    out["totals"] = {
        "audits": db.q(f"SELECT COUNT(*) FROM ticket_events WHERE {span}", p)[0][0],
        "tickets": db.q(f"SELECT COUNT(DISTINCT ticket_id) FROM ticket_events WHERE {span}", p)[0][
            0
        ],
        "metric_events": db.q(f"SELECT COUNT(*) FROM ticket_metric_events WHERE {span}", p)[0][0],
        "sla_instances": db.q(f"{sla} SELECT COUNT(*) FROM o WHERE {applied}", (as_of, as_of, *p))[
            0
        ][0],
    }
    out["events_per_day"] = sorted(
        (int(d), _text(v), int(n))
        for d, v, n in db.q(
            f"SELECT {_floor('timestamp', DAY)}, via, COUNT(*) FROM ticket_events "
            "WHERE timestamp >= ? AND timestamp < ? GROUP BY 1, 2",
            p,
        )
    )
    out["transitions"] = sorted(
        (
            (_text(a), _text(b), int(n))
            for a, b, n in db.q(
                "SELECT CASE WHEN rn > 1 THEN before ELSE previous_value END, value, COUNT(*) "
                f"FROM ({status}) s WHERE (rn > 1 OR event_type = 'Change') "
                "AND timestamp >= ? AND timestamp < ? GROUP BY 1, 2",
                p,
            )
        ),
        key=lambda r: (-r[2], r[0], r[1]),
    )
    durations = (
        f"SELECT value AS status, next_ts - timestamp AS seconds FROM ({status}) s "
        "WHERE next_ts IS NOT NULL AND next_ts >= ? AND next_ts < ?"
    )
    out["status_buckets"] = sorted(
        (_text(s), int(b), int(n))
        for s, b, n in db.q(
            f"SELECT status, {_case('seconds', DURATIONS)}, COUNT(*) FROM ({durations}) d "
            "GROUP BY 1, 2",
            p,
        )
    )
    ranks = ", ".join(
        f"MAX(CASE WHEN rn = ({k} * n + 99) / 100 THEN seconds END)" for k in (25, 50, 75, 90)
    )
    out["status_stats"] = sorted(
        (_text(r[0]), *(int(v) for v in r[1:]))
        for r in db.q(
            f"SELECT status, MAX(n), SUM(seconds), {ranks} FROM (SELECT status, seconds, "
            "ROW_NUMBER() OVER (PARTITION BY status ORDER BY seconds) AS rn, "
            f"COUNT(*) OVER (PARTITION BY status) AS n FROM ({durations}) d) x GROUP BY status",
            p,
        )
    )
    decided = "applied_at >= ? AND applied_at < ? AND outcome <> 'running'"
    for name, key in (("metric", "metric"), ("priority", "priority")):
        out[f"sla_by_{name}"] = sorted(
            (int(s), _text(k), int(n), int(b))
            for s, k, n, b in db.q(
                f"{sla} SELECT {_floor('applied_at', step)}, {key}, COUNT(*), SUM(breached) "
                f"FROM o WHERE {decided} GROUP BY 1, 2",
                (as_of, as_of, *p),
            )
        )
    groups = (
        "CASE WHEN o.group_id IS NULL THEN '(none)' ELSE COALESCE(g.name, 'group ' || o.group_id) "
        "END"
    )
    join = "LEFT JOIN groups g ON CAST(g.id AS TEXT) = o.group_id"
    out["sla_by_group"] = sorted(
        (int(s), str(k), int(n), int(b))
        for s, k, n, b in db.q(
            f"{sla} SELECT {_floor('applied_at', step)}, {groups}, COUNT(*), SUM(breached) "
            f"FROM o {join} WHERE {decided} GROUP BY 1, 2",
            (as_of, as_of, *p),
        )
    )
    out["sla_running"] = sorted(
        (str(k), int(n))
        for k, n in db.q(
            f"{sla} SELECT metric, COUNT(*) FROM o WHERE applied_at >= ? AND applied_at < ? "
            "AND outcome = 'running' GROUP BY metric",
            (as_of, as_of, *p),
        )
    )
    name = (
        "CASE WHEN c.field_id = 0 THEN c.field "
        "ELSE COALESCE(f.title, 'custom_ticket_fields.' || CAST(c.field_id AS TEXT)) END"
    )
    out["field_changes"] = sorted(
        (_text(f), _text(v), int(n))
        for f, v, n in db.q(
            f"SELECT {name}, COALESCE(c.via, e.via), COUNT(*) FROM ticket_field_changes c "
            "LEFT JOIN ticket_events e ON e.id = c.audit_id "
            "LEFT JOIN ticket_fields f ON c.field_id <> 0 AND f.id = c.field_id "
            "WHERE c.event_type = 'Change' AND c.timestamp >= ? AND c.timestamp < ? "
            "GROUP BY 1, 2",
            p,
        )
    )
    out["late_metric_events"] = sorted(
        (int(d), int(b), int(n))
        for d, b, n in db.q(
            f"SELECT {_floor('timestamp', DAY)}, "
            f"{_case('COALESCE(visible_at, timestamp) - timestamp', LATENESS)}, COUNT(*) "
            "FROM ticket_metric_events WHERE timestamp >= ? AND timestamp < ? GROUP BY 1, 2",
            p,
        )
    )
    out["current_status"] = sorted(
        (_text(s), int(n))
        for s, n in db.q(
            "SELECT s.value, COUNT(*) FROM (SELECT DISTINCT ticket_id FROM ticket_events) t "
            f"LEFT JOIN ({status}) s ON s.ticket_id = t.ticket_id AND s.next_ts IS NULL "
            "GROUP BY s.value",
        )
    )
    db.conn.close()
    return out


if __name__ == "__main__":
    result = aggregates(sys.argv[1], int(sys.argv[2]))
    sys.stdout.write(orjson.dumps(result).decode() + "\n")
