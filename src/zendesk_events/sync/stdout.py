"""The stdout sink: JSON Lines for piping, in the JSON Lines sink's line format; no cursor.

It keeps no state between runs, so every run starts at ``since``. Within one run (``--follow``)
it remembers the look-back window's items in memory, as the file sink does on disk, so a
look-back writes only new and changed items.
"""

from __future__ import annotations

import sys
from typing import IO

from zendesk_events.checkpoint import Checkpoint
from zendesk_events.events import StreamName
from zendesk_events.store import StreamState
from zendesk_events.sync.jsonlines import Lines, RecentItems, prepare_lines
from zendesk_events.sync.sink import (
    PageWrite,
    PreparedPage,
    PrepareFunction,
    RunInfo,
    Sink,
    SinkStatus,
    no_state,
)

__all__ = ["StdoutSink"]


class StdoutSink(Sink):
    """JSON Lines on stdout (or ``stream``); keeps no cursor.

    Args:
        stream: where to write bytes (default: ``sys.stdout.buffer``).
    """

    resumable = False
    target = "-"

    def __init__(self, stream: IO[bytes] | None = None) -> None:
        self._out = stream if stream is not None else sys.stdout.buffer
        self._run = RunInfo(None, False)
        self._recent: dict[str, RecentItems] = {}

    def prepare_function(self) -> PrepareFunction:
        return prepare_lines

    def cursor(self, stream: StreamName) -> StreamState | None:
        return None

    def revisit_floor(self, stream: StreamName) -> int | None:
        recent = self._recent.get(stream)
        return None if recent is None else recent.start

    def begin_run(self, run: RunInfo) -> None:
        self._run = run
        self._recent = {}

    def write_prepared(
        self,
        page: PreparedPage,
        checkpoint: Checkpoint,
        *,
        caught_up: bool,
        frontier: int | None = None,
    ) -> PageWrite:
        lines: Lines = page.payload
        lookback = self._run.lookback.get(page.stream, 0)
        recent = self._recent.get(page.stream)
        if recent is None and lookback > 0:
            recent = self._recent[page.stream] = RecentItems(self._run.since)
        picked: list[int] | None = None
        written = PageWrite(page.count)
        if frontier is not None and recent is not None:
            picked, written = recent.sort_page(lines, frontier)
        self._out.write(lines.joined(picked))
        self._out.flush()
        if recent is not None:
            recent.remember(lines, picked)
            recent.prune(checkpoint.start_time - lookback)
        return written

    def status(self) -> SinkStatus:
        raise no_state("stdout (-)")

    def close(self) -> None:
        self._out.flush()
