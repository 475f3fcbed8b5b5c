"""Zendesk's error responses: each wire error a small class carrying its exact status and body.

Routes and helpers raise these; one exception handler (:func:`render`) turns any of them into a
JSON response, so an error body is written in exactly one place (moto's ``exceptions.py``).

```
ZendeskHTTPError
├── InvalidStartTime     400  InvalidValue: missing / not an integer / negative
├── Unauthorized         401  Couldn't authenticate you (+ WWW-Authenticate)
├── Forbidden            403  not an admin
├── EndpointNotFound     404  InvalidEndpoint
├── MethodNotAllowed     405  (+ Allow)
├── TooRecentStartTime   422  InvalidValue: within the hold-back lag, or in the future
├── RateLimitExceeded    429  APIRateLimitExceeded (+ Retry-After)
└── InternalError        500  never a traceback
```
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import orjson
from starlette.responses import Response

__all__ = [
    "EndpointNotFound",
    "Forbidden",
    "InternalError",
    "InvalidStartTime",
    "MethodNotAllowed",
    "RateLimitExceeded",
    "TooRecentStartTime",
    "Unauthorized",
    "ZendeskHTTPError",
    "describe_seconds",
    "render",
]


class ZendeskHTTPError(Exception):
    """An error answer in Zendesk's shape: ``{"error": ..., "description": ...}``.

    Attributes:
        status: HTTP status code.
        error: the ``error`` member.
        description: the ``description`` member (omitted from the body when None).
        headers: extra response headers this error needs (``Retry-After``, ``Allow``, ...).
    """

    status: ClassVar[int] = 500
    error: ClassVar[str] = "InternalError"
    default_description: ClassVar[str | None] = None

    def __init__(
        self, description: str | None = None, *, headers: Mapping[str, str] | None = None
    ) -> None:
        self.description = description if description is not None else self.default_description
        self.headers: dict[str, str] = dict(headers or {})
        super().__init__(f"{self.status} {self.error}: {self.description}")

    def body(self) -> dict[str, Any]:
        """The JSON body as a dict (also what the OpenAPI examples show)."""
        out: dict[str, Any] = {"error": self.error}
        if self.description is not None:
            out["description"] = self.description
        return out


class InvalidStartTime(ZendeskHTTPError):
    """``start_time`` is missing, not an integer, or negative."""

    status = 400
    error = "InvalidValue"
    default_description = "start_time is required and must be an integer"


class Unauthorized(ZendeskHTTPError):
    """No credentials, or wrong ones. Zendesk's body has no description."""

    status = 401
    error = "Couldn't authenticate you"

    def __init__(self) -> None:
        super().__init__(None, headers={"WWW-Authenticate": 'Basic realm="Web Password"'})


class Forbidden(ZendeskHTTPError):
    """Authenticated, but incremental exports are for admins only."""

    status = 403
    error = "Forbidden"
    default_description = (
        "You do not have access to this page. Please contact the account owner of this help "
        "desk for further help."
    )


class EndpointNotFound(ZendeskHTTPError):
    """No route for this path."""

    status = 404
    error = "InvalidEndpoint"
    default_description = "Not found"


class MethodNotAllowed(ZendeskHTTPError):
    """The path exists but not for this method."""

    status = 405
    error = "MethodNotAllowed"

    def __init__(self, allow: str) -> None:
        super().__init__(
            f"Method not allowed; this endpoint accepts {allow}", headers={"Allow": allow}
        )


class TooRecentStartTime(ZendeskHTTPError):
    """``start_time`` lies within the hold-back lag (or in the future)."""

    status = 422
    error = "InvalidValue"

    def __init__(self, lag: int) -> None:
        super().__init__(
            f"Too recent start_time. Use a start_time older than {describe_seconds(lag)}"
        )


class RateLimitExceeded(ZendeskHTTPError):
    """Over the endpoint's request budget; ``Retry-After`` says when the window resets."""

    status = 429
    error = "APIRateLimitExceeded"
    default_description = "Number of allowed API requests per minute exceeded"

    def __init__(self, retry_after: int) -> None:
        super().__init__(headers={"Retry-After": str(max(1, retry_after))})


class InternalError(ZendeskHTTPError):
    """Anything unexpected: logged server-side, answered without details."""

    status = 500
    error = "InternalError"
    default_description = "Something went wrong on the server; try again later"


def describe_seconds(seconds: int) -> str:
    """Word a duration as Zendesk does: ``1 minute``, ``5 minutes``, ``90 seconds``."""
    if seconds % 60 == 0 and seconds > 0:
        minutes = seconds // 60
        return "1 minute" if minutes == 1 else f"{minutes} minutes"
    return "1 second" if seconds == 1 else f"{seconds} seconds"


def render(exc: ZendeskHTTPError, extra_headers: Mapping[str, str] | None = None) -> Response:
    """The HTTP response for ``exc`` (its headers first, then ``extra_headers``)."""
    headers = dict(extra_headers or {})
    headers.update(exc.headers)
    return Response(
        orjson.dumps(exc.body()),
        status_code=exc.status,
        headers=headers,
        media_type="application/json; charset=utf-8",
    )
