"""The Zendesk-compatible HTTP server: a reader of the store (moto's ``responses.py`` role).

``create_app(settings, store, clock)`` builds it; ``zendesk-events serve`` runs it under uvicorn.
"""

from __future__ import annotations

from zendesk_events.server.app import SETTINGS_ENV, create_app, settings_to_json, worker_app

__all__ = ["SETTINGS_ENV", "create_app", "settings_to_json", "worker_app"]
