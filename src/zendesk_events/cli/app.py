"""The ``zendesk-events`` command group: a thin skin over the library that owns exit codes.

Each command lives in its own module and only parses options, calls the library and renders;
a command's module is imported only when that command runs (or ``--help`` lists them all).
The one ``except ZendeskEventsError`` edge is :class:`_Group.invoke`: a library error becomes one
line on stderr and the error's ``exit_code``; never a traceback. A value click refuses (a bad
option, an unknown command) is one line too, and exit 2; Ctrl-C is "interrupted" and exit 130.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

import click

from zendesk_events.cli import HeldInterrupt
from zendesk_events.errors import ZendeskEventsError

__all__ = ["COMMANDS", "cli"]

COMMANDS = ("analyze", "report", "seed", "serve", "status", "sync", "users")
"""Every command, each the ``command`` of the module ``zendesk_events.cli.<name>``."""


class _UsageLine(click.ClickException):
    """A usage error as one line: click's own shows the usage and a hint on three more."""

    exit_code = 2

    def __init__(self, error: click.UsageError) -> None:
        where = f" (see {error.ctx.command_path} --help)" if error.ctx is not None else ""
        super().__init__(error.format_message().rstrip(".") + where)

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.message}", err=True)


class _Group(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        with HeldInterrupt():  # a command's imports build pydantic models
            module = import_module(f"zendesk_events.cli.{cmd_name}")
        command: click.Command = module.command
        return command

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.exceptions.NoArgsIsHelpError:
            raise  # the help itself, as the user asked
        except click.UsageError as exc:
            raise _UsageLine(exc) from None
        except KeyboardInterrupt:  # while reading the options: click would say "Aborted!"
            click.echo("interrupted", err=True)
            raise click.exceptions.Exit(130) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ZendeskEventsError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except click.exceptions.NoArgsIsHelpError:
            raise
        except click.UsageError as exc:  # a subcommand's options
            raise _UsageLine(exc) from None
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

    \b
    A plain `pip install zendesk-events` syncs into SQLite, JSON Lines and stdout,
    seeds, analyses and manages users. Extras add the rest:
      pip install 'zendesk-events[server]'     serve (FastAPI, uvicorn)
      pip install 'zendesk-events[postgres]'   postgresql:// stores (psycopg)
      pip install 'zendesk-events[report]'     report (Plotly)
      pip install 'zendesk-events[all]'        all three
    """
