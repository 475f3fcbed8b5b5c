"""`zendesk-events status`: what a sync target holds: cursors, row counts, last runs."""

from __future__ import annotations

import click

from zendesk_events.cli.progress import late_text
from zendesk_events.store import StreamState
from zendesk_events.sync import DEFAULT_TARGET, SqlSink, open_sink
from zendesk_events.timeutil import epoch_to_iso


@click.command("status")
@click.option(
    "--to",
    "--db",
    "target",
    default=DEFAULT_TARGET,
    show_default=True,
    help="The sync target to inspect: SQLite path, postgresql://… (the postgres extra) or a "
    ".jsonl file.",
)
def command(target: str) -> None:
    """Show each stream's cursor, whether it caught up, row counts, the last run, and the late
    arrivals its look-back found."""
    sink = open_sink(target, create=False)
    try:
        status = sink.status()
        deferred = isinstance(sink, SqlSink) and sink.store.lookup_indexes.deferred
    finally:
        sink.close()
    click.echo(f"target: {status.target} ({status.kind})")
    if not status.streams:
        click.echo("streams: none synced yet")
    sources = sorted({s.source for s in status.streams if s.source})
    if sources:
        click.echo(f"source: {', '.join(sources)}")
    for s in status.streams:
        cp = s.checkpoint
        comments = s.include_comments and s.stream == "ticket_events"
        click.echo(
            f"{s.stream}: cursor {epoch_to_iso(cp.start_time)} ({cp.start_time}), "
            f"{len(cp.boundary_ids)} boundary id{'' if len(cp.boundary_ids) == 1 else 's'}, "
            f"{'caught up' if s.caught_up else 'not caught up'}"
            f"{', with comment_events' if comments else ''}"
        )
        click.echo(
            f"  last run: {s.last_run_started or 'unknown'}, {s.last_run_events:,} events; "
            f"cursor written {s.updated_at}"
        )
        click.echo(f"  {_late_line(s)}")
    click.echo("rows: " + ", ".join(f"{t} {n:,}" for t, n in status.counts.items()))
    if deferred:
        click.echo(
            "per-ticket indexes: deferred by an unfinished first backfill; "
            "the next sync builds them when it catches up"
        )


def _late_line(s: StreamState) -> str:
    """``late arrivals: 17 late (worst 12m 3s behind the cursor), 2 changed; last run 3``."""
    tally = s.late
    found = late_text(tally.late, tally.late_worst, tally.changed)
    if found == "-":
        return "late arrivals: none found by the look-back"
    return f"late arrivals: {found} in all; {tally.run_late:,} late in the last run"
