"""`zendesk-events sync`: export the event streams into a store or JSON Lines, resumably."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import click

from zendesk_events.config import SourceSettings
from zendesk_events.errors import ConfigError
from zendesk_events.events import STREAMS
from zendesk_events.sync import DEFAULT_TARGET, open_sink, run_sync
from zendesk_events.sync.progress import LiveProgress, PlainProgress, summary_lines, summary_table
from zendesk_events.timeutil import parse_since


@click.command("sync")
@click.option(
    "--since",
    default="0",
    show_default=True,
    help="Where the first run starts: epoch seconds, an ISO date/time (2024-01-31) or a span "
    "back from now (30d, 12h). 0 = everything. Ignored once a stream has a stored cursor: "
    "later runs resume from it.",
)
@click.option("--until", default=None, help="Stop at this time (same forms as --since).")
@click.option(
    "--stream",
    "streams",
    multiple=True,
    type=click.Choice(list(STREAMS)),
    help="Stream to export (repeatable). Default: both.",
)
@click.option(
    "--include",
    "include",
    multiple=True,
    type=click.Choice(["comment_events"]),
    help="Sideload for ticket_events: comment_events puts full comments (body, author) in.",
)
@click.option("--follow", is_flag=True, help="After catching up, keep polling until Ctrl-C.")
@click.option(
    "--poll-interval",
    default=60.0,
    show_default=True,
    type=click.FloatRange(0),
    help="Seconds between polls with --follow.",
)
@click.option(
    "--to",
    "target",
    default=DEFAULT_TARGET,
    show_default=True,
    help="Where to write: a SQLite path, postgresql://…, a .jsonl file (with a .cursor.json "
    "sidecar), or - for JSON Lines on stdout (no cursor kept: every run starts at --since).",
)
@click.option(
    "--subdomain",
    default=None,
    help="Zendesk subdomain (acme for acme.zendesk.com). Env: ZENDESK_SUBDOMAIN.",
)
@click.option(
    "--url", default=None, help="Base URL of a compatible server instead. Env: ZENDESK_URL."
)
@click.option("--email", default=None, help="Admin's email for Basic auth. Env: ZENDESK_EMAIL.")
@click.option("--token", default=None, help="API token. Env: ZENDESK_API_TOKEN.")
@click.option(
    "--password", default=None, help="Password instead of a token. Env: ZENDESK_PASSWORD."
)
@click.option(
    "--oauth-token", default=None, help="OAuth access token (Bearer). Env: ZENDESK_OAUTH_TOKEN."
)
@click.option(
    "--max-retries",
    default=6,
    show_default=True,
    type=click.IntRange(0),
    help="Retries of a failed request (429, 5xx, network) before giving up.",
)
@click.option("--quiet", "-q", is_flag=True, help="No live display; one summary line per stream.")
def command(
    since: str,
    until: str | None,
    streams: tuple[str, ...],
    include: tuple[str, ...],
    follow: bool,
    poll_interval: float,
    target: str,
    max_retries: int,
    quiet: bool,
    **source_flags: str | None,
) -> None:
    """Export ticket events and ticket metric events, resuming where the last run stopped.

    Each page is committed together with the stream's cursor, so a run can be interrupted at
    any point (Ctrl-C finishes the current page) and the next run continues without losing or
    repeating an event.
    """
    from zendesk_events.client import ZendeskClient

    try:
        source = SourceSettings.resolve(os.environ, **source_flags)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    start, end = parse_since(since), (parse_since(until) if until else None)
    live = not quiet and sys.stderr.isatty()
    progress = LiveProgress() if live else PlainProgress(sys.stderr, quiet=quiet)
    with ExitStack() as cleanup:  # closed in reverse: display, signals, sink, client
        client = ZendeskClient(
            **_client_args(source), max_retries=max_retries, on_wait=progress.waiting
        )
        cleanup.callback(client.close)
        sink = open_sink(target)
        cleanup.callback(sink.close)
        stop = cleanup.enter_context(_stop_on_signals())
        cleanup.enter_context(progress)
        report = run_sync(
            client,
            sink,
            streams=streams or list(STREAMS),
            since=start,
            until=end,
            include_comments="comment_events" in include,
            follow=follow,
            poll_interval=poll_interval,
            stop=stop,
            progress=progress,
            source=client.base_url,
        )
    if isinstance(progress, LiveProgress):
        progress.console.print(summary_table(report))
    else:
        for line in summary_lines(report):
            click.echo(line, err=True)


def _client_args(source: SourceSettings) -> dict[str, Any]:
    """Keyword arguments for ZendeskClient: the only place secrets are revealed."""
    return {
        "subdomain": source.subdomain,
        "base_url": source.url,
        "email": source.email,
        "token": source.token.reveal() if source.token else None,
        "password": source.password.reveal() if source.password else None,
        "oauth_token": source.oauth_token.reveal() if source.oauth_token else None,
    }


@contextmanager
def _stop_on_signals() -> Iterator[threading.Event]:
    """First Ctrl-C (or SIGTERM) asks the run to stop after the current page; a second aborts.

    An abort raises KeyboardInterrupt inside the write, whose transaction then rolls back, so
    even that leaves nothing half-written.
    """
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def handler(signum: int, frame: Any) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        click.echo("stopping after the current page (Ctrl-C again to abort)", err=True)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
