"""zendesk-events: export, mirror and emulate Zendesk's incremental ticket event export.

The public API, all importable from here; everything else is importable but not promised.
The server lives in :mod:`zendesk_events.server` (``create_app``) because it needs the
``server`` extra (FastAPI, uvicorn), which the library itself does not.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from zendesk_events.checkpoint import Checkpoint
from zendesk_events.client import PageResult, Wait, ZendeskClient
from zendesk_events.config import Secret, ServerSettings
from zendesk_events.emulator import LateArrival, SeedReport, seed_store
from zendesk_events.errors import (
    ApiError,
    AuthenticationError,
    CheckpointError,
    ConfigError,
    ForeignStoreError,
    InvalidRequestError,
    NotFoundError,
    PaginationError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    StoreError,
    TargetBusyError,
    TransportError,
    ZendeskEventsError,
)
from zendesk_events.events import ChildEvent, ExportPage, MetricEvent, TicketEvent
from zendesk_events.store import Store, open_store
from zendesk_events.sync import Sink, SyncReport, open_sink, run_sync

try:
    __version__ = version("zendesk-events")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "ApiError",
    "AuthenticationError",
    "Checkpoint",
    "CheckpointError",
    "ChildEvent",
    "ConfigError",
    "ExportPage",
    "ForeignStoreError",
    "InvalidRequestError",
    "LateArrival",
    "MetricEvent",
    "NotFoundError",
    "PageResult",
    "PaginationError",
    "PermissionDeniedError",
    "RateLimitedError",
    "Secret",
    "SeedReport",
    "ServerError",
    "ServerSettings",
    "Sink",
    "Store",
    "StoreError",
    "SyncReport",
    "TargetBusyError",
    "TicketEvent",
    "TransportError",
    "Wait",
    "ZendeskClient",
    "ZendeskEventsError",
    "__version__",
    "open_sink",
    "open_store",
    "run_sync",
    "seed_store",
]
