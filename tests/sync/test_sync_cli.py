"""`zendesk-events sync` and `status` end to end: output, exit codes, secrets, Ctrl-C."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner
from synckit import EMAIL, NOW, put, run_cli, ticket_event

from zendesk_events.cli import cli
from zendesk_events.store import Store, open_store

CLEAN_ENV: dict[str, str | None] = {
    name: None
    for name in (
        "ZENDESK_SUBDOMAIN",
        "ZENDESK_URL",
        "ZENDESK_EMAIL",
        "ZENDESK_API_TOKEN",
        "ZENDESK_PASSWORD",
        "ZENDESK_OAUTH_TOKEN",
    )
}


def invoke(args: list[str], **env: str) -> Any:
    return CliRunner().invoke(cli, args, env={**CLEAN_ENV, **env}, catch_exceptions=False)


@pytest.fixture
def small_store(tmp_path: Path) -> Any:
    with open_store(str(tmp_path / "source.db")) as store:
        put(store, "ticket_events", [ticket_event(i, NOW - 9000 + i) for i in range(1, 40)])
        yield store


def test_sync_then_status(small_store: Store, serve_source: Any, tmp_path: Path) -> None:
    target = str(tmp_path / "out.db")
    with serve_source(small_store, page_limit=10) as src:
        result = invoke(
            src.cli_args(target, "--stream", "ticket_events"), ZENDESK_API_TOKEN=src.token
        )
    assert result.exit_code == 0, result.output
    assert "ticket_events: 39 events" in result.stderr
    assert "caught up" in result.stderr
    assert src.token not in result.output
    status = invoke(["status", "--to", target])
    assert status.exit_code == 0, status.output
    cursor = NOW - 9000 + 39
    text = status.stdout
    assert f"source: {src.url}" in text
    assert f"({cursor})" in text and "1 boundary id," in text and "caught up" in text
    assert "ticket_events 39" in text and "ticket_metric_events 0" in text
    assert "39 events" in text  # the last run
    assert src.token not in text
    assert "per-ticket indexes" not in text  # built when the backfill caught up


def test_status_says_when_lookup_indexes_are_deferred(tmp_path: Path) -> None:
    target = str(tmp_path / "out.db")
    with open_store(target) as store:  # as a first backfill killed mid-run leaves it
        store.lookup_indexes.defer_if_empty()
    status = invoke(["status", "--to", target])
    assert status.exit_code == 0, status.output
    assert "per-ticket indexes: deferred" in status.stdout


def test_status_of_a_jsonl_target(small_store: Store, serve_source: Any, tmp_path: Path) -> None:
    target = str(tmp_path / "out.jsonl")
    with serve_source(small_store) as src:
        result = invoke(src.cli_args(target), ZENDESK_API_TOKEN=src.token)
    assert result.exit_code == 0, result.output
    status = invoke(["status", "--db", target])
    assert status.exit_code == 0, status.output
    assert "(jsonl)" in status.stdout and "ticket_events 39" in status.stdout
    assert src.token not in Path(target + ".cursor.json").read_text()


def test_status_without_a_sync_is_one_line(tmp_path: Path) -> None:
    result = invoke(["status", "--to", str(tmp_path / "none.db")])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: nothing synced")


def test_stdout_target_writes_json_lines_to_stdout(
    small_store: Store, serve_source: Any, tmp_path: Path
) -> None:
    with serve_source(small_store) as src:
        result = invoke(src.cli_args("-", "--stream", "ticket_events"), ZENDESK_API_TOKEN=src.token)
    assert result.exit_code == 0, result.output
    lines = [orjson.loads(x) for x in result.stdout.splitlines()]
    assert [x["item"]["id"] for x in lines] == list(range(1, 40))
    assert {x["stream"] for x in lines} == {"ticket_events"}


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["sync"], {}, "no source"),
        (["sync", "--subdomain", "acme", "--email", "a@b.c"], {}, "no credentials"),
        (["sync", "--subdomain", "acme"], {"ZENDESK_API_TOKEN": "x"}, "needs --email"),
        (
            ["sync", "--url", "http://x", "--token", "t", "--email", "e", "--since", "soon"],
            {},
            "cannot read time",
        ),
    ],
)
def test_bad_invocations_are_one_line_and_exit_2(
    args: list[str], env: dict[str, str], message: str, tmp_path: Path
) -> None:
    result = invoke([*args, "--to", str(tmp_path / "x.db")], **env)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert result.stderr.count("\n") == 1


def test_refusals_from_the_server_are_one_clear_line(
    small_store: Store, serve_source: Any, tmp_path: Path
) -> None:
    agent = small_store.users.add("agent@example.com", "agent")
    agent_token = small_store.users.new_api_token(agent)
    target = str(tmp_path / "x.db")
    with serve_source(small_store) as src:
        cases = [
            (["--url", src.url, "--email", EMAIL, "--token", "wrong-token"], "401"),
            (["--url", src.url, "--email", "agent@example.com", "--token", agent_token], "403"),
            (["--url", src.url + "/nowhere", "--email", EMAIL, "--token", src.token], "404"),
        ]
        for flags, status in cases:
            result = invoke(["sync", *flags, "--to", target, "--quiet"])
            assert result.exit_code not in (0, 2), (status, result.output)
            assert result.stderr.startswith("error: "), result.stderr
            assert result.stderr.count("\n") == 1, result.stderr
            assert status in result.stderr, result.stderr
            for secret in ("wrong-token", agent_token, src.token):
                assert secret not in result.output


def test_ctrl_c_in_follow_mode_stops_cleanly_with_exit_0(
    small_store: Store, serve_source: Any, tmp_path: Path
) -> None:
    target = str(tmp_path / "f.db")
    with serve_source(small_store) as src:
        env = {**os.environ, "ZENDESK_API_TOKEN": src.token}
        proc = run_cli(src.cli_args(target, "--follow", "--poll-interval", "0.2"), env=env)
        deadline = time.monotonic() + 30
        while True:
            assert time.monotonic() < deadline and proc.poll() is None, "no catch-up"
            if Path(target).exists():
                with open_store(target) as store:
                    states = store.state.all()
                if len(states) == 2 and all(s.caught_up for s in states):
                    break
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err.decode()
    text = err.decode()
    assert "ticket_events: 39 events" in text and "stopped" in text
    assert "Traceback" not in text
