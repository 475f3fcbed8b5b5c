"""Runs the server under uvicorn: one process, or several workers sharing one set of limits.

The listening socket is bound here, before uvicorn starts, so a busy or forbidden port is one
:class:`~zendesk_events.errors.ConfigError` (one line from the CLI) rather than uvicorn's six
log lines and a ``sys.exit``. Every connection speaks
:class:`~zendesk_events.server.protocol.DeadlineHttpProtocol` (read deadlines, a header cap).
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import inspect
import os
import socket
from typing import Any

from fastapi import FastAPI

from zendesk_events.config import ServerSettings
from zendesk_events.errors import ConfigError, ZendeskEventsError
from zendesk_events.extras import require
from zendesk_events.server.app import SETTINGS_ENV, create_app, settings_to_json

__all__ = ["bind", "serve", "uvicorn_config"]


def bind(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` (port 0: any free port), ready for :func:`serve`.

    Raises:
        ConfigError: the address cannot be used (taken, not ours, no such host).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        reason = (exc.strerror or str(exc)).rstrip(".")
        reason = reason[:1].lower() + reason[1:]
        raise ConfigError(f"cannot listen on {host}:{port}: {reason}") from None
    sock.set_inheritable(True)  # worker processes accept on it
    return sock


def uvicorn_config(
    settings: ServerSettings,
    app: Any,
    *,
    workers: int = 1,
    log_level: str = "info",
    access_log: bool = False,
) -> Any:
    """The ``uvicorn.Config`` ``serve`` runs ``app`` with (tests run the same).

    Args:
        settings: the read deadlines (``header_timeout``, ``body_timeout``).
        app: the ASGI app, or an import string of a factory for worker processes.
        workers: worker processes.
        log_level: uvicorn's log level.
        access_log: log every request.

    Raises:
        MissingExtraError: the ``server`` extra (httptools with it) is not installed.
    """
    require("server", "zendesk-events serve")
    import uvicorn

    from zendesk_events.server.protocol import DeadlineHttpProtocol

    protocol = functools.partial(
        DeadlineHttpProtocol,
        header_timeout=settings.header_timeout,
        body_timeout=settings.body_timeout,
    )
    return uvicorn.Config(
        app,
        factory=isinstance(app, str),
        workers=workers,
        log_level=log_level,
        access_log=access_log,
        http=protocol,  # type: ignore[arg-type]  # uvicorn calls it as it calls a class
        ws="none",  # no WebSocket endpoints: an Upgrade request is answered as plain HTTP
        loop="uvloop" if importlib.util.find_spec("uvloop") else "auto",
        server_header=False,
    )


def serve(
    settings: ServerSettings,
    sock: socket.socket,
    *,
    workers: int = 1,
    log_level: str = "info",
    access_log: bool = False,
    app: FastAPI | None = None,
    worker_factory: str = "zendesk_events.server.app:worker_app",
) -> None:
    """Serve on ``sock`` (from :func:`bind`) until interrupted.

    Every process over the store counts the rate limits in the store
    (``settings.shared_limits``), so the account's budget is one budget however many
    processes answer.

    Args:
        app: the app to serve in this process (default: ``create_app(settings)``).
        worker_factory: the import path of the app factory each worker process calls.

    Raises:
        StoreError: the store cannot be opened.
        MissingExtraError: httptools is missing.
        ZendeskEventsError: the server did not start.
    """
    import uvicorn

    if workers <= 1:
        config = uvicorn_config(
            settings, app or create_app(settings), log_level=log_level, access_log=access_log
        )
        server = uvicorn.Server(config)
        interrupted = False
        try:
            server.run(sockets=[sock])
        except KeyboardInterrupt:  # Ctrl-C is how a server stops
            interrupted = True
        if not server.started:
            if interrupted:  # Ctrl-C while it started: not a failure
                raise KeyboardInterrupt
            raise ZendeskEventsError("the server did not start (see the log above)")
        return
    from uvicorn.supervisors import Multiprocess

    # Workers are fresh processes importing the app by name; they inherit this variable.
    os.environ[SETTINGS_ENV] = settings_to_json(settings)
    config = uvicorn_config(
        settings,
        worker_factory,
        workers=workers,
        log_level=log_level,
        access_log=access_log,
    )
    # newer uvicorn builds each worker's server itself; older versions take the target to run
    kwargs: dict[str, Any] = {"sockets": [sock]}
    if "target" in inspect.signature(Multiprocess).parameters:
        kwargs["target"] = uvicorn.Server(config).run
    with contextlib.suppress(KeyboardInterrupt):
        Multiprocess(config, **kwargs).run()
