"""`zendesk-events serve`: answer Zendesk's incremental export endpoints from a store."""

from __future__ import annotations

import click

from zendesk_events.cli import HeldInterrupt
from zendesk_events.cli.params import INT64, FiniteFloat, HttpUrl, Time
from zendesk_events.config import ServerSettings
from zendesk_events.emulator import DEFAULT_LATE_ARRIVAL, MAX_RATE, LateArrival
from zendesk_events.extras import require
from zendesk_events.store import DEFAULT_DB, open_store, redact_url
from zendesk_events.timeutil import epoch_to_iso


@click.command("serve")
@click.option(
    "--db",
    default=DEFAULT_DB,
    show_default=True,
    help="Store to serve (SQLite path or postgresql:// URL, which needs the postgres extra).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="TCP port (0: any free port, printed at start).",
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker processes. Every process over one store (these, or other `serve` "
    "processes) shares the store's rate limits.",
)
@click.option(
    "--export-rate-limit",
    default=10,
    show_default=True,
    type=click.IntRange(0, 1_000_000),
    help="Export requests per window (Zendesk: 10; 30 with the High Volume add-on; "
    "0 = off, for a mirror).",
)
@click.option(
    "--export-rate-window",
    default=60,
    show_default=True,
    type=click.IntRange(1, 86_400),
    help="Seconds of the export rate-limit window.",
)
@click.option(
    "--sample-rate-limit",
    default=10,
    show_default=True,
    type=click.IntRange(0, 1_000_000),
    help="/sample requests per 20 minutes (0 = off).",
)
@click.option(
    "--lag",
    default=60,
    show_default=True,
    type=click.IntRange(0, 86_400),
    help="Seconds of newest events held back; a newer start_time gets 422 on ticket_events "
    "(Zendesk's recorded text) and an empty page on ticket_metric_events.",
)
@click.option(
    "--late-events/--no-late-events",
    default=True,
    show_default=True,
    help="Serve a metric event only once its row has been visible for --lag too, so late, "
    "back-dated events turn up late as on Zendesk (a mirror's rows count from their sync, an "
    "emulator's from when Zendesk would have written them). --no-late-events serves every "
    "metric event as soon as its time is older than --lag.",
)
@click.option(
    "--header-timeout",
    default=10.0,
    show_default=True,
    type=FiniteFloat(min=0.1, max=3600),
    help="Seconds a client has to send a request line and its headers (from connecting, or "
    "from the previous response); then it gets a 408 and is disconnected.",
)
@click.option(
    "--body-timeout",
    default=30.0,
    show_default=True,
    type=FiniteFloat(min=0.1, max=3600),
    help="Seconds a client has to send a request's whole body once its headers are in; then "
    "408 and disconnected.",
)
@click.option(
    "--base-url",
    default=None,
    type=HttpUrl(),
    help="Scheme and host for next_page links (behind a proxy), e.g. https://acme.example.com.",
)
@click.option(
    "--traffic",
    "traffic",
    default=0.0,
    show_default=True,
    type=FiniteFloat(0, MAX_RATE),
    metavar="RATE",
    help="Keep the emulated account busy: RATE writes a second on average (tickets opened, "
    "triaged, answered, escalated, solved, rated), through the same model as the Tickets API, "
    "so `sync --follow` has live events to follow. 0 = none.",
)
@click.option(
    "--seed",
    "seed",
    type=INT64,
    default=1,
    show_default=True,
    help="Random seed of --traffic and of which live writes arrive late: the same seed on the "
    "same store writes the same activity.",
)
@click.option(
    "--late-share",
    type=float,
    default=DEFAULT_LATE_ARRIVAL.share,
    show_default=True,
    help="Share (0-1) of live writes (API requests, automations, traffic) whose metric events "
    "Zendesk writes late, stamped with their original time, as the seed's option; 0 = none.",
)
@click.option(
    "--late-minutes",
    default=f"{DEFAULT_LATE_ARRIVAL.min_minutes:g}-{DEFAULT_LATE_ARRIVAL.max_minutes:g}",
    show_default=True,
    help="How late those metric events arrive: MIN-MAX minutes (or one number).",
)
@click.option(
    "--fake-clock",
    "fake_clock",
    default=None,
    type=Time(),
    metavar="START",
    help="Run on a clock that starts at START (epoch seconds or ISO time) and moves only when "
    "told: POST /_emulator/clock?advance=SECONDS (or ?set=EPOCH) with an admin's credentials; "
    "each move runs the automations it made due and at most the last hour of traffic it "
    "jumped over. Needs --workers 1.",
)
@click.option(
    "--log-level",
    default="info",
    show_default=True,
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
    help="Server log level.",
)
@click.option(
    "--access-log/--no-access-log", default=False, show_default=True, help="Log every request."
)
def command(
    db: str,
    host: str,
    port: int,
    workers: int,
    export_rate_limit: int,
    export_rate_window: int,
    sample_rate_limit: int,
    lag: int,
    late_events: bool,
    traffic: float,
    seed: int,
    late_share: float,
    late_minutes: str,
    fake_clock: int | None,
    header_timeout: float,
    body_timeout: float,
    base_url: str | None,
    log_level: str,
    access_log: bool,
) -> None:
    """Serve a store through Zendesk's API: the incremental exports (a mirror or an emulator),
    and the emulated account's Tickets API and SLA policies, its automations and its clock.
    Needs the server extra: pip install 'zendesk-events[server]'."""
    require("server", "zendesk-events serve")
    with HeldInterrupt():  # FastAPI's imports build pydantic validators
        from zendesk_events.cli.live import WORKER_FACTORY, build_app, prepare
        from zendesk_events.server.runner import bind, serve

    late = LateArrival.parse(late_share, late_minutes)
    start = None if fake_clock is None else float(fake_clock)
    if start is not None and workers > 1:
        raise click.BadParameter(
            "a fake clock lives in one process: use it with --workers 1", param_hint="--fake-clock"
        )
    settings = ServerSettings(
        db=db,
        base_url=base_url,
        export_rate_limit=export_rate_limit,
        export_rate_window=export_rate_window,
        sample_rate_limit=sample_rate_limit,
        lag=lag,
        late_events=late_events,
        traffic=traffic,
        seed=seed,
        late_share=late.share,
        late_min_minutes=late.min_minutes,
        late_max_minutes=late.max_minutes,
        fake_clock=start,
        header_timeout=header_timeout,
        body_timeout=body_timeout,
    )
    with open_store(db):  # fail here, in one line, rather than inside a worker
        pass
    sock = bind(host, port)  # a busy port is one line too, before anything is printed
    port = sock.getsockname()[1]
    prepare(settings)
    limit = f"{export_rate_limit}/{export_rate_window}s" if export_rate_limit else "off"
    click.echo(
        f"serving {redact_url(db)} on http://{host}:{port} "
        f"({workers} worker{'s' if workers > 1 else ''}, export limit {limit}, lag {lag}s"
        f"{'' if late_events else ', late events served at once'})"
    )
    live = f"traffic {traffic:g} writes/s" if traffic else "no traffic"
    when = "the wall clock" if start is None else f"a fake clock at {epoch_to_iso(int(start))}"
    click.echo(f"emulated account: {live}, on {when}, late metric events: {late.describe()}")
    with HeldInterrupt():  # and so do its routes
        app = build_app(settings) if workers <= 1 else None
    serve(
        settings,
        sock,
        workers=workers,
        log_level=log_level,
        access_log=access_log,
        app=app,
        worker_factory=WORKER_FACTORY,
    )
