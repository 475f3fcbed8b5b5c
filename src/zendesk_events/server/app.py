"""Builds the server: the FastAPI app, its routers, error rendering and the worker factory."""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from zendesk_events.config import ServerSettings
from zendesk_events.errors import ConfigError
from zendesk_events.server import account, control, incremental, ticket_api, tickets
from zendesk_events.server.auth import Authenticator
from zendesk_events.server.desk import Desk
from zendesk_events.server.edge import Edge, allowed_methods
from zendesk_events.server.errors import (
    EndpointNotFound,
    InvalidStartTime,
    MethodNotAllowed,
    ZendeskHTTPError,
    render,
)
from zendesk_events.server.faults import FaultInjector, FaultPlan
from zendesk_events.server.openapi import install_openapi
from zendesk_events.server.passwords import PasswordChecker
from zendesk_events.server.ratelimit import DatabaseCounter, MemoryCounter, RateLimiter
from zendesk_events.server.signin import SignInLimits
from zendesk_events.store import Store, open_store
from zendesk_events.timeutil import Clock, SystemClock

__all__ = [
    "SETTINGS_ENV",
    "create_app",
    "settings_from_json",
    "settings_to_json",
    "worker_app",
]

SETTINGS_ENV = "ZENDESK_EVENTS_SERVER_SETTINGS"
"""The environment variable that hands :class:`ServerSettings` to worker processes."""


def create_app(
    settings: ServerSettings,
    store: Store | None = None,
    clock: Clock | None = None,
    desk: Desk | None = None,
    *,
    desk_factory: Callable[[Store, Clock], Desk] | None = None,
) -> FastAPI:
    """The Zendesk-compatible export server over ``store``.

    Args:
        settings: limits, lag, page size, base URL; ``settings.db`` is opened when ``store``
            is None (and then closed on shutdown).
        store: the events and users to serve (the caller keeps ownership).
        clock: "now" for the lag and the rate-limit windows (tests pass a FakeClock).
        desk: the emulated account behind the write endpoints (the Tickets API, SLA policy
            writes) and the clock's moves, advanced in the background while the app runs;
            None: a mirror, whose app has no write routes (they answer 405).
        desk_factory: builds the desk from the store and clock the app opened (when the app
            owns its store: ``serve``); exclusive with ``desk``.

    Raises:
        ConfigError: ``settings.page_limit`` < 1.
        StoreError: ``settings.db`` cannot be opened.
    """
    if settings.page_limit < 1:
        raise ConfigError("page_limit must be at least 1")
    owned = store is None
    the_store = open_store(settings.db) if store is None else store
    the_clock: Clock = clock or SystemClock()
    if desk is None and desk_factory is not None:
        desk = desk_factory(the_store, the_clock)
    counter = DatabaseCounter(the_store.rate_limits) if settings.shared_limits else MemoryCounter()
    limiter = RateLimiter(settings, the_clock, counter)

    checker = PasswordChecker(
        the_store.users, slots=settings.password_slots, queue=settings.password_queue
    )
    signin_limits = SignInLimits(
        counter,
        the_clock,
        per_user=settings.signin_failures_per_user,
        per_address=settings.signin_failures_per_address,
        window=settings.signin_window,
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if desk is not None:
            desk.start()
        try:
            yield
        finally:
            if desk is not None:
                desk.stop()
            checker.close()
            if owned:
                the_store.close()

    app = FastAPI(
        title="zendesk-events",
        version="0.1.0",
        description="Zendesk Support's incremental ticket event export, served from a store "
        "(a mirror of real Zendesk data, or an emulator over synthetic data).",
        lifespan=lifespan,
        # Zendesk answers an unknown path with 404, not a redirect to another URL.
        redirect_slashes=False,
    )
    app.state.settings = settings
    app.state.store = the_store
    app.state.clock = the_clock
    app.state.limiter = limiter
    app.state.desk = desk
    app.state.faults = FaultPlan()
    app.state.authenticator = Authenticator(
        the_store.users, the_clock, checker=checker, limits=signin_limits
    )
    app.state.export = incremental.IncrementalExport(
        settings, the_store, the_clock, limiter, app.state.authenticator
    )
    app.include_router(incremental.router)
    app.include_router(tickets.router)
    app.include_router(ticket_api.read_router)
    if desk is not None:
        app.include_router(ticket_api.write_router)
    app.include_router(account.router)
    app.include_router(control.router)
    install_openapi(app)
    _install_error_handlers(app)
    app.add_middleware(incremental.ExportFastPath, export=app.state.export)
    app.add_middleware(FaultInjector, plan=app.state.faults)
    app.add_middleware(Edge, limiter=limiter, max_body=settings.max_body_bytes)
    return app


def _install_error_handlers(app: FastAPI) -> None:
    async def zendesk_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, ZendeskHTTPError)
        return render(exc)

    async def routing_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 405:
            return render(MethodNotAllowed(allowed_methods(app.routes, request.scope)))
        if exc.status_code == 404:
            return render(EndpointNotFound())
        error = ZendeskHTTPError(str(exc.detail))
        error.status = exc.status_code  # type: ignore[misc]
        return render(error, exc.headers)

    async def validation_error(_: Request, exc: Exception) -> Response:
        # No route declares validated parameters; should one ever, its error stays Zendesk's.
        return render(InvalidStartTime("invalid request parameters"))

    app.add_exception_handler(ZendeskHTTPError, zendesk_error)
    app.add_exception_handler(StarletteHTTPException, routing_error)
    app.add_exception_handler(RequestValidationError, validation_error)


# ---- multi-worker mode ---------------------------------------------------------------------
# uvicorn starts each worker as a fresh process that imports the app from an import string, so
# the settings object cannot be passed in memory. The CLI serializes it into one environment
# variable (inherited by the workers) and each worker rebuilds it here: one variable holding
# JSON rather than one per field, so adding a setting needs no change in this plumbing. The
# value may hold a database password (in the URL): it lives only in the environment of this
# process tree, never in a file, an argument list (visible in `ps`) or a log line.


def settings_to_json(settings: ServerSettings) -> str:
    """``settings`` as JSON, for :data:`SETTINGS_ENV`."""
    return json.dumps(dataclasses.asdict(settings))


def settings_from_json(text: str) -> ServerSettings:
    """The inverse of :func:`settings_to_json`.

    Raises:
        ConfigError: not a settings object.
    """
    try:
        data: Any = json.loads(text)
        return ServerSettings(**data)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"invalid server settings in ${SETTINGS_ENV}: {exc}") from None


def worker_app() -> FastAPI:
    """uvicorn factory for worker processes (``zendesk_events.server.app:worker_app``).

    Raises:
        ConfigError: :data:`SETTINGS_ENV` is missing or invalid.
    """
    text = os.environ.get(SETTINGS_ENV)  # the worker process's edge: its only input
    if not text:
        raise ConfigError(f"${SETTINGS_ENV} is not set (start workers with zendesk-events serve)")
    return create_app(settings_from_json(text))
