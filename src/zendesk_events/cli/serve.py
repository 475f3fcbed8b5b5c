"""`zendesk-events serve`: answer Zendesk's incremental export endpoints from a store."""

from __future__ import annotations

import click

from zendesk_events.config import ServerSettings
from zendesk_events.store import DEFAULT_DB, open_store, redact_url


@click.command("serve")
@click.option(
    "--db",
    default=DEFAULT_DB,
    show_default=True,
    help="Store to serve (SQLite path or postgresql:// URL).",
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
    type=click.IntRange(0),
    help="Export requests per window (Zendesk: 10; 30 with the High Volume add-on; "
    "0 = off, for a mirror).",
)
@click.option(
    "--export-rate-window",
    default=60,
    show_default=True,
    type=click.IntRange(1),
    help="Seconds of the export rate-limit window.",
)
@click.option(
    "--sample-rate-limit",
    default=10,
    show_default=True,
    type=click.IntRange(0),
    help="/sample requests per 20 minutes (0 = off).",
)
@click.option(
    "--lag",
    default=60,
    show_default=True,
    type=click.IntRange(0),
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
    type=click.FloatRange(min=0.1, max=3600),
    help="Seconds a client has to send a request line and its headers (from connecting, or "
    "from the previous response); then it gets a 408 and is disconnected.",
)
@click.option(
    "--body-timeout",
    default=30.0,
    show_default=True,
    type=click.FloatRange(min=0.1, max=3600),
    help="Seconds a client has to send a request's whole body once its headers are in; then "
    "408 and disconnected.",
)
@click.option(
    "--base-url",
    default=None,
    help="Scheme and host for next_page links (behind a proxy), e.g. https://acme.example.com.",
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
    header_timeout: float,
    body_timeout: float,
    base_url: str | None,
    log_level: str,
    access_log: bool,
) -> None:
    """Serve a store through Zendesk's incremental export API (a mirror or an emulator)."""
    from zendesk_events.server.runner import bind, serve

    if base_url is not None and not base_url.startswith(("http://", "https://")):
        raise click.BadParameter("must start with http:// or https://", param_hint="--base-url")
    settings = ServerSettings(
        db=db,
        base_url=base_url,
        export_rate_limit=export_rate_limit,
        export_rate_window=export_rate_window,
        sample_rate_limit=sample_rate_limit,
        lag=lag,
        late_events=late_events,
        header_timeout=header_timeout,
        body_timeout=body_timeout,
    )
    with open_store(db):  # fail here, in one line, rather than inside a worker
        pass
    sock = bind(host, port)  # a busy port is one line too, before anything is printed
    port = sock.getsockname()[1]
    limit = f"{export_rate_limit}/{export_rate_window}s" if export_rate_limit else "off"
    click.echo(
        f"serving {redact_url(db)} on http://{host}:{port} "
        f"({workers} worker{'s' if workers > 1 else ''}, export limit {limit}, lag {lag}s"
        f"{'' if late_events else ', late events served at once'})"
    )
    serve(settings, sock, workers=workers, log_level=log_level, access_log=access_log)
