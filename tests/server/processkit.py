"""Real `zendesk-events serve` processes for the tests that need whole processes: two servers
over one store, the server's own memory, `users` commands run from another process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

CLI = [sys.executable, "-m", "zendesk_events"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class ServeProcess:
    url: str
    process: subprocess.Popen[bytes]

    def rss_kib(self, field: str = "VmRSS") -> int:
        """The server process's resident memory (``VmHWM``: its peak), from /proc."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        raise AssertionError(f"no {field} for {self.process.pid}")


@contextmanager
def serve_process(db: str, *args: str) -> Iterator[ServeProcess]:
    """`zendesk-events serve --db db ARGS` on a free port, stopped afterwards."""
    port = free_port()
    process = subprocess.Popen(
        [*CLI, "serve", "--db", db, "--port", str(port), "--log-level", "warning", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                if process.poll() is not None:
                    err = process.stderr.read().decode() if process.stderr else ""
                    raise AssertionError(f"serve exited {process.returncode}: {err}") from None
                assert time.monotonic() < deadline, "serve did not start"
                time.sleep(0.05)
        yield ServeProcess(f"http://127.0.0.1:{port}", process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """`zendesk-events ARGS` in a process of its own."""
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=120)
