"""`zendesk-events seed` (placeholder until implemented)."""

from __future__ import annotations

import click


@click.command("seed")
def command() -> None:
    """Not implemented yet."""
    raise click.ClickException("not implemented yet")
