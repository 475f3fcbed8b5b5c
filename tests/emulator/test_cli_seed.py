"""`zendesk-events seed` end to end: a store, a report, a working admin; bad input is one line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from emukit import END

from zendesk_events.cli import cli
from zendesk_events.emulator import DEFAULT_ADMIN_PASSWORD
from zendesk_events.store import open_store


def test_seed_fills_the_store_and_prints_counts_span_and_curl(tmp_path: Path) -> None:
    db = str(tmp_path / "demo.db")
    args = ["seed", "--db", db, "--tickets", "10", "--days", "7", "--seed", "3", "--end", str(END)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    with open_store(db) as store:
        counts = store.events.counts()
        assert counts["ticket_events"] > 10
        assert f"ticket_events: {counts['ticket_events']} events" in result.output
        assert f"ticket_metric_events: {counts['ticket_metric_events']} events" in result.output
        first = store.events.time_span("ticket_events")
        assert first is not None
        assert store.users.authenticate_password("admin@example.com", DEFAULT_ADMIN_PASSWORD)
        assert store.users.authenticate_password("admin@example.com", "wrong") is None
    curl = (
        f"curl -u admin@example.com:{DEFAULT_ADMIN_PASSWORD} -G -d "
        f'"start_time={first[0]}" -H "Accept: application/json" '
        "http://127.0.0.1:8000/api/v2/incremental/ticket_events"
    )
    assert curl in result.output.splitlines()


def test_iso_end_and_own_admin(tmp_path: Path) -> None:
    db = str(tmp_path / "demo.db")
    secret = "s3cret-pass-word"
    args = ["seed", "--db", db, "--tickets", "3", "--days", "1", "--end", "2025-01-01T00:00:00Z"]
    args += ["--admin-email", "boss@example.com", "--admin-password", secret]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert secret not in result.output
    with open_store(db) as store:
        user = store.users.authenticate_password("boss@example.com", secret)
        assert user is not None and user.is_admin
        span = store.events.time_span("ticket_events")
        assert span is not None and span[1] < 1_735_689_600
        hashes = [r[0] for r in store.db.query("SELECT password_hash FROM users") if r[0]]
        assert hashes and all(secret not in h for h in hashes)


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--tickets", "0", "--tickets"),
        ("--tickets", "-5", "--tickets"),
        ("--days", "0", "--days"),
        ("--days", "-1", "--days"),
        ("--end", "yesterday-ish", "cannot read time"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(
    tmp_path: Path, option: str, value: str, message: str
) -> None:
    result = CliRunner().invoke(cli, ["seed", "--db", str(tmp_path / "x.db"), option, value])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert re.match(r"^error: ", lines[0]) and message in lines[0]


def test_help_explains_every_option() -> None:
    result = CliRunner().invoke(cli, ["seed", "--help"])
    assert result.exit_code == 0
    for option in ("--db", "--tickets", "--days", "--seed", "--end", "--admin-email"):
        assert option in result.output
