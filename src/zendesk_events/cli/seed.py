"""`zendesk-events seed`: fill a store with a deterministic, realistic demo history."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click

from zendesk_events.cli.params import INT64, Time
from zendesk_events.emulator import (
    DEFAULT_ADMIN_EMAIL,
    DEFAULT_ADMIN_PASSWORD,
    DEFAULT_LATE_ARRIVAL,
    PARALLEL_MIN_TICKETS,
    LateArrival,
    seed_store,
    validate_arguments,
)
from zendesk_events.errors import ConfigError
from zendesk_events.store import DEFAULT_DB, open_store
from zendesk_events.timeutil import epoch_to_iso


@click.command("seed")
@click.option(
    "--db",
    default=DEFAULT_DB,
    show_default=True,
    help="Store to fill: SQLite path or postgresql:// URL (the postgres extra).",
)
@click.option(
    "--tickets",
    type=int,
    default=200,
    show_default=True,
    help="Tickets to create (each makes ~8 ticket events and ~50 metric events).",
)
@click.option(
    "--days",
    type=float,
    default=30.0,
    show_default=True,
    help="Length of the emulated period in days (> 0).",
)
@click.option(
    "--seed",
    "seed",
    type=INT64,
    default=1,
    show_default=True,
    help="Random seed: the same options give the same history.",
)
@click.option(
    "--end",
    default=None,
    type=Time(),
    help="End of the period: epoch seconds or ISO time (default: now, floored to the minute).",
)
@click.option(
    "--late-share",
    type=float,
    default=DEFAULT_LATE_ARRIVAL.share,
    show_default=True,
    help="Share (0-1) of ticket updates whose metric events Zendesk writes late, stamped with "
    "their original time, as recorded live; 0 = none.",
)
@click.option(
    "--late-minutes",
    default=f"{DEFAULT_LATE_ARRIVAL.min_minutes:g}-{DEFAULT_LATE_ARRIVAL.max_minutes:g}",
    show_default=True,
    help="How late those metric events arrive: MIN-MAX minutes (or one number); recorded "
    "live: 11-13.",
)
@click.option(
    "--admin-email",
    default=None,
    help="Create an admin who may call the server, with --admin-password (default: no admin; "
    "add one later with `zendesk-events users add`).",
)
@click.option(
    "--admin-password",
    default=None,
    help="That admin's password (stored only as a hash, never printed).",
)
@click.option(
    "--demo-admin",
    is_flag=True,
    help=f"Create the demo admin {DEFAULT_ADMIN_EMAIL} with the public password "
    f"{DEFAULT_ADMIN_PASSWORD!r}: for a demo on your own machine only (make demo uses it).",
)
@click.option(
    "--append",
    is_flag=True,
    help="Add this history to a store that holds events already (without it such a store is "
    "refused: two histories merged give tickets two creations).",
)
@click.option(
    "--allow-foreign-tables",
    is_flag=True,
    help="Add our tables to a SQLite file (or PostgreSQL schema) that holds another "
    "application's tables (without it such a --db is refused, untouched).",
)
def command(
    db: str,
    tickets: int,
    days: float,
    seed: int,
    end: int | None,
    late_share: float,
    late_minutes: str,
    admin_email: str | None,
    admin_password: str | None,
    demo_admin: bool,
    append: bool,
    allow_foreign_tables: bool,
) -> None:
    """Fill a store with a realistic, deterministic ticket history.

    Tickets are created, commented on, reassigned, escalated, solved, rated and closed, with
    the SLA metric events that go with them and same-second bursts (from 1100 tickets on, more
    than 1000 audits in one second). A ticket makes ~8 ticket events and ~50 metric events:
    for about a million ticket events use --tickets 124000. SLA breaches are written in advance
    (with their future time; turned deleted when the target is met first), and a share of
    metric events arrives late (--late-share, --late-minutes), as on Zendesk: a client must
    re-read a window of the metric event export to get them. Also writes the account's ticket
    fields, groups and SLA policies. Prints the counts, the time span and a curl command to try
    against `zendesk-events serve`. No one may call the server until you add an admin
    (`zendesk-events users add`, or --admin-email/--admin-password here); --demo-admin makes the
    public demo admin, for a demo on your own machine. A store that holds events already is
    refused unless --append, a database of another application unless --allow-foreign-tables.
    """
    validate_arguments(tickets, days, end)
    late = LateArrival.parse(late_share, late_minutes)
    now = end
    if demo_admin and (admin_email or admin_password):
        raise ConfigError("--demo-admin creates the demo admin: leave out --admin-email/-password")
    if bool(admin_email) != bool(admin_password):
        raise ConfigError(
            "--admin-email and --admin-password go together (or add a user with a token: "
            "`zendesk-events users add`)"
        )
    if demo_admin:
        admin_email, admin_password = DEFAULT_ADMIN_EMAIL, DEFAULT_ADMIN_PASSWORD
    with open_store(db, allow_foreign_tables=allow_foreign_tables) as store:
        with _progress(tickets) as progress:
            report = seed_store(
                store,
                tickets=tickets,
                days=days,
                seed=seed,
                now=now,
                progress=progress,
                admin_email=admin_email,
                admin_password=admin_password,
                parallel=tickets >= PARALLEL_MIN_TICKETS,
                late=late,
                append=append,
            )
        click.echo(f"seeded {store.url}: {report.tickets} tickets")
        store_url = store.url
    for stream, times in report.spans.items():
        when = f"{epoch_to_iso(times[0])} .. {epoch_to_iso(times[1])}" if times else "empty"
        click.echo(f"  {stream}: {report.counts[stream]} events, {when}")
    click.echo(f"  late metric events: {late.describe()}")
    span = report.spans["ticket_events"]
    start = span[0] if span else report.start
    url = "http://127.0.0.1:8000/api/v2/incremental/ticket_events"
    query = f'-G -d "start_time={start}" -H "Accept: application/json" {url}'
    click.echo("try it (after `zendesk-events serve --db ...`):")
    if report.admin_email is None:
        click.echo(
            f"zendesk-events users add --db {shlex.quote(store_url)} --email you@example.com"
        )
        click.echo(f"curl -u you@example.com/token:$TOKEN {query}")
    else:
        # The demo password is public; a password of the user's own is never echoed.
        shown = admin_password if demo_admin else "$PASSWORD"
        click.echo(f"curl -u {report.admin_email}:{shown} {query}")


@contextmanager
def _progress(total: int) -> Iterator[Callable[[int], None] | None]:
    """A rich progress bar on stderr when it is a terminal (nothing otherwise)."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("seeding tickets", total=total)
        yield lambda n: bar.update(task, completed=n)
