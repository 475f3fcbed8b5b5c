"""The statements that derive the analysis tables from the events, for one batch of tickets.

Every statement reads the tickets listed in the batch table (:data:`BATCH`) and writes their
rows; the caller first deletes the batch's old rows, so a ticket is always rebuilt whole from
everything stored about it. The same SQL runs on SQLite and PostgreSQL: window functions,
``WITH ... INSERT`` and ``CASE`` are common to both, and the few differences (reading JSON,
turning text into an integer) come from the helpers below. Orderings that meet NULLs never rely
on a backend's default NULL order, which differs.
"""

from __future__ import annotations

from zendesk_events.store.database import Dialect

__all__ = [
    "ANALYSIS_TABLES",
    "BATCH",
    "FIELD_HISTORY",
    "FINGERPRINTS",
    "IN_BATCH",
    "batch_table",
    "field_names_update",
    "sla_outcomes",
    "sla_time_update",
    "snapshot_audits",
    "snapshot_fields",
    "status_periods",
]

BATCH = "_zde_analysis_batch"
"""Temporary table of the ticket ids being rebuilt."""

IN_BATCH = f"ticket_id IN (SELECT ticket_id FROM {BATCH})"

ANALYSIS_TABLES = (
    "ticket_field_history",
    "ticket_status_periods",
    "sla_outcomes",
    "ticket_snapshot",
)
"""The tables ``analyze`` builds, in build order (status periods and SLA outcomes read the
field history)."""

_FOLD = 2147483647
"""Ids are summed modulo this prime: a fingerprint that never overflows a 64-bit integer."""


def batch_table(d: Dialect) -> str:
    if d == "sqlite":
        return f"CREATE TEMP TABLE IF NOT EXISTS {BATCH} (ticket_id INTEGER PRIMARY KEY)"
    return (
        f"CREATE TEMP TABLE IF NOT EXISTS {BATCH} (ticket_id BIGINT PRIMARY KEY) "
        "ON COMMIT DELETE ROWS"
    )


def _json(d: Dialect, column: str, *path: str) -> str:
    """A JSON value inside a text column: SQLite's native value, PostgreSQL's text."""
    if d == "sqlite":
        return f"json_extract({column}, '$.{'.'.join(path)}')"
    return f"({column}::jsonb #>> '{{{','.join(path)}}}')"


def _json_int(d: Dialect, column: str, *path: str) -> str:
    """A JSON number as a whole number (rounded the same way on both backends)."""
    value = _json(d, column, *path)
    if d == "sqlite":
        return f"CAST(ROUND({value}) AS INTEGER)"
    return f"ROUND({value}::numeric)::bigint"


def _json_true(d: Dialect, column: str, *path: str) -> str:
    value = _json(d, column, *path)
    return f"({value} = 1)" if d == "sqlite" else f"({value} = 'true')"


def _text_int(d: Dialect, expr: str) -> str:
    """A stored plain value as an integer when it is one (ids arrive as text or numbers)."""
    if d == "sqlite":
        return (
            f"CASE WHEN length({expr}) BETWEEN 1 AND 18 AND {expr} NOT GLOB '*[^0-9]*' "
            f"THEN CAST({expr} AS INTEGER) END"
        )
    return f"CASE WHEN {expr} ~ '^[0-9]{{1,18}}$' THEN {expr}::bigint END"


FINGERPRINTS = f"""
SELECT t.ticket_id, t.audits, t.audit_ids, t.metric_events, t.metric_ids, t.metric_deleted
FROM (
    SELECT ticket_id, CAST(SUM(a) AS BIGINT) AS audits, CAST(SUM(b) AS BIGINT) AS audit_ids,
           CAST(SUM(c) AS BIGINT) AS metric_events, CAST(SUM(e) AS BIGINT) AS metric_ids,
           CAST(SUM(f) AS BIGINT) AS metric_deleted
    FROM (
        SELECT ticket_id, COUNT(*) AS a, SUM(id % {_FOLD}) AS b, 0 AS c, 0 AS e, 0 AS f
        FROM ticket_events GROUP BY ticket_id
        UNION ALL
        SELECT ticket_id, 0, 0, COUNT(*), SUM((id % {_FOLD}) + (timestamp % {_FOLD})),
               SUM(CASE WHEN deleted THEN 1 ELSE 0 END)
        FROM ticket_metric_events GROUP BY ticket_id
    ) u
    GROUP BY ticket_id
) t
LEFT JOIN analysis_tickets s ON s.ticket_id = t.ticket_id
WHERE s.ticket_id IS NULL OR s.audits <> t.audits OR s.audit_ids <> t.audit_ids
   OR s.metric_events <> t.metric_events OR s.metric_ids <> t.metric_ids
   OR s.metric_deleted <> t.metric_deleted
ORDER BY t.ticket_id
"""
"""Tickets whose stored events differ from what the analysis last used, with their new
fingerprint: how many audits and metric events, their ids (and metric times) summed, and how
many metric events are ``deleted``. Audits never change once written; a metric event changes
only by turning ``deleted`` (spec §5) or, in principle, by a new ``time``: all of it shows."""

_FIELD_NAME = (
    "CASE WHEN ch.field_id = 0 THEN ch.field "
    "ELSE COALESCE(f.title, 'custom_ticket_fields.' || CAST(ch.field_id AS TEXT)) END"
)

FIELD_HISTORY = f"""
WITH ch AS (
    SELECT c.ticket_id, c.field, c.field_id, c.timestamp, c.audit_id, c.id, c.event_type,
           c.value, c.previous_value, COALESCE(c.via, e.via) AS via, e.updater_id,
           ROW_NUMBER() OVER w AS seq, LEAD(c.timestamp) OVER w AS next_ts
    FROM ticket_field_changes c
    LEFT JOIN ticket_events e ON e.id = c.audit_id
    WHERE c.{IN_BATCH}
    WINDOW w AS (PARTITION BY c.ticket_id, c.field, c.field_id
                 ORDER BY c.timestamp, c.audit_id, c.id)
), named AS (
    SELECT ch.*, {_FIELD_NAME} AS field_name
    FROM ch LEFT JOIN ticket_fields f ON ch.field_id <> 0 AND f.id = ch.field_id
)
INSERT INTO ticket_field_history (ticket_id, field, field_id, seq, field_name, value,
    valid_from, valid_to, event_type, updater_id, via, audit_id, change_id)
SELECT ticket_id, field, field_id, seq, field_name, value, timestamp, next_ts, event_type,
       updater_id, via, audit_id, id
FROM named
UNION ALL
SELECT ticket_id, field, field_id, 0, field_name, previous_value, NULL, timestamp, NULL, NULL,
       NULL, NULL, NULL
FROM named WHERE seq = 1 AND event_type = 'Change'
"""
"""One period per value a field took: from the change that set it to the next change of the
same field (ordered by time, audit id, child id). When the first change we hold is a Change
(the history starts after the ticket was created), its ``previous_value`` opens a period
numbered 0 whose start is unknown."""


def field_names_update() -> str:
    """Re-name custom fields after ``ticket_fields`` changed (a title set or edited)."""
    return (
        "UPDATE ticket_field_history SET field_name = COALESCE("
        "(SELECT f.title FROM ticket_fields f WHERE f.id = ticket_field_history.field_id), "
        "'custom_ticket_fields.' || CAST(field_id AS TEXT)) WHERE field_id <> 0"
    )


def status_periods() -> str:
    """Periods of the ``status`` field, with their length and the status that followed."""
    return f"""
INSERT INTO ticket_status_periods (ticket_id, seq, status, started_at, ended_at, seconds,
    next_status, updater_id, via)
SELECT ticket_id, seq, value, valid_from, valid_to, valid_to - valid_from,
       LEAD(value) OVER (PARTITION BY ticket_id ORDER BY seq), updater_id, via
FROM ticket_field_history
WHERE field = 'status' AND field_id = 0 AND {IN_BATCH}
"""


def _value_at(field: str, ticket: str, at: str) -> str:
    return (
        "(SELECT h.value FROM ticket_field_history h "
        f"WHERE h.ticket_id = {ticket} AND h.field = '{field}' AND h.field_id = 0 "
        f"AND (h.valid_from IS NULL OR h.valid_from <= {at}) "
        f"AND (h.valid_to IS NULL OR h.valid_to > {at}) "
        "ORDER BY h.seq DESC LIMIT 1)"
    )


def sla_outcomes(d: Dialect) -> str:
    """One row per (ticket, metric, instance) that an SLA or group SLA targets.

    Takes one parameter, ``as_of`` (three times): a live breach counts once it is due by then.
    One pass over the batch's metric events: window functions give each event its instance's
    fulfilment, one GROUP BY the instance's times and the ids of its latest apply and
    update_status events, whose JSON is then read by primary key, once.
    """

    def member(column: str, key: str) -> str:
        # The one object the row's JSON is read for, parsed once (the CTE is materialized).
        if d == "sqlite":
            return f"json_extract({column}, '$.' || {key})"
        return f"({column}::jsonb -> {key})"

    keys = "ticket_id, metric, instance_id"
    kind = (
        "CASE WHEN type IN ('apply_sla', 'apply_group_sla') THEN 1 "
        "WHEN type = 'update_status' THEN 2 ELSE 0 END"
    )
    return f"""
WITH m AS (
    SELECT {keys}, type, timestamp, id, deleted, {kind} AS kind,
           MAX(CASE WHEN type = 'activate' THEN timestamp END) OVER k AS last_activate,
           MAX(CASE WHEN type = 'fulfill' THEN timestamp END) OVER k AS last_fulfill,
           ROW_NUMBER() OVER (PARTITION BY {keys}, {kind}
                              ORDER BY timestamp DESC, id DESC) AS latest
    FROM ticket_metric_events
    WHERE {IN_BATCH} AND instance_id > 0
    WINDOW k AS (PARTITION BY {keys})
), e AS (
    SELECT m.*,
           CASE WHEN last_fulfill IS NOT NULL
                 AND (last_activate IS NULL OR last_activate <= last_fulfill)
                THEN last_fulfill END AS fulfilled_at
    FROM m
), i AS (
    SELECT {keys},
           MIN(CASE WHEN type = 'activate' THEN timestamp END) AS activated_at,
           MAX(fulfilled_at) AS fulfilled_at,
           MIN(CASE WHEN type = 'breach' AND NOT deleted
                     AND (fulfilled_at IS NULL OR timestamp <= fulfilled_at)
                    THEN timestamp END) AS breach_at,
           MAX(CASE WHEN kind = 1 AND latest = 1 THEN id END) AS apply_id,
           MAX(CASE WHEN kind = 2 AND latest = 1 THEN id END) AS status_id
    FROM e GROUP BY {keys}
), j AS MATERIALIZED (
    SELECT i.*, a.type AS apply_type, a.timestamp AS applied_at,
           {member("a.raw", "CASE WHEN a.type = 'apply_sla' THEN 'sla' ELSE 'group_sla' END")}
               AS sla,
           {member("s.raw", "'status'")} AS measured
    FROM i
    JOIN ticket_metric_events a ON a.id = i.apply_id
    LEFT JOIN ticket_metric_events s ON s.id = i.status_id
)
INSERT INTO sla_outcomes (ticket_id, metric, instance_id, kind, policy_id, policy_title,
    target_minutes, target_seconds, business_hours, activated_at, applied_at, fulfilled_at,
    breach_at, breached, breached_at, outcome, fulfil_seconds, calendar_minutes,
    business_minutes, priority, group_id)
SELECT ticket_id, metric, instance_id,
       CASE WHEN apply_type = 'apply_sla' THEN 'sla' ELSE 'group_sla' END,
       CAST({_json(d, "sla", "policy", "id")} AS TEXT),
       {_json(d, "sla", "policy", "title")},
       {_json_int(d, "sla", "target")},
       COALESCE({_json_int(d, "sla", "target_in_seconds")}, {_json_int(d, "sla", "target")} * 60),
       {_json_true(d, "sla", "business_hours")},
       activated_at, applied_at, fulfilled_at,
       breach_at,
       CASE WHEN breach_at <= ? THEN TRUE ELSE FALSE END,
       CASE WHEN breach_at <= ? THEN breach_at END,
       CASE WHEN breach_at <= ? THEN 'breached'
            WHEN fulfilled_at IS NOT NULL THEN 'fulfilled' ELSE 'running' END,
       fulfilled_at - activated_at,
       {_json_int(d, "measured", "calendar")},
       {_json_int(d, "measured", "business")},
       {_value_at("priority", "j.ticket_id", "applied_at")},
       {_text_int(d, _value_at("group_id", "j.ticket_id", "applied_at"))}
FROM j
"""


def sla_time_update() -> str:
    """Re-decide the rows whose breach falls between two ``as_of`` times.

    Parameters: the new ``as_of`` (three times), then the lower and upper of the two times.
    """
    return """
UPDATE sla_outcomes SET
    breached = CASE WHEN breach_at <= ? THEN TRUE ELSE FALSE END,
    breached_at = CASE WHEN breach_at <= ? THEN breach_at END,
    outcome = CASE WHEN breach_at <= ? THEN 'breached'
                   WHEN fulfilled_at IS NOT NULL THEN 'fulfilled' ELSE 'running' END
WHERE breach_at > ? AND breach_at <= ?
"""


def snapshot_fields() -> str:
    """The current value of every field of the batch's tickets, and when the ticket began."""
    return f"""
SELECT ticket_id, field, field_id, value, event_type, valid_from
FROM ticket_field_history
WHERE {IN_BATCH} AND (valid_to IS NULL OR event_type = 'Create')
ORDER BY ticket_id, field, field_id, seq
"""


def snapshot_audits() -> str:
    """The batch's audits in order (first channel, last updater, counts)."""
    return f"""
SELECT ticket_id, timestamp, via, updater_id
FROM ticket_events WHERE {IN_BATCH}
ORDER BY ticket_id, timestamp, id
"""
