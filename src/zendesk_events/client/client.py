"""ZendeskClient: where requests are made, retried, paced and turned into pages or errors."""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Iterator
from importlib import metadata
from types import TracebackType
from typing import Any, Literal, NoReturn
from urllib.parse import urlsplit

import httpx
import orjson

from zendesk_events.checkpoint import Checkpoint
from zendesk_events.client.auth import ZendeskAuth, build_auth
from zendesk_events.client.body import (
    ACCEPT_ENCODING,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_RESPONSE_TIMEOUT,
    read_body,
)
from zendesk_events.client.pagination import PageResult, caught_up_page, follow_pages, parse_page
from zendesk_events.client.ratelimit import (
    DEFAULT_RETRY_AFTER,
    MAX_RATE_LIMIT_RETRIES,
    Backoff,
    Pacer,
    Wait,
    classify_status,
    rate_limited_wait,
    retry_after_seconds,
)
from zendesk_events.errors import (
    ApiError,
    AuthenticationError,
    ConfigError,
    InvalidRequestError,
    NotFoundError,
    PaginationError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    TransportError,
)
from zendesk_events.events import STREAMS, ExportPage, MetricEvent, StreamName, TicketEvent
from zendesk_events.timeutil import Clock, SystemClock

__all__ = ["ZendeskClient", "checked_base_url", "user_agent"]

_SUBDOMAIN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")

TOO_RECENT = "Too recent start_time"
"""Prefix of the 422 description meaning "you are caught up" (public clients match it too)."""


def user_agent() -> str:
    """``zendesk-events/<version>``: lets a Zendesk admin see who is calling."""
    try:
        version = metadata.version("zendesk-events")
    except metadata.PackageNotFoundError:
        version = "0"
    return f"zendesk-events/{version}"


def _base_url(subdomain: str | None, base_url: str | None) -> str:
    if (subdomain is None) == (base_url is None):
        raise ConfigError("give exactly one of subdomain (acme) or base_url (http://host:port)")
    if subdomain is not None:
        name = subdomain.strip().lower()
        if not _SUBDOMAIN.match(name):
            hint = " (just the first part, e.g. 'acme')" if "." in name else ""
            raise ConfigError(f"subdomain must be letters, digits and '-'{hint}; got {subdomain!r}")
        return f"https://{name}.zendesk.com"
    assert base_url is not None
    return checked_base_url(base_url)


def checked_base_url(base_url: str) -> str:
    """``base_url`` without a trailing slash, if it is ``http(s)://host[:port][/path]``.

    Raises:
        ConfigError: another scheme, no host, a bad port, blanks, credentials, a query.
    """
    text = base_url.strip()
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - reading it checks it: a port over 65535 is a ValueError
    except ValueError:
        raise ConfigError("base_url must look like https://host[:port]") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError("base_url must look like https://host[:port]")
    if any(c.isspace() or ord(c) < 32 for c in text):
        raise ConfigError("base_url must not hold blanks or control characters")
    if parts.username is not None or parts.password is not None:
        # Never echo it: the part before '@' is a credential.
        raise ConfigError("base_url must not contain credentials: pass email and token")
    if parts.query or parts.fragment:
        raise ConfigError("base_url must not have a query or fragment")
    return f"{parts.scheme}://{parts.netloc}{parts.path}".rstrip("/")


def _error_text(body: Any) -> str:
    """``error: description`` from a Zendesk error body (either of its two shapes)."""
    if not isinstance(body, dict):
        return ""
    error, description = body.get("error"), body.get("description")
    if isinstance(error, dict):  # {"error": {"title": ..., "message": ...}}
        description = description or error.get("message")
        error = error.get("title")
    parts = [str(p) for p in (error, description) if p]
    return ": ".join(parts)


def _decode_body(body: bytes | bytearray) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return None


class ZendeskClient:
    """A client for Zendesk's incremental ticket event exports (or a compatible server).

    Requests go through one keep-alive ``httpx.Client``. Each response's rate-limit headers
    pace the next request, so a long export at the limit sees no 429; a 429 anyway waits
    exactly ``Retry-After``; 5xx and network failures are retried with jittered backoff; 400,
    401, 403, 404 and 422 fail at once with a message saying what to fix. A body is read in
    pieces and given up as soon as it passes ``max_response_bytes`` (on the wire or inflated).
    Every wait goes
    through ``clock.sleep`` and is announced to ``on_wait`` first. Safe to share between
    threads (the streams of one account share its budget).

    Args:
        subdomain: ``acme`` for https://acme.zendesk.com.
        base_url: the root of a compatible server, e.g. ``http://127.0.0.1:8000``
            (exactly one of ``subdomain``/``base_url``).
        email: the admin user, for ``token`` or ``password``.
        token: an API token (``{email}/token:{token}``).
        password: a password.
        oauth_token: an OAuth access token (Bearer; no email needed).
        transport: the httpx transport (tests pass ``httpx.MockTransport`` or an ASGI one).
        clock: time for pacing and backoff (tests pass a ``FakeClock``).
        max_retries: retries of a 5xx or network failure before giving up (429s don't count).
        timeout: seconds per network operation (connect, read, write).
        on_wait: told about every sleep before it starts.
        rng: the backoff jitter's random source (seed it in tests).
        max_rate_limited: 429s in a row before giving up.
        pacer: the export budget to pace on (on ``clock``); give one to continue a budget
            another client observed (the sync's fetcher process hands its budget back this
            way). Default: a new one, unknown until the first response.
        max_response_bytes: the most bytes a response body may have, both as received
            (compressed) and inflated; a larger one raises
            :class:`~zendesk_events.errors.ResponseTooLargeError` without being read on.
        response_timeout: seconds a whole response may take, from the request to its last
            byte (``timeout`` bounds each read only: a server dripping its body would hold
            the client without end); a late one counts as a network failure and is retried.

    Raises:
        ConfigError: no or two sources, a bad subdomain/URL, no or two credentials, a
            ``max_response_bytes`` below 1, a ``timeout`` or ``response_timeout`` not above 0.
    """

    def __init__(
        self,
        *,
        subdomain: str | None = None,
        base_url: str | None = None,
        email: str | None = None,
        token: str | None = None,
        password: str | None = None,
        oauth_token: str | None = None,
        transport: httpx.BaseTransport | None = None,
        clock: Clock | None = None,
        max_retries: int = 6,
        timeout: float = 60.0,
        on_wait: Callable[[Wait], None] | None = None,
        rng: random.Random | None = None,
        max_rate_limited: int = MAX_RATE_LIMIT_RETRIES,
        pacer: Pacer | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        response_timeout: float = DEFAULT_RESPONSE_TIMEOUT,
    ) -> None:
        self.base_url = _base_url(subdomain, base_url)
        self.subdomain = subdomain.strip().lower() if subdomain is not None else None
        if max_retries < 0:
            raise ConfigError("max_retries must be 0 or more")
        if timeout <= 0:
            raise ConfigError("timeout must be positive")
        if max_response_bytes < 1:
            raise ConfigError("max_response_bytes must be 1 or more")
        if not response_timeout > 0:
            raise ConfigError("response_timeout must be positive")
        self.max_response_bytes = max_response_bytes
        self.response_timeout = response_timeout
        self._auth: ZendeskAuth = build_auth(
            email=email, token=token, password=password, oauth_token=oauth_token
        )
        self.max_retries = max_retries
        self.max_rate_limited = max_rate_limited
        self._clock: Clock = clock or SystemClock()
        self._on_wait = on_wait
        self._pacer = pacer if pacer is not None else Pacer(self._clock)
        # Other API calls (ticket fields) spend the account-wide budget, not the export one:
        # their headers must not overwrite what the export responses said.
        self._account_pacer = Pacer(self._clock)
        self._backoff = Backoff(rng=rng)
        self._http = httpx.Client(
            auth=self._auth,
            transport=transport,
            timeout=httpx.Timeout(timeout),
            headers={
                "User-Agent": user_agent(),
                "Accept": "application/json",
                "Accept-Encoding": ACCEPT_ENCODING,
            },
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"ZendeskClient(base_url={self.base_url!r}, auth={self._auth!r})"

    @property
    def pacer(self) -> Pacer:
        """The export budget this client paces on (see the ``pacer`` argument)."""
        return self._pacer

    # ---- pages ------------------------------------------------------------------------------

    def fetch_page(
        self, stream: StreamName, start_time: int, *, include_comments: bool = False
    ) -> ExportPage:
        """One time-based export page of ``stream`` starting at ``start_time``.

        A 422 "Too recent start_time" means there is nothing to export yet: it comes back as
        an empty page with ``end_of_stream`` set, ``end_time == start_time``.

        Args:
            stream: ``ticket_events`` or ``ticket_metric_events``.
            start_time: epoch seconds (inclusive).
            include_comments: ask for ``include=comment_events`` (ticket_events only).

        Raises:
            AuthenticationError, PermissionDeniedError, NotFoundError, InvalidRequestError:
                the server refused the request (not retried).
            ServerError, TransportError, RateLimitedError: retries ran out.
            ResponseTooLargeError: the body passed ``max_response_bytes``.
            PaginationError: the page is malformed.
        """
        if stream not in STREAMS:
            raise ConfigError(f"unknown stream {stream!r}: use one of {', '.join(STREAMS)}")
        params: dict[str, str | int] = {"start_time": int(start_time)}
        if include_comments:
            params["include"] = "comment_events"
        url = f"{self.base_url}{STREAMS[stream].path}.json"
        try:
            response, body = self._get(url, params, self._pacer)
        except InvalidRequestError as exc:
            if exc.status == 422 and _is_too_recent(exc.body):
                return caught_up_page(stream, int(start_time))
            raise
        return parse_page(stream, int(start_time), body, str(response.url))

    def pages(
        self,
        stream: StreamName,
        start: int | Checkpoint,
        *,
        include_comments: bool = False,
        until: int | None = None,
    ) -> Iterator[PageResult]:
        """Every page from ``start`` to the end of the stream, boundary duplicates dropped.

        The last page yielded has ``page.end_of_stream`` set (unless ``until`` stops first);
        each result's ``checkpoint`` is where to resume after storing its ``items``.

        Args:
            stream: ``ticket_events`` or ``ticket_metric_events``.
            start: a first ``start_time``, or a stored :class:`Checkpoint` to resume from.
            include_comments: full comment objects (ticket_events only).
            until: stop before this epoch second (items at or after it are not yielded).

        Raises:
            PaginationError: the cursor went backwards or cannot move without losing events;
                and whatever :meth:`fetch_page` raises.
        """

        def fetch(start_time: int) -> ExportPage:
            return self.fetch_page(stream, start_time, include_comments=include_comments)

        return follow_pages(fetch, start, until=until)

    def ticket_events(
        self, start_time: int, include_comments: bool = False
    ) -> Iterator[TicketEvent]:
        """Ticket events from ``start_time`` to now, each once, as typed models.

        Args:
            start_time: epoch seconds (inclusive).
            include_comments: full comment objects as child events (``include=comment_events``).

        Yields:
            Each event as a :class:`~zendesk_events.events.TicketEvent` (unknown fields kept).
        """
        for result in self.pages("ticket_events", start_time, include_comments=include_comments):
            for item in result.items:
                yield TicketEvent.model_validate(item)

    def ticket_metric_events(self, start_time: int) -> Iterator[MetricEvent]:
        """Ticket metric events from ``start_time`` to now, each once, as typed models.

        Args:
            start_time: epoch seconds (inclusive).

        Yields:
            Each event as a :class:`~zendesk_events.events.MetricEvent` (unknown fields kept).
        """
        for result in self.pages("ticket_metric_events", start_time):
            for item in result.items:
                yield MetricEvent.model_validate(item)

    # ---- account objects --------------------------------------------------------------------

    def ticket_fields(self) -> list[dict[str, Any]]:
        """Every ticket field of the account (system and custom fields), each as served.

        ``GET /api/v2/ticket_fields.json`` without pagination parameters answers every field
        at once (Zendesk's reference: "If the results are not paginated, every field is
        returned in the response"); a ``next_page`` on the same host is followed anyway. An
        ordinary API call, not an export: it is paced on the account-wide budget and leaves
        the export budget as it was.

        Raises:
            AuthenticationError, PermissionDeniedError, NotFoundError, InvalidRequestError:
                the server refused the request (a server without the endpoint: 404).
            ServerError, TransportError, RateLimitedError: retries ran out.
            PaginationError: the answer is not a list of ticket fields.
        """
        url = f"{self.base_url}/api/v2/ticket_fields.json"
        fields: list[dict[str, Any]] = []
        seen: set[str] = set()
        while True:
            seen.add(url)
            response, body = self._get(url, None, self._account_pacer)
            where = str(response.url)
            data = _decode_body(body)
            items = data.get("ticket_fields") if isinstance(data, dict) else None
            if not isinstance(items, list):
                raise PaginationError(f"the answer from {where} has no 'ticket_fields' list")
            for n, item in enumerate(items, 1):
                if not isinstance(item, dict) or not _is_id(item.get("id")):
                    raise PaginationError(
                        f"the answer from {where} holds a ticket field without an integer "
                        f"'id' (#{n} of {len(items)})"
                    )
            fields.extend(items)
            next_page = data.get("next_page")
            if not isinstance(next_page, str) or not next_page:
                return fields
            if _origin(next_page) != _origin(self.base_url) or next_page in seen:
                raise PaginationError(
                    f"the answer from {where} points its next_page elsewhere or back: {next_page}"
                )
            url = next_page

    # ---- requests ---------------------------------------------------------------------------

    def _sleep(
        self, reason: Literal["pacing", "rate_limited", "retry"], seconds: float, detail: str
    ) -> None:
        if self._on_wait is not None:
            self._on_wait(Wait(reason, seconds, detail))
        self._clock.sleep(seconds)

    def _send(
        self, url: str, params: dict[str, str | int] | None
    ) -> tuple[httpx.Response, bytearray]:
        """One GET, its body read within ``max_response_bytes`` and ``response_timeout`` (the
        response comes back closed: its status, headers and URL, and the body beside it)."""
        deadline = time.monotonic() + self.response_timeout
        response = self._http.send(self._http.build_request("GET", url, params=params), stream=True)
        try:
            return response, read_body(response, self.max_response_bytes, deadline)
        finally:
            response.close()

    def _get(
        self, url: str, params: dict[str, str | int] | None, pacer: Pacer
    ) -> tuple[httpx.Response, bytearray]:
        """GET with pacing (on ``pacer``'s budget) and retries; returns a 2xx response and
        its body, or raises one of our errors."""
        failures = 0  # 5xx and network errors: the error budget
        limited = 0  # 429s in a row
        while True:
            pause = pacer.delay()
            if pause > 0:
                self._sleep(
                    "pacing",
                    pause,
                    f"request budget spent ({pacer.source}); waiting for the reset",
                )
            try:
                response, body = self._send(url, params)
            except httpx.TransportError as exc:
                failures += 1
                target = str(httpx.URL(url, params=params))
                what = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                if failures > self.max_retries:
                    raise TransportError(
                        f"could not get an answer from {target} ({what}) after "
                        f"{failures} attempt{'s' if failures != 1 else ''}"
                    ) from exc
                self._sleep(
                    "retry",
                    self._backoff.delay(failures - 1),
                    f"{what} on {target}; retry {failures} of {self.max_retries}",
                )
                continue
            except httpx.HTTPError as exc:  # not a network failure: retrying won't help
                detail = f": {exc}" if isinstance(exc, httpx.DecodingError) else ""
                raise TransportError(
                    f"request to {url} failed: {type(exc).__name__}{detail}"
                ) from exc
            outcome = classify_status(response.status_code)
            if outcome != "rate_limited":
                pacer.observe(response.headers)
            if outcome == "ok":
                return response, body
            where = str(response.url)
            if outcome == "rate_limited":
                pacer.forget()
                limited += 1
                asked = retry_after_seconds(response.headers, self._clock.now())
                if limited > self.max_rate_limited:
                    raise RateLimitedError(
                        f"still rate limited (429) after {limited} attempts on {where}",
                        retry_after=DEFAULT_RETRY_AFTER if asked is None else asked,
                        status=429,
                        body=_decode_body(body),
                        url=where,
                    )
                wait = rate_limited_wait(asked, limited)
                said = "none" if asked is None else f"{asked:g}s"
                self._sleep("rate_limited", wait, f"429 from {where}; Retry-After {said}")
                continue
            limited = 0
            if outcome == "retry":
                failures += 1
                if failures > self.max_retries:
                    error = _decode_body(body)
                    detail = _error_text(error)
                    raise ServerError(
                        f"server error {response.status_code} from {where} after {failures} "
                        f"attempt{'s' if failures != 1 else ''}"
                        + (f": {detail}" if detail else ""),
                        status=response.status_code,
                        body=error,
                        url=where,
                    )
                self._sleep(
                    "retry",
                    self._backoff.delay(failures - 1),
                    f"{response.status_code} from {where}; retry {failures} of {self.max_retries}",
                )
                continue
            self._refuse(response, body)

    def _refuse(self, response: httpx.Response, content: bytearray) -> NoReturn:
        """Raise the error for a fatal status, with a message that says what to fix."""
        status = response.status_code
        body = _decode_body(content)
        where = str(response.url)
        detail = _error_text(body)
        suffix = f" ({detail})" if detail else ""
        kwargs: dict[str, Any] = {"status": status, "body": body, "url": where}
        if status == 401:
            raise AuthenticationError(
                f"Zendesk refused the credentials (401): wrong email or API token/password "
                f"[{self._auth.method} for {self.base_url}]",
                **kwargs,
            )
        if status == 403:
            raise PermissionDeniedError(
                "Zendesk refused the request (403): this user is not an admin; incremental "
                f"exports need an admin [{where}]",
                **kwargs,
            )
        if status == 404:
            if self.subdomain is not None:
                raise NotFoundError(
                    f"no such Zendesk subdomain {self.subdomain!r} (404) [{where}]", **kwargs
                )
            raise NotFoundError(
                f"{where} not found (404): is this a Zendesk-compatible server?", **kwargs
            )
        if 400 <= status < 500:
            raise InvalidRequestError(
                f"the server refused the request ({status}){suffix} [{where}]", **kwargs
            )
        if 300 <= status < 400:
            location = response.headers.get("location", "?")
            raise ApiError(
                f"unexpected redirect ({status}) from {where} to {location}: "
                "use the URL the account is served at",
                **kwargs,
            )
        raise ApiError(f"unexpected status {status} from {where}{suffix}", **kwargs)

    # ---- lifecycle --------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> ZendeskClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


def _is_id(value: Any) -> bool:
    return type(value) is int and -(2**63) <= value < 2**63


def _is_too_recent(body: Any) -> bool:
    return isinstance(body, dict) and str(body.get("description", "")).startswith(TOO_RECENT)
