"""`zendesk-events seed` end to end: a store, a report, a working admin; bad input is one line."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from emukit import END

from zendesk_events.cli import cli
from zendesk_events.emulator import DEFAULT_ADMIN_PASSWORD
from zendesk_events.store import open_store


def test_seed_fills_the_store_and_prints_counts_span_and_curl(tmp_path: Path) -> None:
    db = str(tmp_path / "demo.db")
    args = ["seed", "--db", db, "--tickets", "10", "--days", "7", "--seed", "3", "--end", str(END)]
    result = CliRunner().invoke(cli, [*args, "--demo-admin"])
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
        ("--late-share", "1.5", "--late-share"),
        ("--late-share", "-0.1", "--late-share"),
        ("--late-minutes", "13-11", "--late-minutes"),
        ("--late-minutes", "soon", "--late-minutes"),
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
    assert not (tmp_path / "x.db").exists()  # refused before anything is written


def test_late_arrival_can_be_changed_or_switched_off(tmp_path: Path) -> None:
    delays = {}
    for name, args in {
        "off": ["--late-share", "0"],
        "all": ["--late-share", "1", "--late-minutes", "20"],
    }.items():
        db = str(tmp_path / f"{name}.db")
        base = ["seed", "--db", db, "--tickets", "10", "--days", "5", "--end", str(END)]
        result = CliRunner().invoke(cli, [*base, *args])
        assert result.exit_code == 0, result.output
        with open_store(db) as store:
            delays[name] = store.db.query(
                "SELECT id, visible_at FROM ticket_metric_events ORDER BY id"
            )
    assert (
        "late metric events: off"
        in CliRunner()
        .invoke(
            cli,
            [
                "seed",
                "--db",
                str(tmp_path / "again.db"),
                "--tickets",
                "1",
                "--late-share",
                "0",
                "--end",
                str(END),
            ],
        )
        .output
    )
    off, every = delays["off"], delays["all"]
    assert [r[0] for r in off] == [r[0] for r in every]
    assert {b[1] - a[1] for a, b in zip(off, every, strict=True)} == {20 * 60}


def test_help_explains_every_option() -> None:
    result = CliRunner().invoke(cli, ["seed", "--help"])
    assert result.exit_code == 0
    options = ("--db", "--tickets", "--days", "--seed", "--end", "--admin-email")
    for option in (*options, "--late-share", "--late-minutes", "--demo-admin", "--append"):
        assert option in result.output


def test_no_admin_unless_asked_and_no_public_password(tmp_path: Path) -> None:
    db = str(tmp_path / "plain.db")
    args = ["seed", "--db", db, "--tickets", "5", "--days", "2", "--end", str(END)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    with open_store(db) as store:
        hashes = [r[0] for r in store.db.query("SELECT password_hash FROM users")]
        assert hashes and not any(hashes)  # the cast is there, no one can sign in
        assert store.db.query("SELECT COUNT(*) FROM api_tokens")[0][0] == 0
        assert not store.users.authenticate_password("admin@example.com", DEFAULT_ADMIN_PASSWORD)
    assert DEFAULT_ADMIN_PASSWORD not in result.output
    assert "zendesk-events users add --db" in result.output


@pytest.mark.parametrize(
    "extra",
    [
        ["--admin-email", "boss@example.com"],
        ["--admin-password", "x" * 12],
        ["--demo-admin", "--admin-email", "a@example.com"],
    ],
)
def test_admin_options_that_do_not_fit_are_one_line(tmp_path: Path, extra: list[str]) -> None:
    result = CliRunner().invoke(cli, ["seed", "--db", str(tmp_path / "x.db"), *extra])
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert result.output.startswith("error: ")
    assert not (tmp_path / "x.db").exists()


def test_a_store_with_a_history_is_refused_unless_append(tmp_path: Path) -> None:
    db = str(tmp_path / "demo.db")
    first = ["seed", "--db", db, "--tickets", "6", "--days", "3", "--seed", "1", "--end", str(END)]
    assert CliRunner().invoke(cli, first).exit_code == 0
    with open_store(db) as store:
        before = store.events.counts()
        creates_before = _tickets_with_two_creations(store)
    second = [*first[:-4], "--seed", "2", "--end", str(END)]
    refused = CliRunner().invoke(cli, second)
    assert refused.exit_code == 2
    lines = refused.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "--append" in lines[0]
    assert f"{before['ticket_events']} ticket events" in lines[0]
    with open_store(db) as store:
        assert store.events.counts() == before  # nothing written
    appended = CliRunner().invoke(cli, [*second, "--append"])
    assert appended.exit_code == 0, appended.output
    with open_store(db) as store:
        assert store.events.counts()["ticket_events"] > before["ticket_events"]
        assert creates_before == 0


def _tickets_with_two_creations(store: Any) -> int:
    rows = store.db.query(
        "SELECT ticket_id FROM ticket_field_changes WHERE event_type = 'Create' "
        "AND field = 'status' GROUP BY ticket_id HAVING COUNT(*) > 1"
    )
    return len(rows)
