"""Resumable, exactly-once export of the event streams into a sink (SQL store or JSON Lines).

```python
from zendesk_events.client import ZendeskClient
from zendesk_events.sync import open_sink, run_sync

with ZendeskClient(subdomain="acme", email="me@acme.com", token="...") as client:
    with open_sink("zendesk-events.db") as sink:
        run_sync(client, sink, streams=["ticket_events", "ticket_metric_events"], since=0)
```

Everything is chosen by the caller: the sink (:func:`open_sink`), the fetcher (a thread by
default; :class:`ProcessFetcher` for long backfills), the look-back (:class:`Lookback`).
"""

from __future__ import annotations

from zendesk_events.sync.engine import (
    MAX_FOLLOW_BACKOFF,
    TICKET_FIELDS_REFRESH,
    FieldSource,
    run_sync,
)
from zendesk_events.sync.fetching import (
    PREFETCH_PAGES,
    FetchedPage,
    Fetcher,
    FetchJob,
    PageSource,
    ThreadFetcher,
)
from zendesk_events.sync.jsonlines import JsonLinesSink
from zendesk_events.sync.lookback import DEFAULT_LOOKBACK, Lookback
from zendesk_events.sync.process import ClientRecipe, ProcessFetcher
from zendesk_events.sync.report import StreamReport, SyncObserver, SyncReport
from zendesk_events.sync.sink import PageWrite, PreparedPage, RunInfo, Sink, SinkStatus
from zendesk_events.sync.sqlsink import SqlSink
from zendesk_events.sync.stdout import StdoutSink
from zendesk_events.sync.targets import DEFAULT_TARGET, open_sink

__all__ = [
    "DEFAULT_LOOKBACK",
    "DEFAULT_TARGET",
    "MAX_FOLLOW_BACKOFF",
    "PREFETCH_PAGES",
    "TICKET_FIELDS_REFRESH",
    "ClientRecipe",
    "FetchJob",
    "FetchedPage",
    "Fetcher",
    "FieldSource",
    "JsonLinesSink",
    "Lookback",
    "PageSource",
    "PageWrite",
    "PreparedPage",
    "ProcessFetcher",
    "RunInfo",
    "Sink",
    "SinkStatus",
    "SqlSink",
    "StdoutSink",
    "StreamReport",
    "SyncObserver",
    "SyncReport",
    "ThreadFetcher",
    "open_sink",
    "run_sync",
]
