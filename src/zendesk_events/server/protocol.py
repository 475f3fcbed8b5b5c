"""The HTTP/1.1 connection the server speaks: uvicorn's httptools protocol, plus read deadlines,
a cap on header bytes, and Zendesk-shaped answers where uvicorn would answer in plain text.

uvicorn has a keep-alive timeout for idle connections between requests, but nothing bounds the
time a client takes to *send* a request: its keep-alive timer is cancelled by the first byte of
the next request, and a fresh connection has no timer at all. 1,000 clients that each send half
a request line were held open forever. Nor does httptools bound the size of a request line or
headers. This subclass adds what a reverse proxy would (nginx's ``client_header_timeout`` and
``client_body_timeout``, Apache's ``mod_reqtimeout``):

* a **header deadline**: the request line and headers must be in ``header_timeout`` seconds after
  the connection opens or the previous response ends; a connection that sent nothing is then
  closed silently, one that sent part of a request gets a 408;
* a **body deadline**: once the headers are in, the body must be in within ``body_timeout``
  (the whole body, so a client dripping a byte a second cannot hold a connection either);
* a **header cap**: more than ``max_header_bytes`` of request line and headers is a 431;
* a malformed request gets a JSON 400 instead of uvicorn's ``text/plain`` one.

Every answer is rendered from the same error classes as the app's (``server/errors.py``).
Only the httptools protocol is extended (it comes with ``uvicorn[standard]``, the server
extra); the runner refuses to start without it rather than serve without deadlines.
"""

from __future__ import annotations

import asyncio
from http import HTTPStatus
from typing import Any

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from zendesk_events.server.errors import (
    MalformedRequest,
    RequestHeadersTooLarge,
    RequestTimeout,
    ZendeskHTTPError,
)

__all__ = ["DeadlineHttpProtocol"]


class _HeadersTooLarge(Exception):
    """Raised inside a parser callback to stop reading an oversized request head."""


class DeadlineHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with read deadlines and a header cap (module docstring).

    Built by uvicorn for every connection; the keyword arguments come through
    ``functools.partial`` (:func:`zendesk_events.server.runner.uvicorn_config`), which pickles,
    so worker processes get the same settings.
    """

    def __init__(
        self,
        *args: Any,
        header_timeout: float = 10.0,
        body_timeout: float = 30.0,
        max_header_bytes: int = 65_536,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._header_timeout = header_timeout
        self._body_timeout = body_timeout
        self._max_header_bytes = max_header_bytes
        self._deadline: asyncio.TimerHandle | None = None
        self._head_bytes = 0
        self._in_body = False
        self._partial = False  # bytes of a request have arrived since the last response

    # ---- connection --------------------------------------------------------------------------

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self._arm(self._header_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if data:
            self._partial = True
        super().data_received(data)

    def on_response_complete(self) -> None:
        pipelined = bool(self.pipeline)  # super() starts the next, already received, request
        super().on_response_complete()
        if self.transport.is_closing() or pipelined:
            return
        if not self._in_body:  # the next request's head must come in time too
            self._partial = False
            self._arm(self._header_timeout)

    # ---- parser callbacks --------------------------------------------------------------------

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_bytes = 0
        self._in_body = False

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + 4)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        self._in_body = True
        self._arm(self._body_timeout)

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_body = False
        self._disarm()  # the app answers in its own time
        cycle = self.cycle
        if cycle is not None and cycle.response_complete and not self.transport.is_closing():
            # answered before the body was all in (a GET ignores its body): now wait for the
            # next request's head
            self._partial = False
            self._arm(self._header_timeout)

    # ---- uvicorn's plain-text answers, as Zendesk-shaped JSON ----------------------------------

    def send_400_response(self, msg: str) -> None:
        error = RequestHeadersTooLarge() if self._head_bytes > self._max_header_bytes else None
        self._answer_and_close(error or MalformedRequest())

    def _unsupported_upgrade_warning(self) -> None:
        """No log line per ``Upgrade`` request: the request is answered as plain HTTP."""

    # ---- deadlines ---------------------------------------------------------------------------

    def _count(self, n: int) -> None:
        self._head_bytes += n
        if self._head_bytes > self._max_header_bytes:
            raise _HeadersTooLarge()  # httptools turns it into a parser error: a 431 below

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._expired)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete and not self._in_body:
            return  # a whole request, being answered: the app takes the time it takes
        if self._in_body and cycle is not None and cycle.response_started:
            # answered already; the rest of the body never came: no next request on this one
            cycle.keep_alive = False
            if cycle.response_complete:
                self.transport.close()
            return
        if not self._partial:  # an idle connection: nothing to answer
            self.transport.close()
            return
        if cycle is not None and not cycle.response_complete:
            # the app may be waiting for the body: it is told the client went away
            cycle.disconnected = True
            cycle.message_event.set()
        self._answer_and_close(RequestTimeout())

    def _answer_and_close(self, error: ZendeskHTTPError) -> None:
        self._disarm()
        body = orjson.dumps(error.body())
        head = [f"HTTP/1.1 {error.status} {HTTPStatus(error.status).phrase}".encode()]
        head += [name + b": " + value for name, value in self.server_state.default_headers]
        head += [
            b"content-type: application/json; charset=utf-8",
            b"content-length: " + str(len(body)).encode(),
            b"connection: close",
        ]
        self.transport.write(b"\r\n".join(head) + b"\r\n\r\n" + body)
        self.transport.close()
