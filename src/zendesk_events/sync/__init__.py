"""Resumable, exactly-once export of the event streams into a sink (SQL store or JSON Lines)."""

from __future__ import annotations

from zendesk_events.sync.engine import (
    PREFETCH_PAGES,
    PageSource,
    StreamReport,
    SyncObserver,
    SyncReport,
    run_sync,
)
from zendesk_events.sync.sinks import (
    DEFAULT_TARGET,
    JsonLinesSink,
    PreparedPage,
    RunInfo,
    Sink,
    SinkStatus,
    SqlSink,
    StdoutSink,
    open_sink,
)

__all__ = [
    "DEFAULT_TARGET",
    "PREFETCH_PAGES",
    "JsonLinesSink",
    "PageSource",
    "PreparedPage",
    "RunInfo",
    "Sink",
    "SinkStatus",
    "SqlSink",
    "StdoutSink",
    "StreamReport",
    "SyncObserver",
    "SyncReport",
    "open_sink",
    "run_sync",
]
