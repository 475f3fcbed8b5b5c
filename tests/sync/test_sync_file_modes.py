"""Every file a real `zendesk-events sync` creates is its owner's only, under umask 022.

They hold the account's tickets (a store also its users' credential hashes): the SQLite file
and its -wal/-shm, the JSON Lines file and its cursor file, and the lock file that names the
running sync. Looked at while the sync runs (the lock, -wal and -shm exist only then) and
after it ended.
"""

from __future__ import annotations

import os
import signal
import stat
from pathlib import Path
from typing import Any

import pytest
from synckit import run_cli, wait_caught_up

from zendesk_events.store import Store

EXPECTED = {
    "out.db": {"out.db", "out.db-wal", "out.db-shm", "out.db.sync-lock"},
    "out.jsonl": {"out.jsonl", "out.jsonl.cursor.json", "out.jsonl.sync-lock"},
}


def _modes(folder: Path) -> dict[str, str]:
    modes = {}
    for path in folder.iterdir():
        try:
            modes[path.name] = oct(stat.S_IMODE(path.stat().st_mode))
        except FileNotFoundError:  # a cursor's temporary file, renamed over the cursor meanwhile
            continue
    return modes


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sync_creates_owner_only_files_under_a_permissive_umask(
    source_store: Store, serve_source: Any, tmp_path: Path, name: str
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    target = str(folder / name)
    with serve_source(source_store, page_limit=500) as src:
        env = {**os.environ, "ZENDESK_API_TOKEN": src.token}
        args = src.cli_args(target, "--follow", "--poll-interval", "0.2")
        proc = run_cli(args, env=env, umask=0o022)
        try:
            wait_caught_up(proc, target)
            running = _modes(folder)
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=30)
            assert proc.returncode == 0, err.decode()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    after = _modes(folder)
    # a --follow poll may be committing: its cursor's temporary file counts for the modes only
    assert {n for n in running if not n.endswith(".tmp")} == EXPECTED[name], running
    assert all(mode == "0o600" for mode in running.values()), running
    assert all(mode == "0o600" for mode in after.values()), after
    assert f"{name}.sync-lock" not in after
