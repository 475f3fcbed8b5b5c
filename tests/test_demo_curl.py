"""The README promise: `seed` prints a curl command that works, verbatim, against `serve`.

Everything here is real: the CLI as a subprocess, the server as a subprocess on a free port
(the only word of the printed command changed is the port), and the real curl binary.
"""

from __future__ import annotations

import shlex
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_seeds_curl_command_works_against_serve(tmp_path: Path) -> None:
    db = str(tmp_path / "demo.db")
    cli = [sys.executable, "-m", "zendesk_events"]
    seeded = subprocess.run(
        [*cli, "seed", "--db", db, "--tickets", "20", "--days", "5", "--seed", "9", "--demo-admin"],
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(x for x in seeded.stdout.splitlines() if x.startswith("curl "))
    port = _free_port()
    server = subprocess.Popen(
        [*cli, "serve", "--db", db, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "serve did not start"
                time.sleep(0.05)
        args = [a.replace("127.0.0.1:8000", f"127.0.0.1:{port}") for a in shlex.split(line)]
        out = subprocess.run(
            [*args, "-s", "-w", "\n%{http_code}"],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        )
        body, status = out.stdout.rsplit("\n", 1)
        assert status == "200", body
        page = orjson.loads(body)
        assert page["count"] == len(page["ticket_events"]) > 0
        assert page["next_page"].startswith(f"http://127.0.0.1:{port}/api/v2/incremental/")
    finally:
        server.terminate()
        server.communicate(timeout=15)  # waits, and closes the stderr pipe
