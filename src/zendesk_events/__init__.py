"""zendesk-events: export, mirror and emulate Zendesk's incremental ticket event export.

The public API, all importable from here; everything else is importable but not promised.
The server lives in :mod:`zendesk_events.server` (``create_app``) because it needs the
``server`` extra (FastAPI, uvicorn), which the library itself does not.

Each name is imported when first used (PEP 562), so ``import zendesk_events`` costs nothing:
the ``zendesk-events`` command starts with this package, and until its Ctrl-C handling is in
place an interrupt would print a traceback.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: importing typing alone takes ~10 ms at start-up
if TYPE_CHECKING:
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
        MissingExtraError,
        NotFoundError,
        PaginationError,
        PermissionDeniedError,
        RateLimitedError,
        ResponseTooLargeError,
        ServerError,
        StoreError,
        TargetBusyError,
        TransportError,
        ZendeskEventsError,
    )
    from zendesk_events.events import ChildEvent, ExportPage, MetricEvent, TicketEvent
    from zendesk_events.store import Store, open_store
    from zendesk_events.sync import Sink, SyncReport, open_sink, run_sync

    __version__: str

_ERRORS = (
    "ApiError AuthenticationError CheckpointError ConfigError ForeignStoreError "
    "InvalidRequestError "
    "MissingExtraError NotFoundError PaginationError PermissionDeniedError RateLimitedError "
    "ResponseTooLargeError ServerError StoreError TargetBusyError TransportError "
    "ZendeskEventsError"
)
_WHERE = {
    **dict.fromkeys(["Checkpoint"], "checkpoint"),
    **dict.fromkeys(["PageResult", "Wait", "ZendeskClient"], "client"),
    **dict.fromkeys(["Secret", "ServerSettings"], "config"),
    **dict.fromkeys(["LateArrival", "SeedReport", "seed_store"], "emulator"),
    **dict.fromkeys(_ERRORS.split(), "errors"),
    **dict.fromkeys(["ChildEvent", "ExportPage", "MetricEvent", "TicketEvent"], "events"),
    **dict.fromkeys(["Store", "open_store"], "store"),
    **dict.fromkeys(["Sink", "SyncReport", "open_sink", "run_sync"], "sync"),
}
"""Each public name and the module of ours that defines it."""


def __getattr__(name: str) -> object:
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            value: object = version("zendesk-events")
        except PackageNotFoundError:  # pragma: no cover - running from a source tree
            value = "0.0.0"
    elif name in _WHERE:
        from importlib import import_module

        value = getattr(import_module(f"zendesk_events.{_WHERE[name]}"), name)
    else:
        raise AttributeError(f"module 'zendesk_events' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


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
    "MissingExtraError",
    "NotFoundError",
    "PageResult",
    "PaginationError",
    "PermissionDeniedError",
    "RateLimitedError",
    "ResponseTooLargeError",
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
