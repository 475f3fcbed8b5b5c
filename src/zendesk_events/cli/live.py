"""Wires the live emulated account into ``serve``: its desk, its clock, the worker factory.

The server may not import the emulator (layer rules), so the CLI builds the emulator's
``LiveDesk`` and hands it to the app, in this process or in each worker process
(``--workers N``: the workers import :func:`worker_app` by name and read the settings from
the environment, as ``server.app.worker_app`` does).
"""

from __future__ import annotations

import os

from fastapi import FastAPI

from zendesk_events.config import ServerSettings
from zendesk_events.emulator import LateArrival, LiveDesk
from zendesk_events.errors import ConfigError
from zendesk_events.server import create_app
from zendesk_events.server.app import SETTINGS_ENV, settings_from_json
from zendesk_events.store import Store, open_store
from zendesk_events.timeutil import Clock, FakeClock, SystemClock

__all__ = ["WORKER_FACTORY", "build_app", "clock_of", "desk_of", "prepare", "worker_app"]

WORKER_FACTORY = "zendesk_events.cli.live:worker_app"


def clock_of(settings: ServerSettings) -> Clock:
    """The wall clock, or a fake one standing at ``settings.fake_clock``."""
    return SystemClock() if settings.fake_clock is None else FakeClock(settings.fake_clock)


def desk_of(settings: ServerSettings, store: Store, clock: Clock) -> LiveDesk:
    """The emulated account over ``store`` as ``settings`` describe it.

    Raises:
        ConfigError: an invalid traffic rate or late-arrival setting.
    """
    late = LateArrival(settings.late_share, settings.late_min_minutes, settings.late_max_minutes)
    return LiveDesk(store, clock, late=late, seed=settings.seed, traffic=settings.traffic)


def prepare(settings: ServerSettings) -> None:
    """Once, before any worker serves: start the traffic schedule at now.

    Raises:
        ConfigError: invalid live settings.
        StoreError: the store cannot be opened.
    """
    with open_store(settings.db) as store:
        desk_of(settings, store, clock_of(settings)).prepare()


def build_app(settings: ServerSettings) -> FastAPI:
    """The app of a single-process ``serve`` (it opens and closes its store)."""
    return create_app(
        settings,
        clock=clock_of(settings),
        desk_factory=lambda store, clock: desk_of(settings, store, clock),
    )


def worker_app() -> FastAPI:
    """uvicorn factory for worker processes (``zendesk_events.cli.live:worker_app``).

    Raises:
        ConfigError: the settings variable is missing or invalid.
    """
    text = os.environ.get(SETTINGS_ENV)  # the worker process's edge: its only input
    if not text:
        raise ConfigError(f"${SETTINGS_ENV} is not set (start workers with zendesk-events serve)")
    return build_app(settings_from_json(text))
