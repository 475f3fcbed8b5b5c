"""A database that belongs to another application is refused, untouched, unless the user says.

`sync --to app.db` (and seed, serve, analyze, status, users, report) used to add our tables to
any SQLite file it was pointed at. Now a database holding tables but no store of ours is
refused in one line, before anything is written (not our schema table, not SQLite's WAL
switch, not a lock file), unless --allow-foreign-tables; a new or empty database, or one of
our stores, needs no flag.
"""

from __future__ import annotations

import hashlib
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner
from synckit import NOW, put, ticket_event

from zendesk_events.cli import cli
from zendesk_events.errors import ForeignStoreError
from zendesk_events.store import open_store

UNREACHABLE = ["--url", "http://127.0.0.1:9", "--email", "a@example.com", "--token", "t"]


def invoke(args: list[str]) -> Any:
    return CliRunner().invoke(cli, args, catch_exceptions=False)


def foreign_sqlite(path: Path, journal: str = "delete") -> Path:
    """Another application's SQLite file: two tables, a row, cleanly closed."""
    with closing(sqlite3.connect(path)) as conn:
        conn.execute(f"PRAGMA journal_mode={journal}")
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER)")
        conn.execute("INSERT INTO customers (name) VALUES ('Ada')")
        conn.commit()
    return path


def snapshot(folder: Path) -> dict[str, str]:
    """Every file in ``folder`` and a digest of its bytes."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


COMMANDS = {
    "sync": lambda db: ["sync", *UNREACHABLE, "--to", db],
    "seed": lambda db: ["seed", "--db", db, "--tickets", "2", "--days", "1"],
    "serve": lambda db: ["serve", "--db", db, "--port", "0"],
    "analyze": lambda db: ["analyze", "--to", db],
    "report": lambda db: ["report", "--to", db, "--out", db + ".html"],
    "status": lambda db: ["status", "--to", db],
    "users": lambda db: ["users", "add", "--db", db, "--email", "me@example.com"],
}


@pytest.mark.parametrize("journal", ["delete", "wal"])
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_refuses_another_applications_sqlite_file_untouched(
    tmp_path: Path, command: str, journal: str
) -> None:
    db = foreign_sqlite(tmp_path / "app.db", journal)
    before = snapshot(tmp_path)
    result = invoke(COMMANDS[command](str(db)))
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "holds another application's tables (customers, orders)" in result.stderr
    assert "--allow-foreign-tables" in result.stderr
    assert snapshot(tmp_path) == before  # no byte changed, no -wal, -shm or lock file made
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == journal


def test_not_a_database_is_one_line_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("my notes, not a database\n" * 50)
    before = snapshot(tmp_path)
    result = invoke(COMMANDS["sync"](str(path)))
    assert result.exit_code == 1, result.output
    assert result.stderr.count("\n") == 1 and "not a database" in result.stderr
    assert snapshot(tmp_path) == before


def test_new_empty_and_own_databases_need_no_flag(tmp_path: Path) -> None:
    empty_file = tmp_path / "empty.db"
    empty_file.write_bytes(b"")
    empty_db = tmp_path / "empty-sqlite.db"
    with closing(sqlite3.connect(empty_db)) as conn:
        conn.execute("PRAGMA user_version = 1")  # a valid header, no table
    ours = tmp_path / "ours.db"
    open_store(str(ours)).close()
    for path in (tmp_path / "new.db", empty_file, empty_db, ours):
        with open_store(str(path)) as store:
            assert store.events.counts()["ticket_events"] == 0


def test_the_library_raises_a_typed_error_and_takes_the_flag(tmp_path: Path) -> None:
    db = foreign_sqlite(tmp_path / "app.db")
    with pytest.raises(ForeignStoreError) as caught:
        open_store(str(db))
    assert caught.value.tables == ("customers", "orders")
    assert caught.value.exit_code == 2
    with open_store(str(db), allow_foreign_tables=True) as store:
        assert store.events.counts()["ticket_events"] == 0
    with open_store(str(db)) as store:  # ours now too: no flag needed any more
        rows = store.db.query("SELECT name FROM customers")
    assert rows == [("Ada",)]


def test_sync_and_seed_with_the_flag_add_ours_beside_theirs(
    tmp_path: Path, serve_source: Any
) -> None:
    with open_store(str(tmp_path / "source.db")) as source:
        put(source, "ticket_events", [ticket_event(i, NOW - 9000 + i) for i in range(1, 6)])
        synced = foreign_sqlite(tmp_path / "app.db")
        with serve_source(source) as src:
            args = src.cli_args(str(synced), "--stream", "ticket_events", "--token", src.token)
            refused = invoke(args)
            assert refused.exit_code == 2, refused.output
            result = invoke([*args, "--allow-foreign-tables"])
    assert result.exit_code == 0, result.output
    seeded = foreign_sqlite(tmp_path / "app2.db")
    result = invoke([*COMMANDS["seed"](str(seeded)), "--allow-foreign-tables"])
    assert result.exit_code == 0, result.output
    for path, stream, count in ((synced, "ticket_events", 5), (seeded, "ticket_events", None)):
        with closing(sqlite3.connect(path)) as conn:
            assert conn.execute("SELECT name FROM customers").fetchall() == [("Ada",)]
            held = conn.execute(f"SELECT COUNT(*) FROM {stream}").fetchone()[0]
        assert held == count if count is not None else held > 0


@pytest.mark.postgres
def test_a_postgresql_schema_of_another_application_is_refused_untouched(pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE invoices (id BIGINT PRIMARY KEY)")
    result = invoke(COMMANDS["sync"](pg_url))
    assert result.exit_code == 2, result.output
    assert "(schema zde_" in result.stderr and "tables (invoices)" in result.stderr
    assert result.stderr.count("\n") == 1
    with psycopg.connect(pg_url, autocommit=True) as conn:
        tables = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        ).fetchall()
    assert tables == [("invoices",)]
    with open_store(pg_url, allow_foreign_tables=True) as store:
        assert store.events.counts()["ticket_events"] == 0


def test_the_server_app_refuses_it_too(tmp_path: Path) -> None:
    """A library caller of create_app (as every serve worker is) gets the same refusal."""
    from zendesk_events.config import ServerSettings
    from zendesk_events.server import create_app

    db = foreign_sqlite(tmp_path / "app.db")
    before = snapshot(tmp_path)
    with pytest.raises(ForeignStoreError):
        create_app(ServerSettings(db=str(db)))
    assert snapshot(tmp_path) == before
