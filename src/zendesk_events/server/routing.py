"""Registering Zendesk's paths: every API path is served with and without its ``.json`` suffix."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

__all__ = ["Endpoint", "Route", "zendesk_router"]

Endpoint = Callable[[Request], Awaitable[Response]]

Route = tuple[str, str, Endpoint, dict[str, Any]]
"""``(path, method, endpoint, OpenAPI keyword arguments for add_api_route)``."""


def zendesk_router(routes: Sequence[Route], **router_options: Any) -> APIRouter:
    """A router serving each route at ``path`` and at ``path.json`` (what clients build URLs
    from, e.g. ``next_page``).

    The ``.json`` forms are registered first, because a path parameter would also match them
    (``/tickets/{ticket_id}`` matches ``/tickets/5.json``), and they are left out of the
    OpenAPI document, which describes each operation once, at its bare path.
    """
    router = APIRouter(**router_options)
    for path, method, endpoint, _ in routes:
        router.add_api_route(
            path + ".json",
            endpoint,
            methods=[method],
            include_in_schema=False,
            name=f"{endpoint.__name__}_json",
        )
    for path, method, endpoint, docs in routes:
        router.add_api_route(path, endpoint, methods=[method], **docs)
    return router
