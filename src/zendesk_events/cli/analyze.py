"""`zendesk-events analyze`: build or update the analysis tables of a store."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from zendesk_events.cli.params import Time
from zendesk_events.errors import ConfigError
from zendesk_events.store import DEFAULT_DB, Store, open_store, redact_url
from zendesk_events.store.analysis import AnalysisRun
from zendesk_events.timeutil import epoch_to_iso


def open_existing_store(target: str) -> Store:
    """The SQL store at ``target``; a missing SQLite file or a JSON Lines file is a ConfigError."""
    if target.endswith(".jsonl") or target == "-":
        raise ConfigError(
            f"{target} is a JSON Lines target: analysis needs a SQLite or PostgreSQL store "
            "(sync --to store.db or --to postgresql://...)"
        )
    is_file = target.startswith("sqlite:///") or "://" not in target
    if is_file and not Path(target.removeprefix("sqlite:///")).expanduser().is_file():
        raise ConfigError(f"no store at {redact_url(target)} (sync or seed into it first)")
    return open_store(target)


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar on stderr when it is a terminal (nothing otherwise)."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def describe(run: AnalysisRun, store: str) -> list[str]:
    """What a run did, as the lines ``analyze`` (and ``report``) print."""
    how = "full rebuild" if run.full else "incremental"
    lines = [
        f"analysed {store}: {run.tickets:,} ticket{'' if run.tickets == 1 else 's'} rebuilt "
        f"({how}) in {run.seconds:.1f} s; SLA breaches judged as of {epoch_to_iso(run.as_of)}"
    ]
    if run.renamed:
        lines.append("  custom fields renamed from ticket_fields")
    lines += [f"  {table:<22} {rows:>12,} rows" for table, rows in run.rows.items()]
    return lines


@click.command("analyze")
@click.option(
    "--to",
    "--db",
    "target",
    default=DEFAULT_DB,
    show_default=True,
    help="The store to analyse: SQLite path or postgresql:// URL (as given to sync --to; "
    "PostgreSQL needs the postgres extra).",
)
@click.option(
    "--full",
    is_flag=True,
    help="Rebuild every ticket instead of only those whose events changed since the last run.",
)
@click.option(
    "--as-of",
    "as_of",
    default=None,
    type=Time(),
    help="Judge SLA breaches as of this time: epoch seconds, ISO date/time or a span back "
    "from now (2h). Default: until when the store knows the metric stream (when the last sync "
    "caught up, or its cursor while it catches up); now for a store no sync filled.",
)
def command(target: str, full: bool, as_of: int | None) -> None:
    """Build or update the analysis tables from the stored events.

    \b
    Tables (see the README for every column):
      ticket_field_history   one row per ticket, field and period (value, valid_from,
                             valid_to, changed by, via); custom fields named from ticket_fields
      ticket_status_periods  time in each status per ticket, calendar seconds
      sla_outcomes           one row per ticket, SLA metric and instance: policy, target,
                             applied/fulfilled/breached at, breached or not, time to fulfil
      ticket_snapshot        each ticket's current fields folded from its events

    Incremental: only tickets whose events changed since the last run are rebuilt (late
    metric events and breaches turned deleted included); the result equals a full rebuild.
    """
    with open_existing_store(target) as store:
        with progress_bar("analysing tickets") as progress:
            run = store.analysis.update(full=full, as_of=as_of, progress=progress)
        for line in describe(run, store.url):
            click.echo(line)
