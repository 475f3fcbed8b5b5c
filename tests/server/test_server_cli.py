"""`zendesk-events users` and `serve`: thin commands, one-line errors, secrets shown once."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from serverkit import basic

from zendesk_events.cli import cli
from zendesk_events.config import ServerSettings
from zendesk_events.server.app import SETTINGS_ENV, settings_from_json, settings_to_json
from zendesk_events.store import open_store


def test_users_add_list_token_and_the_tokens_work(
    sqlite_url: str, run_server: Any, serve: Any
) -> None:
    runner = CliRunner()
    added = runner.invoke(
        cli,
        [
            "users",
            "add",
            "--db",
            sqlite_url,
            "--email",
            "ops@example.com",
            "--role",
            "admin",
            "--password",
            "s3cret-pass",
            "--name",
            "Ops",
        ],
    )
    assert added.exit_code == 0, added.output
    token = added.stdout.strip()
    assert len(token.splitlines()) == 1 and len(token) >= 30
    assert "shown only once" in added.stderr

    listed = runner.invoke(cli, ["users", "list", "--db", sqlite_url])
    assert listed.exit_code == 0
    assert listed.stdout == "ops@example.com\tadmin\tOps\n"
    assert token not in listed.output

    oauth = runner.invoke(
        cli, ["users", "token", "--db", sqlite_url, "--email", "ops@example.com", "--oauth"]
    ).stdout.strip()
    second = runner.invoke(
        cli, ["users", "token", "--db", sqlite_url, "--email", "ops@example.com"]
    ).stdout.strip()
    assert len({token, oauth, second}) == 3

    with open_store(sqlite_url) as store, serve(store) as s:
        path = "/api/v2/incremental/ticket_events?start_time=0"
        for headers in (
            basic("ops@example.com/token", token),
            basic("ops@example.com/token", second),
            basic("ops@example.com", "s3cret-pass"),
            {"Authorization": f"Bearer {oauth}"},
        ):
            assert s.get(path, headers=headers).status_code == 200
        # only hashes are stored
        dump = "\n".join(line for line in store.db.connection().iterdump())
        assert token not in dump and oauth not in dump and "s3cret-pass" not in dump


def test_users_errors_are_one_line(sqlite_url: str) -> None:
    runner = CliRunner()
    r = runner.invoke(cli, ["users", "token", "--db", sqlite_url, "--email", "no@example.com"])
    assert r.exit_code == 2
    assert r.stderr.startswith("error: no user 'no@example.com'")
    assert len(r.stderr.strip().splitlines()) == 1
    r = runner.invoke(cli, ["users", "add", "--db", sqlite_url, "--email", "not-an-email"])
    assert r.exit_code == 2
    assert r.stderr.strip().splitlines() == ["error: not an email address: 'not-an-email'"]


def test_serve_with_an_unopenable_db_is_one_line(tmp_path: Any) -> None:
    r = CliRunner().invoke(cli, ["serve", "--db", str(tmp_path / "missing" / "dir" / "x.db")])
    assert r.exit_code == 1
    assert r.stderr.startswith("error: cannot open SQLite database")
    assert len(r.stderr.strip().splitlines()) == 1
    r = CliRunner().invoke(cli, ["serve", "--db", "mysql://x/y"])
    assert r.exit_code == 1 and r.stderr.startswith("error: unsupported database URL")


def test_serve_rejects_a_base_url_without_scheme(sqlite_url: str) -> None:
    r = CliRunner().invoke(cli, ["serve", "--db", sqlite_url, "--base-url", "example.com"])
    assert r.exit_code == 2
    assert "--base-url" in r.output


def test_worker_settings_round_trip_through_one_json_value(
    sqlite_url: str, run_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = ServerSettings(db=sqlite_url, export_rate_limit=3, lag=90, shared_limits=True)
    text = settings_to_json(settings)
    assert json.loads(text)["lag"] == 90
    assert settings_from_json(text) == settings
    monkeypatch.setenv(SETTINGS_ENV, text)
    from zendesk_events.server.app import worker_app

    with run_server(worker_app()) as url:
        r = httpx.get(f"{url}/api/v2/incremental/ticket_events?start_time=9999999999")
        assert r.status_code == 401
        assert r.headers["Zendesk-RateLimit-incremental-exports"].startswith("total=3;")
