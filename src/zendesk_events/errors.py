"""The one exception tree of zendesk-events: what can go wrong, and what a caller should do.

```
ZendeskEventsError                 exit code 1 unless stated
├── ConfigError                    missing/invalid settings or arguments (exit 2)
│   ├── ForeignStoreError          the database holds another application's tables
│   └── MissingExtraError          an optional dependency is not installed: names the extra
├── ApiError                       a Zendesk(-compatible) server said no: status + error body
│   ├── AuthenticationError        401: wrong email, password or token
│   ├── PermissionDeniedError      403: the user is not an admin
│   ├── NotFoundError              404: no such subdomain / endpoint
│   ├── InvalidRequestError        400/422 (other than "too recent")
│   ├── RateLimitedError           429, carries retry_after                     retriable
│   └── ServerError                5xx                                          retriable
├── TransportError                 connection refused/reset, timeout, DNS       retriable
├── ResponseTooLargeError          a response body over the client's size limit (not read on)
├── PaginationError                malformed page, stalled or looping cursor
├── StoreError                     wraps sqlite3 / psycopg errors
├── CheckpointError                checkpoint inconsistent with the stored data
├── TargetBusyError                another run writes into the same target (exit 75)
└── RecordError                    the emulated account refused a write (a request's body)
    ├── RecordInvalidError         the server answers 422 RecordInvalid with these details
    └── RecordNotFoundError        the server answers 404 RecordNotFound
```

Retriability is the class attribute ``retriable``; the CLI's exit code is ``exit_code``. Nothing
here ever carries a credential: messages are built from status, URL path and error codes only.
"""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = [
    "ApiError",
    "AuthenticationError",
    "CheckpointError",
    "ConfigError",
    "ForeignStoreError",
    "InvalidRequestError",
    "MissingExtraError",
    "NotFoundError",
    "PaginationError",
    "PermissionDeniedError",
    "RateLimitedError",
    "RecordError",
    "RecordInvalidError",
    "RecordNotFoundError",
    "ResponseTooLargeError",
    "ServerError",
    "StoreError",
    "TargetBusyError",
    "TransportError",
    "ZendeskEventsError",
]


class ZendeskEventsError(Exception):
    """Root of every error this package raises on purpose."""

    retriable: ClassVar[bool] = False
    exit_code: ClassVar[int] = 1

    def __reduce__(self) -> tuple[Any, ...]:
        # Picklable with keyword-only fields (status, retry_after, ...): the sync's fetcher
        # process hands its errors to the writer this way. The default re-calls __init__ with
        # ``args`` only, which fails for those subclasses.
        return (_rebuild, (type(self), self.args, self.__dict__))


def _rebuild(
    cls: type[ZendeskEventsError], args: tuple[Any, ...], state: dict[str, Any]
) -> ZendeskEventsError:
    exc = cls.__new__(cls)
    exc.args = args
    exc.__dict__.update(state)
    return exc


class ConfigError(ZendeskEventsError):
    """Settings or arguments are missing or invalid; nothing was attempted."""

    exit_code: ClassVar[int] = 2


class ForeignStoreError(ConfigError):
    """The database holds another application's tables and no store of ours.

    Raised before anything is written (not even our schema table): adding a dozen tables to
    someone else's database is a choice its owner makes, with ``allow_foreign_tables``.

    Args:
        message: one line for a human, saying how to go on.
        tables: some of the tables found there.
    """

    def __init__(self, message: str, *, tables: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.tables = tables


class MissingExtraError(ConfigError):
    """Something needs an optional dependency that is not installed.

    A plain ``pip install zendesk-events`` brings the client, the sync into SQLite and JSON
    Lines, seeding and analysis; serving, PostgreSQL and the HTML report each need an extra.
    The message names the exact ``pip install`` to run.

    Args:
        extra: the extra to install (``server``, ``postgres``, ``report``).
        purpose: what needs it, e.g. ``zendesk-events serve``.
        module: the module that is missing.
    """

    def __init__(self, extra: str, purpose: str, module: str) -> None:
        super().__init__(
            f"{purpose} needs the {extra!r} extra ({module} is not installed): "
            f"pip install 'zendesk-events[{extra}]'"
        )
        self.extra = extra
        self.purpose = purpose
        self.module = module


class ApiError(ZendeskEventsError):
    """The server answered with an error status.

    Args:
        message: one line for a human, already saying what to do.
        status: the HTTP status code.
        body: the decoded JSON error body (``{"error": ..., "description": ...}``) if any.
        url: the request URL (query string included; never credentials).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        body: Any = None,
        url: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = body
        self.url = url


class AuthenticationError(ApiError):
    """401: the credentials were refused."""


class PermissionDeniedError(ApiError):
    """403: authenticated, but not allowed (incremental exports are for admins)."""


class NotFoundError(ApiError):
    """404: no such Zendesk subdomain, or no such endpoint on this server."""


class InvalidRequestError(ApiError):
    """400/422: the server refused the request's parameters."""


class RateLimitedError(ApiError):
    """429: over the rate limit; wait ``retry_after`` seconds."""

    retriable: ClassVar[bool] = True

    def __init__(self, message: str, *, retry_after: float, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(ApiError):
    """5xx: the server failed; worth retrying."""

    retriable: ClassVar[bool] = True


class TransportError(ZendeskEventsError):
    """The request never got an answer (refused, reset, timed out)."""

    retriable: ClassVar[bool] = True


class ResponseTooLargeError(ZendeskEventsError):
    """A response body passed the client's size limit; the client stopped reading it.

    Not retriable: the same request would bring the same body. Nothing of that response is
    stored (the page it held is never handed to the sync).

    Args:
        url: the request URL (never credentials).
        limit: the limit in bytes (``max_response_bytes``).
        what: which count passed it: ``declared`` (``Content-Length``, before reading),
            ``received`` (bytes on the wire) or ``decoded`` (after gzip/deflate).
    """

    def __init__(self, url: str, limit: int, what: str) -> None:
        how = {
            "declared": "its Content-Length says more",
            "received": "more bytes arrived",
            "decoded": "it inflates to more",
        }.get(what, what)
        super().__init__(
            f"the response from {url} is over the {_size(limit)} limit on responses ({how}); "
            "stopped reading it. If the server's pages really are this large, raise the limit "
            "(sync --max-response-mb)"
        )
        self.url = url
        self.limit = limit
        self.what = what


def _size(n: int) -> str:
    """``64 MiB``, ``1.5 MiB``, ``300 bytes``: a byte count for a message."""
    if n < 1024 * 1024:
        return f"{n:,} bytes"
    return f"{n / (1024 * 1024):g} MiB"


class PaginationError(ZendeskEventsError):
    """A page was malformed, or the cursor stopped moving while the server claimed more data."""


class StoreError(ZendeskEventsError):
    """The database refused an operation (locked, wrong URL, schema too new, ...)."""


class CheckpointError(ZendeskEventsError):
    """The stored cursor contradicts the stored data or the requested run."""


class TargetBusyError(ZendeskEventsError):
    """Another sync holds the target (a store, a schema, a JSON Lines file): two writers would
    interleave pages and move each other's cursors, so the second one stops before writing.

    The hold dies with its process (a file lock, a PostgreSQL session lock), so there is never
    a stale lock to clear by hand. Exit code 75 (``EX_TEMPFAIL``): try again once it ended.

    Args:
        message: one line for a human, naming the holder.
        target: the target, passwords hidden.
        pid: the holder's process id, if known.
        host: the holder's host name, if known.
        since: when the holder took the target (ISO 8601 UTC), if known.
    """

    exit_code: ClassVar[int] = 75

    def __init__(
        self,
        message: str,
        *,
        target: str,
        pid: int | None = None,
        host: str | None = None,
        since: str | None = None,
    ) -> None:
        super().__init__(message)
        self.target = target
        self.pid = pid
        self.host = host
        self.since = since


class RecordError(ZendeskEventsError):
    """The emulated account refused a change to one of its records (a ticket, a policy).

    Raised by the emulator's model for what Zendesk's own API would refuse; the server turns
    it into Zendesk's error body, a library caller catches it.
    """


class RecordInvalidError(RecordError):
    """A body Zendesk would answer with ``422 RecordInvalid``.

    Args:
        details: Zendesk's ``details``: field -> ``[{"description": ..., "error": ...}]``.
    """

    def __init__(self, details: dict[str, list[dict[str, Any]]]) -> None:
        first = next((e.get("description") for v in details.values() for e in v), None)
        super().__init__(f"record invalid: {first or details}")
        self.details = details


class RecordNotFoundError(RecordError):
    """No such ticket or policy (Zendesk: ``404 RecordNotFound``)."""
