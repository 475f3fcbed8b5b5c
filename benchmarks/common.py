"""Helpers shared by the benchmarks: cached stores, server processes, RSS, tables."""

from __future__ import annotations

import contextlib
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from zendesk_events.store import open_store

DATA = Path(__file__).resolve().parent / ".data"
PG_ADMIN = "postgresql://127.0.0.1:5432/test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


def tree_pids(pid: int) -> list[int]:
    """``pid`` and all its descendants."""
    out = [pid]
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        out.extend(tree_pids(int(child)))
    return out


def peak_rss_mb(pids: Sequence[int]) -> float:
    """Largest VmHWM (peak resident set) among ``pids``, in MB."""
    peak = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
    return peak / 1024


@contextlib.contextmanager
def process(cmd: Sequence[str], port: int, env: dict[str, str] | None = None) -> Iterator[int]:
    """Run a server command until the block ends; yields its pid."""
    proc = subprocess.Popen(
        list(cmd),
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        try:
            wait_port(port)
        except RuntimeError:
            proc.kill()
            err = proc.stderr.read().decode() if proc.stderr else ""
            raise RuntimeError(f"server did not start: {' '.join(cmd)}\n{err}") from None
        yield proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def reusable(path: Path, events: int) -> bool:
    """Whether ``path`` holds at least 90 % of ``events`` ticket events (else it is removed)."""
    if not path.exists():
        return False
    with open_store(str(path)) as store:
        if store.events.counts()["ticket_events"] >= events * 0.9:
            return True
    path.unlink()
    return False


def seed(path: Path, *, tickets: int, days: int, seed: int, end: int | None = None) -> None:
    """Fill ``path`` with the ``seed`` command in a subprocess, as a user would."""
    print(f"seeding {path.name}: {tickets:,} tickets over {days} days ...", flush=True)
    cmd = [python(), "-m", "zendesk_events", "seed", "--db", str(path), "--tickets", str(tickets)]
    cmd += ["--days", str(days), "--seed", str(seed), *(["--end", str(end)] if end else [])]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain-text table (Markdown-compatible, so it can go into a note as it is)."""
    cells = [[str(h) for h in headers]] + [[_fmt(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in cells
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 10 else f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def python() -> str:
    return sys.executable
