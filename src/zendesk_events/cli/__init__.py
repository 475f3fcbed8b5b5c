"""The ``zendesk-events`` command (the group and its commands: :mod:`zendesk_events.cli.app`).

This module is what the console script imports before anything else, so it imports nothing:
until :func:`main` runs, a Ctrl-C would print a ``KeyboardInterrupt`` traceback (it did, 12
times in 60, while the command's imports ran). :func:`main` imports the rest inside its handler.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # not typing's: see zendesk_events/__init__.py
if TYPE_CHECKING:
    from zendesk_events.cli.app import cli

__all__ = ["HeldInterrupt", "cli", "main"]

INTERRUPTED = 130
"""Exit code after Ctrl-C: 128 + SIGINT, as a shell reports a process stopped by it."""


class HeldInterrupt:
    """A ``with`` block that Ctrl-C does not cut short: it raises ``KeyboardInterrupt`` as the
    block ends instead.

    For imports and for building FastAPI routes: pydantic builds its validators in Rust and
    turns a ``KeyboardInterrupt`` raised meanwhile into a ``SchemaError``, a traceback instead
    of "interrupted" (3 of 300 Ctrl-Cs sent to a starting ``serve``). Only where Python's own
    handler is in place, in the main thread (an ignored SIGINT stays ignored).
    """

    def __init__(self) -> None:
        self._previous: object = None
        self._caught = False

    def __enter__(self) -> None:
        import signal
        import threading

        if threading.current_thread() is not threading.main_thread():
            return
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            self._previous = signal.signal(signal.SIGINT, self._hold)

    def _hold(self, signum: int, frame: object) -> None:
        self._caught = True

    def __exit__(self, *exc: object) -> None:
        import signal

        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)  # type: ignore[arg-type]
        if self._caught:
            raise KeyboardInterrupt


def main() -> None:
    """Console-script entry point: runs the command; Ctrl-C at any moment is one line,
    "interrupted", and exit 130 (a command that stops cleanly on it, as ``sync`` after its
    current page and ``serve``, exits 0)."""
    try:
        try:
            with HeldInterrupt():
                from zendesk_events.cli.app import cli

            cli.main(prog_name="zendesk-events")
        finally:
            # Whatever happens next is the process ending: a Ctrl-C now could only interrupt
            # the interpreter's shutdown (joining threads), which prints a traceback.
            import signal

            signal.signal(signal.SIGINT, signal.SIG_IGN)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(INTERRUPTED)


def __getattr__(name: str) -> object:
    if name == "cli":
        from zendesk_events.cli.app import cli

        return cli
    raise AttributeError(f"module 'zendesk_events.cli' has no attribute {name!r}")
