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

__all__ = ["cli", "main"]

INTERRUPTED = 130
"""Exit code after Ctrl-C: 128 + SIGINT, as a shell reports a process stopped by it."""


def main() -> None:
    """Console-script entry point: runs the command; Ctrl-C at any moment is one line,
    "interrupted", and exit 130 (a command that stops cleanly on it, as ``sync`` after its
    current page and ``serve``, exits 0)."""
    try:
        try:
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
