"""Ctrl-C at a random moment: run the installed ``zendesk-events`` command, send it SIGINT after
a delay, and tell a clean stop from a traceback.

A module of its own (not conftest) so the sync and server tests import it by this name.

A signal that arrives before :func:`zendesk_events.cli.main` runs cannot be ours to handle: in
the interpreter's own start (~10-20 ms, before any line of the command runs) Python either dies
of it or prints a traceback from its start-up imports, as it does for any script. Such a try is
counted as ``early``, not failed; ``tests/test_imports.py`` holds the window of ours
before ``main`` (the console script's one import) to two tiny modules.
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

COMMAND = str(Path(sys.executable).with_name("zendesk-events"))
"""The console script as pip installed it: what a user runs."""


@dataclass(frozen=True)
class Interrupted:
    """One run and its Ctrl-C."""

    delay: float
    returncode: int
    stderr: str

    @property
    def reached_main(self) -> bool:
        """Whether the signal could have been ours: the command's ``main`` was running."""
        if "Traceback" in self.stderr:
            return (
                re.search(r'zendesk_events/cli/__init__\.py", line \d+, in main', self.stderr)
                is not None
            )
        return self.returncode != -signal.SIGINT  # else: killed before Python's handler


def interrupt(
    args: list[str], delay: float, *, again: float | None = None, env: dict[str, str] | None = None
) -> Interrupted:
    """Run ``zendesk-events ARGS``, send SIGINT after ``delay`` seconds (and once more
    ``again`` seconds later), and wait for it to end."""
    process = subprocess.Popen(
        [COMMAND, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        # a run that hangs is sent SIGABRT below, on which every thread's stack is printed
        env={**os.environ, "PYTHONFAULTHANDLER": "1", **(env or {})},
    )
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    if again is not None:
        time.sleep(again)
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
    try:
        _, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGABRT)
        _, err = process.communicate()
        raise AssertionError(
            f"still running 60 s after Ctrl-C at {delay:.3f} s:\n{err.decode(errors='replace')}"
        ) from None
    return Interrupted(delay, process.returncode, err.decode(errors="replace"))


def delays(count: int, seed: int, most: float = 0.5) -> list[float]:
    """``count`` random delays in [0, most), the same ones for the same seed."""
    rng = random.Random(seed)
    return [rng.uniform(0.0, most) for _ in range(count)]


def assert_clean(run: Interrupted, codes: tuple[int, ...] = (130, 0)) -> None:
    """A run whose Ctrl-C reached ``main`` stopped cleanly: no traceback, an expected code."""
    if not run.reached_main:
        return
    assert "Traceback" not in run.stderr, f"Ctrl-C at {run.delay:.3f} s:\n{run.stderr}"
    assert run.returncode in codes, f"Ctrl-C at {run.delay:.3f} s: {run.returncode}\n{run.stderr}"
    if run.returncode == 130:
        assert run.stderr.splitlines()[-1] == "interrupted", run.stderr
