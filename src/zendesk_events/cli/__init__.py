"""The ``zendesk-events`` command: a thin skin over the library that owns exit codes.

Each command lives in its own module and only parses options, calls the library and renders.
The one ``except ZendeskEventsError`` edge is :class:`_Group.invoke`: a library error becomes one
line on stderr and the error's ``exit_code``; never a traceback.
"""

from __future__ import annotations

from typing import Any

import click

from zendesk_events.errors import ZendeskEventsError

__all__ = ["cli", "main"]


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ZendeskEventsError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="zendesk-events")
def cli() -> None:
    """Export, mirror and emulate Zendesk's incremental ticket event export.

    \b
    Typical use:
      zendesk-events sync --subdomain acme --email me@acme.com --token T
          export into ./zendesk-events.db (resumes where the last run stopped)
      zendesk-events serve --db zendesk-events.db
          serve that store back through Zendesk's API (a mirror)
      zendesk-events seed --db demo.db --tickets 200
          fill a store with a realistic demo history (an emulator)
      zendesk-events report --to zendesk-events.db --out report.html
          analyse the store and write an HTML report of it
    """


def _register() -> None:
    from zendesk_events.cli import analyze, report, seed, serve, status, sync, users

    for module in (seed, serve, status, sync, users, analyze, report):
        cli.add_command(module.command)


_register()


def main() -> None:
    """Console-script entry point."""
    cli.main(prog_name="zendesk-events")


if __name__ == "__main__":  # pragma: no cover
    main()
