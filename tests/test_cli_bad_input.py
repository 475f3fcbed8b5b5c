"""Every bad value on the command line is one line on stderr and a non-zero exit, never a
traceback, and a sync given one touches neither its target nor the network (real processes)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

CLI = [sys.executable, "-m", "zendesk_events"]
ENV = {
    k: v
    for k, v in os.environ.items()
    if not k.startswith("ZENDESK_")  # the source comes from the flags below only
}


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A listening socket standing in for Zendesk: a sync must not connect to it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        sock.setblocking(False)
        yield sock


SYNC = ["sync", "--email", "a@example.com", "--token", "T0KEN", "--quiet"]

BAD_SYNC = {
    "since overflows 64 bits": ["--since", "9223372036854775808"],
    "since in the future": ["--since", "2099-01-01"],
    "since before 1970": ["--since", "-5"],
    "since a span before 1970": ["--since", "99999999999999999999999d"],
    "since after the year 9999": ["--since", "9999-12-31T23:59:59-05:00"],
    "since unreadable": ["--since", "yesterday-ish"],
    "until in the future": ["--until", "2099-01-01"],
    "until overflows": ["--until", "9223372036854775808"],
    "until before since": ["--since", "2020-01-01", "--until", "2019-01-01"],
    "until equal to since": ["--since", "1600000000", "--until", "1600000000"],
    "lookback too long": ["--lookback", "99999999999999999999999d"],
    "lookback negative": ["--lookback", "ticket_events=-5"],
    "lookback unknown stream": ["--lookback", "tickets=5m"],
    "poll interval nan": ["--poll-interval", "nan"],
    "poll interval inf": ["--poll-interval", "inf"],
    "poll interval negative": ["--poll-interval", "-1"],
    "max retries huge": ["--max-retries", "99999999999999999999999"],
    "max response 0": ["--max-response-mb", "0"],
    "max response huge": ["--max-response-mb", "99999999999"],
    "max response not a number": ["--max-response-mb", "lots"],
    "response timeout 0": ["--response-timeout", "0"],
    "response timeout not a number": ["--response-timeout", "soon"],
    "url unparsable": ["--url", "http://[::1"],
    "url port out of range": ["--url", "http://127.0.0.1:99999"],
    "url with a blank": ["--url", "http://exa mple.com"],
    "url not http": ["--url", "ftp://example.com"],
    "url with credentials": ["--url", "http://me:pw@example.com"],
    "unknown stream": ["--stream", "tickets"],
    "no such option": ["--frobnicate"],
}


@pytest.mark.parametrize("args", BAD_SYNC.values(), ids=BAD_SYNC.keys())
def test_bad_sync_input_is_one_line_before_any_work(
    args: list[str], tmp_path: Path, listener: socket.socket
) -> None:
    target = tmp_path / "out.db"
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    source = [] if "--url" in args else ["--url", url]
    done = run([*SYNC, *source, "--to", str(target), *args], tmp_path)
    assert done.returncode == 2, done.stderr
    assert_one_line(done)
    assert "T0KEN" not in done.stderr
    assert not target.exists(), "the target was created"
    with pytest.raises(BlockingIOError):  # nobody connected
        listener.accept()


BAD = {
    "seed tickets huge": ["seed", "--tickets", "99999999999999999999"],
    "seed tickets 0": ["seed", "--tickets", "0"],
    "seed days inf": ["seed", "--days", "inf"],
    "seed days 1e308": ["seed", "--days", "1e308"],
    "seed days nan": ["seed", "--days", "nan"],
    "seed days before 1970": ["seed", "--days", "20000", "--end", "1000000"],
    "seed seed huge": ["seed", "--seed", "99999999999999999999999"],
    "seed end overflows": ["seed", "--end", "9223372036854775808"],
    "seed end before 1970": ["seed", "--end", "-5"],
    "seed late share nan": ["seed", "--late-share", "nan"],
    "seed late minutes reversed": ["seed", "--late-minutes", "5-1"],
    "seed admin without password": ["seed", "--admin-email", "a@example.com"],
    "serve fake clock overflows": ["serve", "--fake-clock", "9223372036854775808"],
    "serve base url without host": ["serve", "--base-url", "http://"],
    "serve base url with a blank": ["serve", "--base-url", "http://a b"],
    "serve port out of range": ["serve", "--port", "99999"],
    "serve seed huge": ["serve", "--seed", "99999999999999999999999"],
    "serve lag huge": ["serve", "--lag", "99999999999999999999999"],
    "serve rate limit huge": ["serve", "--export-rate-limit", "99999999999999999999999"],
    "serve rate window huge": ["serve", "--export-rate-window", "99999999999999999999999"],
    "serve header timeout nan": ["serve", "--header-timeout", "nan"],
    "serve body timeout inf": ["serve", "--body-timeout", "inf"],
    "serve traffic nan": ["serve", "--traffic", "nan"],
    "serve late share 2": ["serve", "--late-share", "2"],
    "serve fake clock with workers": ["serve", "--fake-clock", "0", "--workers", "2"],
    "serve host unknown": ["serve", "--host", "no such host!", "--port", "0"],
    "analyze as of overflows": ["analyze", "--as-of", "9223372036854775808"],
    "analyze as of before 1970": ["analyze", "--as-of", "-1"],
    "analyze missing store": ["analyze", "--to", "{tmp}/missing.db"],
    "report since overflows": ["report", "--since", "9223372036854775808"],
    "report until before since": ["report", "--since", "2020-01-01", "--until", "2019-01-01"],
    "report missing store": ["report", "--to", "{tmp}/missing.db"],
    "status missing store": ["status", "--to", "{tmp}/missing.db"],
    "status unknown url": ["status", "--to", "mysql://example.com/x"],
    "users role unknown": ["users", "add", "--email", "x@example.com", "--role", "god"],
    "users email empty": ["users", "add", "--email", ""],
    "users token unknown user": ["users", "token", "--email", "nobody@example.com"],
    "users list in no directory": ["users", "list", "--db", "{tmp}/no/such/dir/u.db"],
    "no such command": ["frobnicate"],
}


@pytest.mark.parametrize("args", BAD.values(), ids=BAD.keys())
def test_bad_input_of_every_command_is_one_line(args: list[str], tmp_path: Path) -> None:
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    if args[0] in ("seed", "serve") and "--db" not in args:
        args += ["--db", str(tmp_path / "store.db")]
    done = run(args, tmp_path)
    assert done.returncode != 0, done.stderr
    assert_one_line(done)


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args], capture_output=True, text=True, timeout=60, env=ENV, cwd=cwd
    )


def assert_one_line(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: "), done.stderr
