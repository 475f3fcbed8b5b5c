"""`zendesk-events sync`: export the event streams into a store or JSON Lines, resumably."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import click

from zendesk_events.cli.params import FiniteFloat, Time
from zendesk_events.cli.progress import LiveProgress, PlainProgress, summary_lines, summary_table
from zendesk_events.client.body import DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_RESPONSE_TIMEOUT
from zendesk_events.config import SourceSettings
from zendesk_events.errors import ConfigError
from zendesk_events.events import STREAMS
from zendesk_events.sync import (
    DEFAULT_LOOKBACK,
    DEFAULT_TARGET,
    ClientRecipe,
    Lookback,
    ProcessFetcher,
    Sink,
    SyncReport,
    ThreadFetcher,
    open_sink,
    run_sync,
)
from zendesk_events.timeutil import epoch_to_iso, parse_span

MIB = 1024 * 1024

BACKFILL = 3600
"""``--fetcher auto`` fetches in a child process when a stream is this many seconds behind."""


def _span(seconds: int) -> str:
    """``30m``, ``2h``, ``90s``, ``0``: a span as ``--lookback`` takes it."""
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s" if seconds else "0"


@click.command("sync")
@click.option(
    "--since",
    default="0",
    show_default=True,
    type=Time(future=False, future_hint="there is nothing to export after now"),
    help="Where the first run starts: epoch seconds, an ISO date/time (2024-01-31) or a span "
    "back from now (30d, 12h); not in the future. 0 = everything. Ignored once a stream has a "
    "stored cursor: later runs resume from it.",
)
@click.option(
    "--until",
    default=None,
    type=Time(future=False, future_hint="leave --until out to export up to now"),
    help="Stop at this time (same forms as --since; after --since, not in the future).",
)
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
@click.option(
    "--lookback",
    "lookbacks",
    multiple=True,
    metavar="[STREAM=]SPAN",
    help="How far behind its cursor each run (and each --follow poll) reads a stream again, "
    "to take events Zendesk wrote late with their original time, and changed ones (a breach "
    "turned deleted): SPAN such as 30m, 2h, or 0 for none. Without STREAM= it sets every "
    "stream; repeatable. Default: "
    + ", ".join(f"{k} {_span(v)}" for k, v in DEFAULT_LOOKBACK.items())
    + ". The window costs no extra request while it holds under 1000 events.",
)
@click.option(
    "--trail",
    is_flag=True,
    help="Instead of reading the --lookback window again, keep each cursor that far behind "
    "now: the same late events are taken, each item is read once (fewer requests on a busy "
    "account), but every row arrives that much later.",
)
@click.option("--follow", is_flag=True, help="After catching up, keep polling until Ctrl-C.")
@click.option(
    "--poll-interval",
    default=60.0,
    show_default=True,
    type=FiniteFloat(0, 86_400),
    help="Seconds between polls with --follow (also the first wait after a failed poll; "
    "failures in a row double it, up to 15 minutes).",
)
@click.option(
    "--to",
    "target",
    default=DEFAULT_TARGET,
    show_default=True,
    help="Where to write: a SQLite path, postgresql://… (needs the postgres extra: pip install "
    "'zendesk-events[postgres]'), a .jsonl file (with a .cursor.json sidecar), or - for JSON "
    "Lines on stdout (no cursor kept: every run starts at --since).",
)
@click.option(
    "--allow-foreign-tables",
    is_flag=True,
    help="Add our tables to a SQLite file (or PostgreSQL schema) that holds another "
    "application's tables. Without it such a --to is refused and left untouched; an empty or "
    "new database, or one of our stores, needs no flag. A SQLite file is switched to WAL mode.",
)
@click.option(
    "--ticket-fields/--no-ticket-fields",
    default=True,
    show_default=True,
    help="Also read the account's ticket fields (GET /api/v2/ticket_fields.json, an ordinary "
    "API call outside the export budget) into the ticket_fields table of a SQL target, or "
    "as ticket_fields lines into a JSON Lines one (each field when new or changed), so "
    "custom field changes can be named. Credentials that may not read them get a note and "
    "the sync goes on.",
)
@click.option(
    "--fetcher",
    type=click.Choice(["auto", "thread", "process"]),
    default="auto",
    show_default=True,
    help="Where pages are fetched and parsed while this process writes: a thread, or a child "
    "process (faster on long backfills: parsing and writing then use two CPU cores). auto "
    "takes the child process when a stream is over an hour behind, says so, and follows "
    "(--follow) in a thread once caught up.",
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
    type=click.IntRange(0, 100),
    help="Retries of a failed request (5xx, network) before giving up.",
)
@click.option(
    "--max-response-mb",
    default=DEFAULT_MAX_RESPONSE_BYTES // MIB,
    show_default=True,
    type=click.IntRange(1, 4096),
    help="The largest response body read, in MiB, counted both as received (compressed) and "
    "inflated: a larger one (a gzip bomb, a broken proxy) stops the sync with an error before "
    "it costs more memory, and nothing of it is stored. A full page of the seeded demo "
    "(1000 events) is about 1 MiB.",
)
@click.option(
    "--response-timeout",
    default=DEFAULT_RESPONSE_TIMEOUT,
    show_default=True,
    type=click.FloatRange(1, 86400),
    metavar="SECONDS",
    help="The longest a whole response may take, from the request to its last byte (each "
    "read is bounded at 60 s apart from this): a server or proxy that drips its answer is "
    "given up on and the request retried (--max-retries), instead of holding the sync.",
)
@click.option("--quiet", "-q", is_flag=True, help="No live display; one summary line per stream.")
def command(
    since: int,
    until: int | None,
    streams: tuple[str, ...],
    include: tuple[str, ...],
    lookbacks: tuple[str, ...],
    trail: bool,
    follow: bool,
    poll_interval: float,
    target: str,
    allow_foreign_tables: bool,
    ticket_fields: bool,
    fetcher: str,
    max_retries: int,
    max_response_mb: int,
    response_timeout: float,
    quiet: bool,
    **source_flags: str | None,
) -> None:
    """Export ticket events and ticket metric events, resuming where the last run stopped.

    Each page is committed together with the stream's cursor, so a run can be interrupted at
    any point (Ctrl-C finishes the current page) and the next run continues without losing or
    repeating an event. Ticket metric events are read again 30 minutes behind the cursor on
    every run: Zendesk writes some of them late, back-dated (see --lookback).

    One run writes into a target at a time (--follow holds it for its whole life): a second
    one into the same --to stops before writing, naming the first (pid, host, since when),
    with exit code 75.
    """
    try:
        source = SourceSettings.resolve(os.environ, **source_flags)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    if until is not None and until <= since:
        raise ConfigError(
            f"--until ({epoch_to_iso(until)}) must be after --since ({epoch_to_iso(since)})"
        )
    lookback = Lookback(_lookback_seconds(lookbacks), trail=trail)
    names = list(streams or STREAMS)
    live = not quiet and sys.stderr.isatty()
    progress = LiveProgress() if live else PlainProgress(sys.stderr, quiet=quiet)
    with ExitStack() as cleanup:  # closed in reverse: display, signals, sink, client
        recipe = ClientRecipe(
            **_client_args(source),
            max_retries=max_retries,
            max_response_bytes=max_response_mb * MIB,
            response_timeout=response_timeout,
        )
        client = recipe.build(on_wait=progress.waiting)
        cleanup.callback(client.close)
        # Held across both runs below, from before the store is opened (or migrated).
        sink = open_sink(target, allow_foreign_tables=allow_foreign_tables, claim=True)
        cleanup.callback(sink.close)
        stop = cleanup.enter_context(_stop_on_signals())
        cleanup.enter_context(progress)
        args: dict[str, Any] = {
            "streams": names,
            "since": since,
            "until": until,
            "include_comments": "comment_events" in include,
            "poll_interval": poll_interval,
            "stop": stop,
            "progress": progress,
            "source": client.base_url,
            "lookback": lookback,
            "ticket_fields": ticket_fields,
        }
        backfill = fetcher == "auto" and _behind(sink, names, since, until) >= BACKFILL
        if backfill and not quiet:
            progress.note("a backfill: fetching in a child process (--fetcher thread: in this one)")
        if fetcher == "process" or backfill:
            process = ProcessFetcher(recipe, on_wait=progress.waiting)
            report = run_sync(client, sink, fetcher=process, follow=follow and not backfill, **args)
            if backfill and follow and not report.stopped:
                later = run_sync(client, sink, fetcher=ThreadFetcher(), follow=True, **args)
                report = report.then(later)
        else:
            report = run_sync(client, sink, fetcher=ThreadFetcher(), follow=follow, **args)
    _summary(progress, report)


def _summary(progress: LiveProgress | PlainProgress, report: SyncReport) -> None:
    if isinstance(progress, LiveProgress):
        progress.console.print(summary_table(report))
    else:
        for line in summary_lines(report):
            click.echo(line, err=True)


def _lookback_seconds(values: tuple[str, ...]) -> dict[str, int]:
    """``--lookback`` values, in order (a later one wins), as seconds per stream."""
    seconds = dict(DEFAULT_LOOKBACK)
    for value in values:
        name, sep, span = value.rpartition("=")
        if sep and name not in STREAMS:
            raise ConfigError(
                f"--lookback {value!r}: unknown stream {name!r} (use {', '.join(STREAMS)})"
            )
        try:
            spans = parse_span(span)
        except ConfigError as exc:
            raise ConfigError(f"--lookback: {exc}") from None
        for stream in [name] if sep else list(STREAMS):
            seconds[stream] = spans
    return seconds


def _behind(sink: Sink, streams: list[str], since: int, until: int | None) -> float:
    """How far the furthest-behind stream's cursor is from ``until`` (or now), seconds."""
    end = until if until is not None else time.time()
    worst = 0.0
    for name in streams:
        stored = sink.cursor(STREAMS[name].name)
        position = stored.checkpoint.start_time if stored is not None else since
        worst = max(worst, end - position)
    return worst


def _client_args(source: SourceSettings) -> dict[str, Any]:
    """Keyword arguments for the client's recipe: the only place secrets are revealed."""
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
