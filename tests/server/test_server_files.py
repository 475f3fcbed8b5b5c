"""Stores hold the account's tickets and the users' credential hashes: every file of one that
we create is readable by its owner only, SQLite's -wal and -shm included, whatever the umask
(issue 10, item 11: stores were created world-readable)."""

from __future__ import annotations

import os
import stat
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from processkit import CLI, free_port


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=lambda: os.umask(0),  # the most permissive umask there is
    )


def _modes(db: Path) -> dict[str, int]:
    return {
        p.name: stat.S_IMODE(p.stat().st_mode)
        for p in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm"))
        if p.exists()
    }


@pytest.mark.parametrize("command", ["seed", "users"])
def test_files_of_a_new_store_are_the_owners_only(tmp_path: Path, command: str) -> None:
    db = tmp_path / "new.db"
    args = {
        "seed": ["seed", "--db", str(db), "--tickets", "3", "--days", "1"],
        "users": ["users", "add", "--db", str(db), "--email", "a@example.com"],
    }[command]
    r = _cli(*args)
    assert r.returncode == 0, r.stderr
    modes = _modes(db)
    assert str(db.name) in modes
    assert set(modes.values()) == {0o600}, modes


def test_a_store_served_first_is_the_owners_only_while_serving(tmp_path: Path) -> None:
    db = tmp_path / "served.db"
    port = free_port()
    server = subprocess.Popen(
        [*CLI, "serve", "--db", str(db), "--port", str(port), "--log-level", "warning"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=lambda: os.umask(0),
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/_emulator/clock", timeout=1)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline and server.poll() is None
                time.sleep(0.1)
        # a request that writes (a counted failed sign-in): -wal and -shm exist now
        httpx.get(
            f"http://127.0.0.1:{port}/api/v2/incremental/ticket_events?start_time=0",
            auth=("nobody@example.com", "wrong"),
            timeout=30,
        )
        modes = _modes(db)
        assert {db.name, db.name + "-wal", db.name + "-shm"} <= set(modes), modes
        assert set(modes.values()) == {0o600}, modes
    finally:
        server.terminate()
        server.wait(timeout=15)
