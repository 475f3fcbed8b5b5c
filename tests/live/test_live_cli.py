"""`serve`'s live options: one-line errors, the worker factory wiring the emulated account, and a
real `serve --traffic` process that writes on the wall clock and stops cleanly on Ctrl-C."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from livekit import token_header

from zendesk_events.cli import cli
from zendesk_events.config import ServerSettings
from zendesk_events.emulator import seed_store
from zendesk_events.server.app import SETTINGS_ENV, settings_to_json
from zendesk_events.store import open_store


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--fake-clock", "2025-10-06", "--workers", "2"], "--fake-clock"),
        (["--traffic", "-1"], "--traffic"),
        (["--traffic", "5000"], "--traffic"),
        (["--late-minutes", "soon"], "--late-minutes"),
        (["--late-share", "2"], "--late-share"),
        (["--fake-clock", "yesterday"], "cannot read time"),
    ],
)
def test_bad_live_options_are_one_line(sqlite_url: str, args: list[str], needle: str) -> None:
    r = CliRunner().invoke(cli, ["serve", "--db", sqlite_url, *args])
    assert r.exit_code == 2, r.output
    assert needle in r.output
    assert "Traceback" not in r.output


def test_workers_build_the_emulated_account_from_the_settings(
    sqlite_url: str, run_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_store(sqlite_url) as store:
        auth = token_header(store, "admin@example.com", "admin")
    settings = ServerSettings(db=sqlite_url, export_rate_limit=0, seed=4, late_share=0.0)
    monkeypatch.setenv(SETTINGS_ENV, settings_to_json(settings))
    from zendesk_events.cli.live import prepare, worker_app

    prepare(settings)
    with run_server(worker_app()) as url:
        body = {"ticket": {"subject": "From a worker", "comment": {"body": "Hello"}}}
        r = httpx.post(f"{url}/api/v2/tickets.json", json=body, headers=auth)
        assert r.status_code == 201, r.text
        assert r.json()["ticket"]["group_id"] is not None  # the account's groups, written once


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_serve_traffic_writes_live_and_stops_cleanly(tmp_path: Path) -> None:
    db = str(tmp_path / "demo.db")
    with open_store(db) as store:
        seed_store(store, tickets=20, days=2, seed=2, admin_email=None)
        before = store.events.counts()["ticket_events"]
    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "zendesk_events", "serve", "--db", db, "--port", str(port)]
    proc = subprocess.Popen(
        [*cmd, "--traffic", "20", "--seed", "3", "--log-level", "warning"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with open_store(db) as store:
                if store.events.counts()["ticket_events"] >= before + 20:
                    break
            time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert "traffic 20 writes/s" in out
    with open_store(db) as store:
        assert store.events.counts()["ticket_events"] >= before + 20
