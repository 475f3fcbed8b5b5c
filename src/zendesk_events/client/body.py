"""Reading a response body within a size limit: wire bytes and inflated bytes both counted.

httpx reads a whole body into memory and inflates gzip without bound: a 1 MB gzip body that
inflates to 1 GiB took a sync to 2.2 GB of memory, a 300 MB plain body to 935 MB. Here the body
is streamed in small pieces and inflated a piece at a time (zlib's ``max_length``), so no
more than the limit plus one piece is ever held, and reading stops as soon as either count
passes the limit. A ``Content-Length`` over the limit is refused before anything is read.

A response must also end in time: ``timeout`` bounds each read, so a server that drips a
byte every 59 s would hold a sync for as long as it likes. A deadline for the whole response
ends that (as a read timeout, which the client retries like any other).

The client asks for gzip or deflate only (:data:`ACCEPT_ENCODING`; Zendesk answers gzip), the
two encodings inflated here; a body in another encoding is refused rather than trusted to a
decoder without a bound.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterator

import httpx

from zendesk_events.errors import ResponseTooLargeError

__all__ = [
    "ACCEPT_ENCODING",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_RESPONSE_TIMEOUT",
    "read_body",
]

DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
"""The default limit on a response body, compressed or not. A full 1000-event page of the
emulator's seeded history is 1.1 MB (1.3 MB with ``include=comment_events``); real pages with
long comments are larger, and this leaves them ~50 times that room, while a hostile or broken
server can cost at most this much memory."""

DEFAULT_RESPONSE_TIMEOUT = 300.0
"""Seconds a whole response may take, from the request to its body's last byte. A 1000-event
page is ~1 MB: this allows it ~3.5 KB/s; a body at the size limit needs ~220 KB/s."""

ACCEPT_ENCODING = "gzip, deflate"
"""What the client accepts: the encodings :func:`read_body` inflates within the limit."""

_PIECE = 64 * 1024
"""Bytes read from the network at a time (and inflated at most at a time beyond the limit)."""


class _Inflater:
    """gzip or deflate, inflated a piece at a time."""

    def __init__(self, encoding: str) -> None:
        self._gzip = encoding == "gzip"
        self._started = False
        self._z = zlib.decompressobj(zlib.MAX_WBITS | 16 if self._gzip else zlib.MAX_WBITS)

    def inflate(self, data: bytes) -> Iterator[bytes]:
        """What ``data`` inflates to, in pieces of at most :data:`_PIECE` bytes (one call to
        zlib may not inflate a whole network read: 64 KiB of a bomb is 64 MiB)."""
        if not self._started and not self._gzip:
            self._started = True
            try:  # deflate as RFC 9110 means it (zlib-wrapped), else raw: as httpx does
                first = self._z.decompress(data, _PIECE)
            except zlib.error:
                self._z = zlib.decompressobj(-zlib.MAX_WBITS)
            else:
                yield first
                data = self._z.unconsumed_tail
        self._started = True
        while data:
            yield self._z.decompress(data, _PIECE)
            data = self._z.unconsumed_tail


def read_body(response: httpx.Response, limit: int, deadline: float | None = None) -> bytearray:
    """The whole body of a streamed ``response``, decoded, if it stays within ``limit`` bytes
    (and arrives before ``deadline``).

    Args:
        response: a response from ``send(..., stream=True)``; the caller closes it.
        limit: the most bytes allowed, both on the wire and once inflated.
        deadline: a ``time.monotonic()`` by which the last byte must have arrived (checked
            after each read, which ``timeout`` bounds); None: no deadline.

    Raises:
        ResponseTooLargeError: ``Content-Length`` or either count passed ``limit``.
        httpx.ReadTimeout: ``deadline`` passed before the body ended.
        httpx.DecodingError: the body is not valid gzip/deflate, or in an encoding the client
            did not ask for.
        httpx.TransportError: the connection failed while reading.
    """
    where = str(response.url)
    if response.is_stream_consumed:
        # Built whole in memory by an in-process transport (tests, mocks): already decoded.
        if len(response.content) > limit:
            raise ResponseTooLargeError(where, limit, "decoded")
        return bytearray(response.content)
    declared = response.headers.get("content-length", "").strip()
    if declared.isdigit() and int(declared) > limit:
        raise ResponseTooLargeError(where, limit, "declared")
    encoding = response.headers.get("content-encoding", "").strip().lower()
    inflater: _Inflater | None = None
    if encoding in ("gzip", "x-gzip", "deflate"):
        inflater = _Inflater("deflate" if encoding == "deflate" else "gzip")
    elif encoding not in ("", "identity"):
        raise httpx.DecodingError(
            f"the response from {where} is in Content-Encoding {encoding!r}, which the client "
            f"did not ask for (it accepts {ACCEPT_ENCODING})",
            request=response.request,
        )
    body = bytearray()
    # Pieces as they come off the socket (httpcore reads at most 64 KiB at a time): asking
    # for 64 KiB pieces would buffer until one is whole, and see no deadline meanwhile.
    for raw in response.iter_raw():
        if response.num_bytes_downloaded > limit:
            raise ResponseTooLargeError(where, limit, "received")
        if deadline is not None and time.monotonic() > deadline:
            raise httpx.ReadTimeout(
                f"the response from {where} did not end in time "
                f"({response.num_bytes_downloaded:,} bytes received)",
                request=response.request,
            )
        if inflater is None:
            body += raw
            continue
        try:
            for piece in inflater.inflate(raw):
                body += piece
                if len(body) > limit:
                    raise ResponseTooLargeError(where, limit, "decoded")
        except zlib.error as exc:
            raise httpx.DecodingError(
                f"the response from {where} is not valid {encoding} ({exc})",
                request=response.request,
            ) from exc
    return body  # not copied into bytes: that would hold the body twice at the end
