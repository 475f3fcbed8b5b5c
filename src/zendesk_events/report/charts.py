"""One section of the report per question: a Plotly figure, the same numbers as tables, and
the period they cover.

Every label that comes from the data (channels, field titles, group names) is HTML-escaped
before it reaches Plotly, which otherwise renders a subset of HTML tags found in text.
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import plotly.graph_objects as go

from zendesk_events.store.analysis import DAY, DURATION_BUCKETS, LATENESS_BUCKETS, ReportData

__all__ = ["NumberTable", "Section", "duration", "sections", "when"]

TOP_FIELDS = 15
TOP_GROUPS = 8
TOP_TRANSITIONS = 20


@dataclass(frozen=True, slots=True)
class NumberTable:
    """A table of the chart's numbers (cells already formatted as text).

    The first ``labels`` columns name the row (left-aligned); the rest are numbers.
    """

    caption: str
    headers: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]
    labels: int = 1


@dataclass(frozen=True, slots=True)
class Section:
    """One chart of the report with its numbers.

    Attributes:
        key: the HTML id stem (``chart-<key>``).
        title: the question it answers.
        period: the sentence saying what period (and which rows) it covers.
        note: how the numbers are defined.
        figure: the Plotly figure, or None when the period holds no data for it.
        tables: the numbers drawn, as tables.
    """

    key: str
    title: str
    period: str
    note: str
    figure: Any
    tables: list[NumberTable] = field(default_factory=list)


def when(ts: int | None, *, date_only: bool = False) -> str:
    """An epoch second as UTC text (``—`` for unknown)."""
    if ts is None:
        return "—"
    moment = datetime.fromtimestamp(ts, tz=UTC)
    return moment.strftime("%Y-%m-%d" if date_only else "%Y-%m-%d %H:%M UTC")


def duration(seconds: float) -> str:
    """Seconds as a short human duration (``45 s``, ``12 min``, ``3.5 h``, ``2.1 days``)."""
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < DAY:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / DAY:.1f} days"


def _label(text: str) -> str:
    return html.escape(text, quote=False)


def _layout(fig: Any, *, y: str, x: str = "", barmode: str | None = None) -> Any:
    fig.update_layout(
        template="plotly_white",
        margin={"l": 60, "r": 20, "t": 20, "b": 50},
        height=380,
        legend={"orientation": "h", "y": -0.18},
        yaxis_title=y,
        xaxis_title=x,
        **({"barmode": barmode} if barmode else {}),
    )
    return fig


def _day(ts: int) -> str:
    return when(ts, date_only=True)


def _pct(breached: int, decided: int) -> str:
    return f"{100 * breached / decided:.1f} %" if decided else "—"


def _events_per_day(data: ReportData, period: str) -> Section:
    days = sorted({d for d, _, _ in data.events_per_day})
    channels = sorted({c for _, c, _ in data.events_per_day})
    counts = {(d, c): n for d, c, n in data.events_per_day}
    fig = None
    if days:
        fig = go.Figure(
            [
                go.Bar(
                    name=_label(c),
                    x=[_day(d) for d in days],
                    y=[counts.get((d, c), 0) for d in days],
                )
                for c in channels
            ]
        )
        _layout(fig, y="ticket events (audits)", barmode="stack")
    rows = [
        (
            _day(d),
            *(str(counts.get((d, c), 0)) for c in channels),
            str(sum(counts.get((d, c), 0) for c in channels)),
        )
        for d in days
    ]
    return Section(
        "events-per-day",
        "Ticket events per day, by channel",
        period,
        "Each ticket event (an audit: one update of a ticket) counted on its UTC day, by its "
        "channel (the event's via: Web form, Mail, API, Rule, ...).",
        fig,
        [NumberTable("audits per day", ("day", *channels, "total"), rows)],
    )


def _transitions(data: ReportData, period: str) -> Section:
    top = data.transitions[:TOP_TRANSITIONS]
    fig = None
    if top:
        names = [f"{_label(a)} → {_label(b)}" for a, b, _ in reversed(top)]
        fig = go.Figure(go.Bar(x=[n for _, _, n in reversed(top)], y=names, orientation="h"))
        _layout(fig, y="", x="transitions")
        fig.update_layout(height=max(300, 26 * len(top) + 80))
    return Section(
        "status-transitions",
        "Status transitions",
        period,
        "A transition is a status period that ended: from its status to the next one set by a "
        "Create or Change event (any updater, rules and automations included). Two changes in "
        f"one update count as two transitions. The chart shows the {TOP_TRANSITIONS} most "
        "frequent; the table lists all.",
        fig,
        [
            NumberTable(
                "transitions",
                ("from", "to", "count"),
                [(a, b, str(n)) for a, b, n in data.transitions],
                labels=2,
            )
        ],
    )


def _time_in_status(data: ReportData, period: str) -> Section:
    statuses = sorted({s for s, _, _ in data.status_buckets})
    counts = {(s, b): n for s, b, n in data.status_buckets}
    labels = [label for label, _ in DURATION_BUCKETS]
    fig = None
    if statuses:
        fig = go.Figure(
            [
                go.Bar(
                    name=_label(s),
                    x=labels,
                    y=[counts.get((s, i), 0) for i in range(len(labels))],
                )
                for s in statuses
            ]
        )
        _layout(fig, y="status periods", x="time in status", barmode="group")
    stats = [
        (s, str(n), duration(total / n), duration(p25), duration(p50), duration(p75), duration(p90))
        for s, n, total, p25, p50, p75, p90 in data.status_stats
    ]
    buckets = [(s, *(str(counts.get((s, i), 0)) for i in range(len(labels)))) for s in statuses]
    return Section(
        "time-in-status",
        "Time in each status",
        period,
        "Finished status periods (from the change that set a status to the next status change), "
        "in calendar seconds, by how long they lasted. Percentiles are nearest-rank. The current "
        "period of each ticket, and a first period whose start the export does not hold, are "
        "left out.",
        fig,
        [
            NumberTable(
                "per status",
                ("status", "periods", "mean", "p25", "median", "p75", "p90"),
                stats,
            ),
            NumberTable("periods by duration", ("status", *labels), buckets),
        ],
    )


def _sla_series(
    key: str,
    column: str,
    what: str,
    series: Sequence[tuple[int, str, int, int]],
    data: ReportData,
    period: str,
    *,
    top: int | None = None,
) -> Section:
    totals: dict[str, int] = defaultdict(int)
    for _, k, n, _ in series:
        totals[k] += n
    keep = sorted(totals, key=lambda k: (-totals[k], k))
    if top is not None and len(keep) > top:
        kept = set(keep[:top])
        merged: dict[tuple[int, str], list[int]] = {}
        for start, k, n, b in series:
            acc = merged.setdefault((start, k if k in kept else "other"), [0, 0])
            acc[0] += n
            acc[1] += b
        series = sorted((s, k, n, b) for (s, k), (n, b) in merged.items())
    keys = sorted({k for _, k, _, _ in series}, key=lambda k: (-totals.get(k, 0), k))
    starts = sorted({s for s, _, _, _ in series})
    cells = {(s, k): (n, b) for s, k, n, b in series}
    fig = None
    if starts:
        traces = []
        for k in keys:
            xs, ys, texts = [], [], []
            for s in starts:
                n, b = cells.get((s, k), (0, 0))
                if n:
                    xs.append(_day(s))
                    ys.append(round(100 * b / n, 2))
                    texts.append(f"{b} of {n}")
            traces.append(go.Scatter(name=_label(k), x=xs, y=ys, text=texts, mode="lines+markers"))
        fig = go.Figure(traces)
        _layout(fig, y="breached (%)", x="week starting" if data.step != DAY else "day")
        fig.update_yaxes(rangemode="tozero")
    step = "week (from Monday)" if data.step != DAY else "day"
    rows = [
        (_day(s), k, str(n), str(b), _pct(b, n))
        for s in starts
        for k in keys
        for n, b in [cells.get((s, k), (0, 0))]
        if n
    ]
    return Section(
        key,
        f"SLA breach rate per {column}",
        period,
        f"Share of SLA instances (ticket, metric, instance) breached, per {step} of when the "
        f"SLA was applied, {what}. Only decided instances count: breached (a breach event that "
        "is not deleted, due by the analysis time and not after the fulfilment) or fulfilled; "
        "instances still running are left out until decided.",
        fig,
        [
            NumberTable(
                f"per {step}",
                ("week" if data.step != DAY else "day", column, "decided", "breached", "rate"),
                rows,
                labels=2,
            )
        ],
    )


def _field_changes(data: ReportData, period: str) -> Section:
    totals: dict[str, int] = defaultdict(int)
    for f, _, n in data.field_changes:
        totals[f] += n
    fields = sorted(totals, key=lambda f: (-totals[f], f))
    shown = list(reversed(fields[:TOP_FIELDS]))
    channels = sorted({c for _, c, _ in data.field_changes})
    counts = {(f, c): n for f, c, n in data.field_changes}
    fig = None
    if shown:
        fig = go.Figure(
            [
                go.Bar(
                    name=_label(c),
                    y=[_label(f) for f in shown],
                    x=[counts.get((f, c), 0) for f in shown],
                    orientation="h",
                )
                for c in channels
            ]
        )
        _layout(fig, y="", x="changes", barmode="stack")
        fig.update_layout(height=max(300, 26 * len(shown) + 100))
    rows = [(f, str(totals[f]), *(str(counts.get((f, c), 0)) for c in channels)) for f in fields]
    return Section(
        "field-changes",
        "Most-changed fields, by channel",
        period,
        "Change events per field (Create events that set a new ticket's fields are not counted), "
        "by the channel of the change. Custom fields are named by their title in ticket_fields "
        f"where known. The chart shows the {TOP_FIELDS} most changed fields; the table lists all.",
        fig,
        [NumberTable("changes per field", ("field", "total", *channels), rows)],
    )


_LATENESS_COLOURS = ("#7b8794", "#3ebd93", "#f7c948", "#f0b429", "#e66a6a", "#ab091e")
"""Written ahead in grey, on time in green, then warmer the later."""


def _late_events(data: ReportData, period: str) -> Section:
    labels = [label for label, _ in LATENESS_BUCKETS]
    days = sorted({d for d, _, _ in data.late_metric_events})
    counts = {(d, b): n for d, b, n in data.late_metric_events}
    fig = None
    if days:
        fig = go.Figure(
            [
                go.Bar(
                    name=_label(label),
                    x=[_day(d) for d in days],
                    y=[counts.get((d, i), 0) for d in days],
                    marker_color=_LATENESS_COLOURS[i],
                )
                for i, label in enumerate(labels)
            ]
        )
        _layout(fig, y="metric events", barmode="stack")
    totals = [
        (label, str(sum(counts.get((d, i), 0) for d in days))) for i, label in enumerate(labels)
    ]
    per_day = [(_day(d), *(str(counts.get((d, i), 0)) for i in range(len(labels)))) for d in days]
    return Section(
        "late-metric-events",
        "Late-arriving metric events",
        period,
        "Ticket metric events by how long after their own time the store first held them "
        "(visible_at − time). Zendesk writes some events minutes after the change behind them, "
        'back-dated, and breach events ahead of their time ("written ahead"). For a store '
        "filled by a sync this is when the sync wrote the event: a first backfill fetches "
        "everything late.",
        fig,
        [
            NumberTable("events by lateness", ("lateness", "events"), totals),
            NumberTable("per day", ("day", *labels), per_day),
        ],
    )


def _current_status(data: ReportData) -> Section:
    fig = None
    if data.current_status:
        fig = go.Figure(
            go.Bar(
                x=[_label(s) for s, _ in data.current_status],
                y=[n for _, n in data.current_status],
            )
        )
        _layout(fig, y="tickets")
    return Section(
        "current-status",
        "Tickets by current status",
        "Now: every ticket's latest status folded from all stored events (not limited to the "
        "period).",
        "From ticket_snapshot: each field's value is the one its latest Create or Change set.",
        fig,
        [
            NumberTable(
                "tickets", ("status", "tickets"), [(s, str(n)) for s, n in data.current_status]
            )
        ],
    )


def sections(data: ReportData) -> list[Section]:
    """Every section of the report, in reading order."""
    span = f"{when(data.since)} to {when(data.until)}"
    events = f"Ticket events from {span}."
    ended = f"Status periods that ended from {span}."
    as_of = when(data.as_of)
    applied = f"SLAs applied from {span}; breaches judged as of {as_of}."
    return [
        _events_per_day(data, events),
        _transitions(data, ended),
        _time_in_status(data, ended),
        _sla_series(
            "sla-metric",
            "metric",
            "by metric",
            data.sla_by_metric,
            data,
            applied,
        ),
        _sla_series(
            "sla-priority",
            "priority",
            "by ticket priority when the SLA was applied",
            data.sla_by_priority,
            data,
            applied,
        ),
        _sla_series(
            "sla-group",
            "group",
            f"by the ticket's group when the SLA was applied (the {TOP_GROUPS} largest; the rest "
            "as other)",
            data.sla_by_group,
            data,
            applied,
            top=TOP_GROUPS,
        ),
        _field_changes(data, f"Field changes from {span}."),
        _late_events(data, f"Metric events whose time lies from {span}."),
        _current_status(data),
    ]
