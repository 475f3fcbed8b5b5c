"""What the documents of every route family share: error responses built from the error classes
the routes raise, query parameters, the rate-limit headers, and the two security schemes."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from zendesk_events.server.errors import (
    Forbidden,
    InvalidToken,
    SignInThrottled,
    Unauthorized,
    ZendeskHTTPError,
)
from zendesk_events.server.openapi.models import AuthenticationError, ForbiddenError, ZendeskError


def error_response(
    status: int,
    summary: str,
    *examples: ZendeskHTTPError,
    model: type[BaseModel] | None = None,
) -> dict[str, Any]:
    """One documented error: its body's model (``model``, else the one of its status), the
    headers the examples send, and the examples' bodies, as the routes raise them."""
    models: dict[int, type[BaseModel]] = {401: AuthenticationError, 403: ForbiddenError}
    if model is None:
        model = models.get(status, ZendeskError)
    response: dict[str, Any] = {"model": model, "description": summary}
    headers = {name for e in examples for name in e.headers}
    if headers:
        response["headers"] = {
            name: {"description": ERROR_HEADERS.get(name, name), "schema": {"type": "string"}}
            for name in sorted(headers)
        }
    content = {f"{type(e).__name__}": {"value": e.body()} for e in examples if e.status == status}
    if content:
        response["content"] = {"application/json": {"examples": content}}
    return response


ERROR_HEADERS = {
    "Retry-After": "Whole seconds until the window resets (wait this long, then retry).",
    "WWW-Authenticate": 'Basic realm="Web Password"; for a Bearer token: '
    'Bearer error="invalid_token"',
}

RATE_HEADERS = {
    "X-Rate-Limit": "Account-wide requests per minute (reported, not enforced).",
    "X-Rate-Limit-Remaining": "Account-wide requests left this minute.",
    "ratelimit-limit": "Same as X-Rate-Limit.",
    "ratelimit-remaining": "Same as X-Rate-Limit-Remaining.",
    "ratelimit-reset": "Seconds until the account-wide window resets.",
}


def query_param(name: str, description: str, schema: dict[str, Any], required: bool = False) -> Any:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema,
    }


def rate_headers(bucket: str | None) -> dict[str, Any]:
    texts = dict(RATE_HEADERS)
    if bucket is not None:
        texts[bucket] = "total=N; remaining=N; resets=S (when the endpoint limit is on)."
    return {
        name: {"description": text, "schema": {"type": "string"}} for name, text in texts.items()
    }


THROTTLED = SignInThrottled(600)

AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: error_response(
        401,
        "No or wrong credentials; an unknown Bearer token gets the OAuth error body.",
        Unauthorized(),
        InvalidToken(),
    ),
    403: error_response(403, "Authenticated, but not an admin.", Forbidden()),
    429: error_response(
        429,
        "Too many failed password checks for this user or from this address (or too many at "
        "once); wait Retry-After seconds. Tokens are never refused this way.",
        THROTTLED,
    ),
}

CURSOR_SCHEMA = {
    "type": "string",
    "minLength": 1,
    "maxLength": 200,
    "pattern": "^[A-Za-z0-9+/]+={0,2}$",
}
"""A cursor we issued: base64 text. Any other is a 400 (a cursor is opaque: which base64 texts
are ours cannot be said in a schema)."""

SECURITY: list[dict[str, list[str]]] = [{"basicAuth": []}, {"bearerAuth": []}]
