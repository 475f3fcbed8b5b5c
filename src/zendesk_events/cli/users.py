"""`zendesk-events users` (placeholder until implemented)."""

from __future__ import annotations

import click


@click.command("users")
def command() -> None:
    """Not implemented yet."""
    raise click.ClickException("not implemented yet")
