"""`zendesk-events users`: who may call the server (tokens are shown once, stored hashed)."""

from __future__ import annotations

import click

from zendesk_events.errors import ConfigError
from zendesk_events.store import DEFAULT_DB, ROLES, open_store

_DB = click.option(
    "--db",
    default=DEFAULT_DB,
    show_default=True,
    help="Store holding the users (SQLite path or postgresql:// URL: the postgres extra).",
)


@click.group("users")
def command() -> None:
    """Manage the users who may call `zendesk-events serve`."""


@command.command("add")
@_DB
@click.option("--email", required=True, help="The user's email (the login).")
@click.option(
    "--role",
    type=click.Choice(ROLES),
    default="admin",
    show_default=True,
    help="Only admins may export.",
)
@click.option(
    "--password", default=None, help="Allow email:password Basic auth with this password."
)
@click.option("--name", default=None, help="Display name (default: the email's local part).")
def add(db: str, email: str, role: str, password: str | None, name: str | None) -> None:
    """Create (or update) a user and print a new API token once."""
    with open_store(db) as store:
        user = store.users.add(email, role, name=name, password=password)  # type: ignore[arg-type]
        token = store.users.new_api_token(user)
    click.echo(token)
    click.echo(
        f"API token for {user.email} ({user.role}) above; it is shown only once. "
        f"Use it as {user.email}/token:<token> in Basic auth.",
        err=True,
    )


@command.command("list")
@_DB
def list_users(db: str) -> None:
    """List users (email, role, name); never secrets."""
    with open_store(db) as store:
        users = store.users.list()
    for user in users:
        click.echo(f"{user.email}\t{user.role}\t{user.name}")
    if not users:
        click.echo("no users (add one with `zendesk-events users add`)", err=True)


@command.command("token")
@_DB
@click.option("--email", required=True, help="An existing user's email.")
@click.option(
    "--oauth", is_flag=True, help="Mint an OAuth access token (Bearer) instead of an API token."
)
def token(db: str, email: str, oauth: bool) -> None:
    """Mint another API (or OAuth) token for a user and print it once."""
    with open_store(db) as store:
        user = store.users.by_email(email)
        if user is None:
            raise ConfigError(f"no user {email!r} (add one with `zendesk-events users add`)")
        secret = store.users.new_oauth_token(user) if oauth else store.users.new_api_token(user)
    click.echo(secret)
    kind = "OAuth token (Authorization: Bearer <token>)" if oauth else "API token"
    click.echo(f"{kind} for {user.email} above; it is shown only once.", err=True)
