"""`zendesk-events report`: the analysis as one self-contained HTML file."""

from __future__ import annotations

import click

from zendesk_events.cli.analyze import describe, open_existing_store, progress_bar
from zendesk_events.cli.params import Time
from zendesk_events.errors import ConfigError
from zendesk_events.extras import require
from zendesk_events.report import render_report, write_report
from zendesk_events.store import DEFAULT_DB
from zendesk_events.timeutil import epoch_to_iso


@click.command("report")
@click.option(
    "--to",
    "--db",
    "target",
    default=DEFAULT_DB,
    show_default=True,
    help="The store to report on: SQLite path or postgresql:// URL (the postgres extra).",
)
@click.option(
    "--out",
    default="report.html",
    show_default=True,
    help="The HTML file to write (replaced if it exists; readable by you only).",
)
@click.option(
    "--since",
    default=None,
    type=Time(),
    help="Start of the period: epoch seconds, ISO date/time or a span back from now (30d). "
    "Default: the first stored event.",
)
@click.option(
    "--until",
    default=None,
    type=Time(),
    help="End of the period (exclusive), in the same forms. Default: just after the last "
    "stored ticket event.",
)
@click.option(
    "--no-analyze",
    "no_analyze",
    is_flag=True,
    help="Use the analysis tables as they are instead of bringing them up to date first.",
)
def command(target: str, out: str, since: int | None, until: int | None, no_analyze: bool) -> None:
    """Write an HTML report of what changed, when, by whom, and the SLAs.

    One file with everything inline (it opens offline): ticket events per day by channel,
    status transitions, time in each status, SLA breach rates per metric, priority and group
    over time, the most-changed fields, late-arriving metric events and tickets by current
    status. Each chart has its numbers in a table beside it and says what period it covers.
    The analysis tables are first brought up to date (as `analyze` does, incrementally).
    Needs Plotly: pip install 'zendesk-events[report]'.
    """
    require("report", "zendesk-events report")
    lo, hi = since, until
    if lo is not None and hi is not None and hi <= lo:
        raise ConfigError(
            f"--until ({epoch_to_iso(hi)}) must be after --since ({epoch_to_iso(lo)})"
        )
    with open_existing_store(target) as store:
        if not no_analyze:
            with progress_bar("analysing tickets") as progress:
                run = store.analysis.update(progress=progress)
            for line in describe(run, store.url)[:1]:
                click.echo(line)
        elif store.analysis.built() is None:
            raise ConfigError(f"{store.url} was never analysed: run without --no-analyze")
        data = store.analysis.report_data(lo, hi)
        document = render_report(data, store=store.url)
    path = write_report(out, document)
    click.echo(
        f"wrote {path} ({len(document.encode()) / 1e6:.1f} MB): "
        f"{epoch_to_iso(data.since)} .. {epoch_to_iso(data.until)}"
    )
    click.echo(f"open it in a browser: {path.resolve().as_uri()}")
