"""`zendesk-events status`: what a sync target holds: cursors, row counts, last runs."""

from __future__ import annotations

import click

from zendesk_events.sync import DEFAULT_TARGET, SqlSink, open_sink
from zendesk_events.timeutil import epoch_to_iso


@click.command("status")
@click.option(
    "--to",
    "--db",
    "target",
    default=DEFAULT_TARGET,
    show_default=True,
    help="The sync target to inspect: SQLite path, postgresql://… or a .jsonl file.",
)
def command(target: str) -> None:
    """Show each stream's cursor, whether it caught up, row counts and the last run."""
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
    click.echo("rows: " + ", ".join(f"{t} {n:,}" for t, n in status.counts.items()))
    if deferred:
        click.echo(
            "per-ticket indexes: deferred by an unfinished first backfill; "
            "the next sync builds them when it catches up"
        )
