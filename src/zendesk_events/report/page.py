"""The report as one self-contained HTML file: Plotly's JavaScript inline, no request needed.

Plotly.js goes in once, in ``<head>``; each chart is a ``<div>`` plus the small script that
draws it. Nothing else is loaded: no fonts, no images, no stylesheet from elsewhere, so the
file opens offline and can be mailed or archived as it is.
"""

from __future__ import annotations

import html
from typing import Any

import plotly.io as pio
from plotly.offline import get_plotlyjs

from zendesk_events.report.charts import NumberTable, Section, sections, when
from zendesk_events.store.analysis import ReportData

__all__ = ["render"]

_PLOT_CONFIG = {"displaylogo": False, "responsive": True}

_CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       margin: 0; color: #1f2933; background: #f5f7fa; }
header { background: #1f2933; color: #f5f7fa; padding: 20px 32px; }
header h1 { margin: 0 0 6px; font-size: 22px; }
header p { margin: 2px 0; color: #cbd2d9; }
main { padding: 8px 32px 40px; }
dl.totals { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0; }
dl.totals div { background: #fff; border-radius: 6px; padding: 10px 16px;
                box-shadow: 0 1px 2px rgba(0,0,0,.08); }
dl.totals dt { color: #616e7c; font-size: 12px; }
dl.totals dd { margin: 0; font-size: 20px; font-weight: 600; }
section { background: #fff; border-radius: 8px; margin: 20px 0; padding: 16px 20px;
          box-shadow: 0 1px 3px rgba(0,0,0,.08); }
section h2 { margin: 0 0 4px; font-size: 18px; }
p.period { margin: 0 0 4px; color: #3e4c59; font-weight: 600; }
p.note { margin: 4px 0 0; color: #616e7c; font-size: 13px; }
.row { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 20px;
       align-items: start; margin-top: 10px; }
@media (max-width: 1000px) { .row { grid-template-columns: minmax(0, 1fr); } }
.chart { min-height: 300px; }
.empty { color: #616e7c; font-style: italic; padding: 40px 0; text-align: center; }
.numbers { max-height: 420px; overflow: auto; }
table { border-collapse: collapse; width: 100%; font-size: 12.5px; margin-bottom: 12px; }
caption { text-align: left; font-weight: 600; padding: 2px 0 6px; color: #3e4c59; }
th, td { border-bottom: 1px solid #e4e7eb; padding: 3px 8px; text-align: right;
         white-space: nowrap; }
th.label, td.label { text-align: left; }
thead th { position: sticky; top: 0; background: #f5f7fa; }
"""


def _table(table: NumberTable) -> str:
    def cell(tag: str, i: int, text: str) -> str:
        align = ' class="label"' if i < table.labels else ""
        return f"<{tag}{align}>{html.escape(text)}</{tag}>"

    head = "".join(cell("th", i, h) for i, h in enumerate(table.headers))
    body = "".join(
        "<tr>" + "".join(cell("td", i, c) for i, c in enumerate(row)) + "</tr>"
        for row in table.rows
    )
    if not table.rows:
        body = f'<tr><td colspan="{len(table.headers)}">no rows</td></tr>'
    return (
        f"<table><caption>{html.escape(table.caption)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _chart(section: Section) -> str:
    div = f"chart-{section.key}"
    if section.figure is None:
        return f'<div class="chart empty" id="{div}">No data in this period.</div>'
    plot: str = pio.to_html(
        section.figure,
        include_plotlyjs=False,
        full_html=False,
        div_id=div,
        config=_PLOT_CONFIG,
        default_height=section.figure.layout.height or 380,
    )
    return f'<div class="chart">{plot}</div>'


def _section(section: Section) -> str:
    tables = "".join(_table(t) for t in section.tables)
    return (
        f'<section id="{section.key}">'
        f"<h2>{html.escape(section.title)}</h2>"
        f'<p class="period">{html.escape(section.period)}</p>'
        f'<div class="row">{_chart(section)}<div class="numbers">{tables}</div></div>'
        f'<p class="note">{html.escape(section.note)}</p>'
        "</section>"
    )


def render(data: ReportData, *, store: str, generated_at: int) -> str:
    """The whole report for ``data`` (``store``: the store's URL without its password)."""
    totals: list[tuple[str, Any]] = [
        ("ticket events", data.totals["audits"]),
        ("tickets updated", data.totals["tickets"]),
        ("metric events", data.totals["metric_events"]),
        ("SLA instances applied", data.totals["sla_instances"]),
    ]
    cards = "".join(f"<div><dt>{html.escape(k)}</dt><dd>{v:,}</dd></div>" for k, v in totals)
    body = "".join(_section(s) for s in sections(data))
    built = (
        "never analysed"
        if data.built_at is None
        else f"analysis tables built {when(data.built_at)}, SLA breaches judged as of "
        f"{when(data.as_of)}"
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>zendesk-events report</title>"
        f"<style>{_CSS}</style>"
        f'<script type="text/javascript">{get_plotlyjs()}</script>'
        "</head><body>"
        "<header><h1>Zendesk ticket events: what changed, when, by whom, and the SLAs</h1>"
        f"<p>Period: {html.escape(when(data.since))} to {html.escape(when(data.until))}</p>"
        f"<p>Store: {html.escape(store)} · {html.escape(built)} · "
        f"report written {html.escape(when(generated_at))}</p></header>"
        f'<main><dl class="totals">{cards}</dl>{body}</main>'
        "</body></html>\n"
    )
