"""Runs the server under uvicorn: one process, or several workers sharing one set of limits."""

from __future__ import annotations

import importlib.util
import os
from dataclasses import replace

from fastapi import FastAPI

from zendesk_events.config import ServerSettings
from zendesk_events.server.app import SETTINGS_ENV, create_app, settings_to_json

__all__ = ["serve"]


def serve(
    settings: ServerSettings,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    log_level: str = "info",
    access_log: bool = False,
    app: FastAPI | None = None,
    worker_factory: str = "zendesk_events.server.app:worker_app",
) -> None:
    """Serve until interrupted.

    With ``workers > 1`` the rate limits are counted in the database (``shared_limits``), so
    the account's budget is one budget however many processes answer.

    Args:
        app: the app to serve in this process (default: ``create_app(settings)``).
        worker_factory: the import path of the app factory each worker process calls.

    Raises:
        StoreError: the store cannot be opened.
    """
    import uvicorn

    options = {
        "host": host,
        "port": port,
        "log_level": log_level,
        "access_log": access_log,
        "http": "httptools" if importlib.util.find_spec("httptools") else "auto",
        "loop": "uvloop" if importlib.util.find_spec("uvloop") else "auto",
        "server_header": False,
    }
    if workers <= 1:
        uvicorn.run(app or create_app(settings), **options)  # type: ignore[arg-type]
        return
    shared = replace(settings, shared_limits=True)
    # Workers are fresh processes importing the app by name; they inherit this variable.
    os.environ[SETTINGS_ENV] = settings_to_json(shared)
    uvicorn.run(
        worker_factory,
        factory=True,
        workers=workers,
        **options,  # type: ignore[arg-type]
    )
