"""`zendesk-events serve` (placeholder until implemented)."""

from __future__ import annotations

import click


@click.command("serve")
def command() -> None:
    """Not implemented yet."""
    raise click.ClickException("not implemented yet")
