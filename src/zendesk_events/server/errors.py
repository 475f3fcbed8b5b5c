"""Zendesk's error responses: each wire error a small class carrying its exact status and body.

Routes and helpers raise these; one exception handler (:func:`render`) turns any of them into a
JSON response, so an error body is written in exactly one place (moto's ``exceptions.py``).

```
ZendeskHTTPError
├── InvalidStartTime            400  InvalidValue: missing / not an integer / negative
├── InvalidPaginationParameter  400  a malformed cursor, page[size] or per_page
├── InvalidBody                 400  InvalidValue: a write's body is not the JSON object it takes
├── Unauthorized                401  Couldn't authenticate you (+ WWW-Authenticate: Basic)
├── InvalidToken                401  invalid_token: a Bearer token we do not know
├── Forbidden                   403  not an admin (nested body)
├── EndpointNotFound            404  InvalidEndpoint
├── RecordNotFound              404  RecordNotFound: no such ticket, no current OAuth token
├── MethodNotAllowed            405  (+ Allow)
├── RequestTimeout              408  the request's headers or body did not arrive in time
├── PayloadTooLarge             413  a request body larger than the server reads
├── TooRecentStartTime          422  InvalidValue: within the hold-back lag, or in the future
├── RecordInvalid               422  RecordInvalid: a write Zendesk refuses, with details
├── RequestHeadersTooLarge      431  more header bytes than any client of this API sends
├── RateLimitExceeded           429  APIRateLimitExceeded (+ Retry-After)
├── SignInThrottled             429  too many failed password checks (+ Retry-After)
├── MalformedRequest            400  bytes that are not HTTP (answered by the server protocol)
└── InternalError               500  never a traceback
```

Every body is the recorded one where Zendesk's is recorded (``spec/zendesk-incremental-export.md``
§6-§8 and ``COVERAGE.md``): bodies are matched by text by some clients, so none is worded from our
settings. The 408, 413, 431, sign-in 429 and malformed-request 400 answer cases no recording shows:
their shape is Zendesk's, their wording ours (COVERAGE.md says so).
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
    "InvalidBody",
    "InvalidPaginationParameter",
    "InvalidStartTime",
    "InvalidToken",
    "MalformedRequest",
    "MethodNotAllowed",
    "PayloadTooLarge",
    "RateLimitExceeded",
    "RecordInvalid",
    "RecordNotFound",
    "RequestHeadersTooLarge",
    "RequestTimeout",
    "SignInThrottled",
    "TooRecentStartTime",
    "Unauthorized",
    "ZendeskHTTPError",
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


class InvalidPaginationParameter(ZendeskHTTPError):
    """A cursor we did not issue, or a page size out of range.

    Zendesk's recorded wordings: ``page[after] is not valid`` for a garbage cursor and
    ``page[size] cannot be greater than 100`` on endpoints capped at 100 (spec §2b).
    """

    status = 400
    error = "InvalidPaginationParameter"


class InvalidToken(ZendeskHTTPError):
    """A ``Bearer`` token that is unknown (revoked, expired, made up).

    Zendesk answers OAuth failures in the OAuth 2.0 error format (``error`` plus
    ``error_description``, RFC 6750 §3.1), not its usual ``description``. The
    ``WWW-Authenticate: Bearer`` challenge with the same error is what RFC 6750 §3 asks of a
    resource server; no recording shows Zendesk's headers, so that header is inferred.
    """

    status = 401
    error = "invalid_token"
    default_description = (
        "The access token provided is expired, revoked, malformed or invalid for other reasons."
    )

    def __init__(self) -> None:
        super().__init__(
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )

    def body(self) -> dict[str, Any]:
        return {"error": self.error, "error_description": self.description}


class Forbidden(ZendeskHTTPError):
    """Authenticated, but these endpoints are for admins only.

    The body is nested (``{"error": {"title", "message"}}``), as recorded from 2018 to 2026;
    the message is the one Zendesk sends since 2026.
    """

    status = 403
    error = "Forbidden"
    default_description = (
        "Access to this resource is restricted. Please contact the account administrator for "
        "assistance."
    )

    def body(self) -> dict[str, Any]:
        return {"error": {"title": self.error, "message": self.description}}


class EndpointNotFound(ZendeskHTTPError):
    """No route for this path."""

    status = 404
    error = "InvalidEndpoint"
    default_description = "Not found"


class RecordNotFound(ZendeskHTTPError):
    """The path names an object the store does not hold (a ticket id, the current token)."""

    status = 404
    error = "RecordNotFound"
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
    """``start_time`` lies within the hold-back lag (or in the future), on ticket_events.

    The text is every recorded body's, verbatim, whatever the lag: clients match it (some the
    prefix ``Too recent start_time.``, some the whole phrase with "5 minutes").
    """

    status = 422
    error = "InvalidValue"
    default_description = "Too recent start_time. Use a start_time older than 5 minutes"


class RateLimitExceeded(ZendeskHTTPError):
    """Over the endpoint's request budget; ``Retry-After`` says when the window resets."""

    status = 429
    error = "APIRateLimitExceeded"
    default_description = "Number of allowed incremental export API requests per minute exceeded"

    def __init__(self, retry_after: int) -> None:
        super().__init__(headers={"Retry-After": str(max(1, retry_after))})


class InvalidBody(ZendeskHTTPError):
    """A write whose body is not JSON, or not the object it takes (wording ours: no recorded
    answer to a malformed body)."""

    status = 400
    error = "InvalidValue"


class RecordInvalid(ZendeskHTTPError):
    """A write Zendesk refuses: ``{"error": "RecordInvalid", "description": "Record
    validation errors", "details": {field: [{"description", "error"}]}}`` (recorded: a closed
    ticket's update, a blank description, an invalid assignee).

    Args:
        details: the ``details`` member.
    """

    status = 422
    error = "RecordInvalid"
    default_description = "Record validation errors"

    def __init__(self, details: Mapping[str, Any]) -> None:
        super().__init__()
        self.details = dict(details)

    def body(self) -> dict[str, Any]:
        return {"error": self.error, "description": self.description, "details": self.details}


class SignInThrottled(ZendeskHTTPError):
    """Too many failed password checks for one user or from one address (or too many at once).

    Zendesk documents no limit on failed sign-ins; its documented answer to any limit is a 429
    with ``Retry-After`` (API reference, "Rate limits"), and its recorded JSON 429 uses the
    ``APIRateLimitExceeded`` code, kept here so clients treat it as a rate limit. The
    description is ours.
    """

    status = 429
    error = "APIRateLimitExceeded"
    default_description = "Too many failed sign-in attempts; retry after Retry-After seconds"

    def __init__(self, retry_after: int, description: str | None = None) -> None:
        super().__init__(description, headers={"Retry-After": str(max(1, retry_after))})


class RequestTimeout(ZendeskHTTPError):
    """The request's headers or body did not arrive within the server's read timeout."""

    status = 408
    error = "RequestTimeout"
    default_description = "The request was not received in time"


class PayloadTooLarge(ZendeskHTTPError):
    """A request body larger than the server reads; the connection closes after the answer
    (the rest of the body is not read)."""

    status = 413
    error = "PayloadTooLarge"
    default_description = "The request body is too large"

    def __init__(self) -> None:
        super().__init__(headers={"Connection": "close"})


class RequestHeadersTooLarge(ZendeskHTTPError):
    """The request line and headers are larger than the server reads."""

    status = 431
    error = "RequestHeaderFieldsTooLarge"
    default_description = "The request's headers are too large"


class MalformedRequest(ZendeskHTTPError):
    """The bytes received are not an HTTP/1.1 request."""

    status = 400
    error = "InvalidRequest"
    default_description = "Invalid HTTP request received"


class InternalError(ZendeskHTTPError):
    """Anything unexpected: logged server-side, answered without details."""

    status = 500
    error = "InternalError"
    default_description = "Something went wrong on the server; try again later"


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
