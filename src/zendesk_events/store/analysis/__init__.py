"""Analysis tables derived from the stored events, and the aggregates the report draws.

``analyze`` builds four tables, incrementally (see ``build.py`` for how and why):

``ticket_field_history``
    One row per ticket, field and period: the value a field held from ``valid_from`` until
    ``valid_to`` (epoch seconds; NULL = still current), the change that set it (``event_type``
    Create/Change, ``updater_id`` of its audit, ``via`` of the child event, ``audit_id``,
    ``change_id``). Custom fields are one history per field id (``field`` =
    ``custom_ticket_fields``, ``field_id`` = the id) and ``field_name`` is the field's title from
    ``ticket_fields`` where known, else ``custom_ticket_fields.<id>``; other fields are named by
    their key. Periods of one field follow its changes in (time, audit id, child id) order, so
    two changes in one audit give a zero-length period. When the first change stored is a
    Change (the export began after the ticket was created), its ``previous_value`` opens period
    ``seq`` 0 with an unknown start (``valid_from`` NULL).
``ticket_status_periods``
    The periods of the ``status`` field (``seq`` as in the history): ``status``, ``started_at``,
    ``ended_at``, ``seconds`` = ended − started in calendar seconds (NULL while current or when
    the start is unknown), ``next_status``, and who set the status (``updater_id``, ``via``).
    Every Create or Change child event that carries a ``status`` key counts, whoever made it
    (agent, requester, trigger, automation); ``custom_status_id`` changes alone do not.
``sla_outcomes``
    One row per ticket, metric and instance (``instance_id`` > 0) that an ``apply_sla`` or
    ``apply_group_sla`` event targets. The latest apply event (by time, then id) gives ``kind``
    (``sla``/``group_sla``), the policy (``policy_id`` as text: SLA policy ids are integers,
    group SLA policy ids strings), ``target_minutes``, ``target_seconds``
    (``target_in_seconds``, else target × 60), ``business_hours`` and ``applied_at``.
    ``activated_at``: the instance's first ``activate``. ``fulfilled_at``: its last ``fulfill``,
    unless an ``activate`` comes later (the metric runs again). ``breach_at``: the earliest
    ``breach`` event that is not ``deleted`` and not after ``fulfilled_at`` (Zendesk writes the
    breach in advance and deletes it when the target is met first; one still undeleted but
    later than the fulfilment cannot have happened). ``breached``: ``breach_at`` ≤ ``as_of``;
    ``breached_at``: ``breach_at`` when breached. ``outcome``: ``breached``, else ``fulfilled``
    when fulfilled, else ``running`` (a running instance whose breach is due after ``as_of`` is
    not breached yet). ``fulfil_seconds``: ``fulfilled_at`` − ``activated_at`` (calendar
    seconds, pauses included); ``calendar_minutes``/``business_minutes``: Zendesk's own
    measurement from the instance's last ``update_status``. ``priority`` and ``group_id``: the
    ticket's values when the SLA was applied (from the field history).
``ticket_snapshot``
    One row per ticket with ticket events: each field's latest value (see ``snapshot.py``),
    ``created_at`` (its first Create), ``updated_at`` (its last audit), ``audits``, ``via`` (the
    first audit's channel) and ``last_updater_id``.

``as_of`` defaults to until when the store knows the metric stream: for a store a sync filled,
when the sync last wrote its cursor having caught up (or the cursor itself while it is still
catching up); otherwise the current time. Metric events written late can still change an
outcome after that: the next sync re-reads them and the next ``analyze`` rebuilds those tickets.
"""

from __future__ import annotations

import time

from zendesk_events.errors import ConfigError
from zendesk_events.store.analysis.aggregates import (
    DAY,
    DURATION_BUCKETS,
    LATENESS_BUCKETS,
    WEEK,
    ReportData,
    collect,
    default_period,
)
from zendesk_events.store.analysis.build import (
    ANALYSIS_VERSION,
    BATCH_TICKETS,
    AnalysisRun,
    Builder,
    Progress,
)
from zendesk_events.store.analysis.sql import ANALYSIS_TABLES
from zendesk_events.store.database import Database
from zendesk_events.timeutil import epoch_to_iso, iso_to_epoch

__all__ = [
    "ANALYSIS_TABLES",
    "ANALYSIS_VERSION",
    "DAY",
    "DURATION_BUCKETS",
    "LATENESS_BUCKETS",
    "WEEK",
    "AnalysisRun",
    "AnalysisStore",
    "Progress",
    "ReportData",
]


class AnalysisStore:
    """The analysis tables of one database: build them, and read the report's numbers."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def default_as_of(self) -> int:
        """Until when the store knows the metric stream.

        A sync that caught up knows everything Zendesk exported up to when it wrote its cursor;
        one still catching up knows everything before its cursor; a store no sync filled (the
        emulator's) is judged as of now.
        """
        rows = self.db.query(
            "SELECT start_time, caught_up, updated_at FROM sync_state "
            "WHERE stream = 'ticket_metric_events'"
        )
        if not rows:
            return int(time.time())
        start_time, caught_up, updated_at = rows[0]
        if caught_up and updated_at:
            try:
                return max(int(start_time), iso_to_epoch(str(updated_at)))
            except ValueError:
                pass
        return int(start_time)

    def update(
        self,
        *,
        full: bool = False,
        as_of: int | None = None,
        progress: Progress | None = None,
        batch_tickets: int = BATCH_TICKETS,
    ) -> AnalysisRun:
        """Bring the analysis tables up to date with the stored events.

        Args:
            full: rebuild every ticket instead of only those whose events changed.
            as_of: judge SLA breaches as of this time (epoch seconds; default
                :meth:`default_as_of`).
            progress: called with (tickets rebuilt, tickets to rebuild) after each batch.
            batch_tickets: tickets rebuilt per transaction.

        Raises:
            StoreError: the database failed.
        """
        when = self.default_as_of() if as_of is None else as_of
        return Builder(self.db, batch_tickets=batch_tickets).run(
            as_of=when, full=full, progress=progress
        )

    def counts(self) -> dict[str, int]:
        """Rows per analysis table."""
        return Builder(self.db).counts()

    def built(self) -> tuple[int, int] | None:
        """(as_of, built_at) of the last completed run, or None if never built."""
        state = Builder(self.db).state()
        if state["version"] is None or state["built_at"] is None:
            return None
        return int(state["as_of"]), int(state["built_at"])

    def period(self) -> tuple[int, int] | None:
        """The span of the stored events ``[first, last + 1)`` (None when there are none)."""
        return default_period(self.db)

    def report_data(self, since: int | None = None, until: int | None = None) -> ReportData:
        """The report's numbers for ``[since, until)`` (default: the span of the events).

        Raises:
            ConfigError: the period is empty (``until`` not after ``since``).
        """
        now = int(time.time())
        span = self.period() or (now, now + 1)
        lo = span[0] if since is None else since
        hi = span[1] if until is None else until
        if hi <= lo:
            raise ConfigError(
                f"the period {epoch_to_iso(lo)} .. {epoch_to_iso(hi)} is empty: "
                "the stored events end before it begins (use --until, or an earlier --since)"
            )
        built = self.built()
        return collect(
            self.db,
            lo,
            hi,
            as_of=None if built is None else built[0],
            built_at=None if built is None else built[1],
        )
