"""What ``/openapi.json`` says about the endpoints: parameters, security, bodies.

The routes take the raw request (see ``incremental.py``, ``tickets.py``, ``account.py``,
``ticket_api.py``, ``control.py``), so FastAPI cannot infer any of this; it is declared here,
once, from the same constants and error classes the routes use, so the document stays true.
One module per route family (:mod:`.exports`, :mod:`.endpoints`, :mod:`.tickets`,
:mod:`.control`), the bodies they show in :mod:`.models`, what they share in :mod:`.common`.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from zendesk_events.server.openapi.control import control_docs
from zendesk_events.server.openapi.endpoints import endpoint_docs
from zendesk_events.server.openapi.exports import operation_docs
from zendesk_events.server.openapi.tickets import write_docs

__all__ = [
    "control_docs",
    "endpoint_docs",
    "install_openapi",
    "operation_docs",
    "write_docs",
]


def install_openapi(app: FastAPI) -> None:
    """Make ``app.openapi()`` add the two security schemes Zendesk accepts."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            schema.setdefault("components", {})["securitySchemes"] = {
                "basicAuth": {
                    "type": "http",
                    "scheme": "basic",
                    "description": "email:password, or email/token:API_TOKEN (an admin's).",
                },
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An OAuth access token of an admin.",
                },
            }
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
