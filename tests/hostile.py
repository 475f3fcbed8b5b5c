"""A hostile HTTP server: gzip bombs, endless bodies, endless 429s (stdlib only).

A module of its own so the client tests run it in a thread (:func:`hostile_server`) and the
benchmark in a process of its own (``python tests/hostile.py`` prints its port), where
its memory is not the client's. The first path segment picks the behaviour, so a client's base
URL can point at one (``http://127.0.0.1:PORT/bomb/268435456``), and the second one, if any,
is its size in bytes or its encoding:

* ``/bomb[/SIZE]``: gzip that inflates to SIZE (default 1 GiB) zero bytes, ~1/1000 of that on
  the wire;
* ``/plain[/SIZE]``: SIZE bytes (default 300 MB) sent plainly, ended by closing the connection;
  ``/declared[/SIZE]``: the same with a ``Content-Length`` up front;
* ``/page[/ENCODING]``: a small valid ``ticket_events`` page, in gzip, deflate or identity (the
  default), or in br (which no client here asks for); ``/page-then-bomb``: that page (not the
  last one) for ``start_time=0``, a bomb for any later page;
* ``/drip[/PIECES]``: that page (the last one) in PIECES pieces (default 20), 0.1 s apart: no
  read waits long, the whole body takes PIECES/10 seconds;
* ``/429``: always 429 with ``Retry-After: 0``; ``/count`` says how many 429s were answered.
"""

from __future__ import annotations

import contextlib
import json
import struct
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

GIB = 1024**3
ENCODINGS = ("identity", "gzip", "deflate", "br")
_PIECE = 1 << 20


def gzip_bomb(size: int) -> bytes:
    """gzip of ``size`` zero bytes (a multiple of 1 MiB), built in a blink: every 1 MiB of
    zeros compresses to the same 1 KB block once the compressor is fully flushed."""
    pieces = max(1, size // _PIECE)
    zeros = bytes(_PIECE)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    block = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(pieces):
        crc = zlib.crc32(zeros, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    trailer = struct.pack("<II", crc, (pieces * _PIECE) & 0xFFFFFFFF)
    return header + block * pieces + deflate.flush(zlib.Z_FINISH) + trailer


def page(start_time: int, end_of_stream: bool = True) -> bytes:
    """A valid two-event ticket_events page."""
    events = [
        {
            "id": start_time + n,
            "ticket_id": 7,
            "timestamp": start_time + n,
            "created_at": "2020-01-01T00:00:00Z",
            "event_type": "Audit",
            "child_events": [],
        }
        for n in (1, 2)
    ]
    end = start_time + 2
    body = {
        "ticket_events": events,
        "count": 2,
        "end_of_stream": end_of_stream,
        "end_time": end,
        "next_page": f"/api/v2/incremental/ticket_events.json?start_time={end}",
    }
    return json.dumps(body).encode()


class _Handler(BaseHTTPRequestHandler):
    server: HostileServer

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        mode, arg = ([*parts.path.strip("/").split("/"), ""])[:2]
        size = int(arg) if arg.isdigit() else None
        if mode == "bomb" or (mode == "page-then-bomb" and query.get("start_time") != "0"):
            self._send(self.server.bomb(size or GIB), {"Content-Encoding": "gzip"})
        elif mode in ("plain", "declared"):
            self._plain(size or 300_000_000, declared=mode == "declared")
        elif mode in ("page", "page-then-bomb"):
            encoding = arg if mode == "page" and arg in ENCODINGS else "identity"
            self._page(int(query.get("start_time", 0)), encoding, last=mode == "page")
        elif mode == "drip":
            self._drip(page(int(query.get("start_time", 0))), size or 20)
        elif mode == "429":
            with self.server.lock:
                self.server.limited += 1
            self._send(b'{"error":"APIRateLimitExceeded"}', {"Retry-After": "0"}, status=429)
        elif mode == "count":
            self._send(json.dumps({"limited": self.server.limited}).encode(), {})
        else:
            self._send(b'{"error":"InvalidEndpoint","description":"Not found"}', {}, status=404)

    def _send(self, body: bytes, headers: dict[str, str], status: int = 200) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        with contextlib.suppress(OSError):  # the client gave up reading: that is the point
            self.wfile.write(body)

    def _plain(self, size: int, *, declared: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if declared:
            self.send_header("Content-Length", str(size))
        self.end_headers()
        chunk = b" " * 65536
        sent = 0
        with contextlib.suppress(OSError):
            while sent < size:
                piece = chunk[: size - sent]
                self.wfile.write(piece)
                sent += len(piece)

    def _drip(self, body: bytes, pieces: int) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        step = -(-len(body) // pieces)
        with contextlib.suppress(OSError):
            for n in range(0, len(body), step):
                self.wfile.write(body[n : n + step])
                self.wfile.flush()
                time.sleep(0.1)

    def _page(self, start: int, encoding: str, last: bool) -> None:
        body = page(start, end_of_stream=last)
        if encoding == "gzip":
            packer = zlib.compressobj(6, zlib.DEFLATED, zlib.MAX_WBITS | 16)
            body = packer.compress(body) + packer.flush()
        elif encoding == "deflate":
            body = zlib.compress(body)
        elif encoding == "br":
            body = b"\x0b\x02\x80" + body  # never decoded: refused for its encoding
        headers = {} if encoding == "identity" else {"Content-Encoding": encoding}
        self._send(body, headers)


class HostileServer(ThreadingHTTPServer):
    """The server; ``limited`` counts the 429s it answered."""

    daemon_threads = True

    def __init__(self, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.lock = threading.Lock()
        self.limited = 0
        self._bombs: dict[int, bytes] = {}

    def bomb(self, size: int) -> bytes:
        with self.lock:
            if size not in self._bombs:
                self._bombs[size] = gzip_bomb(size)
            return self._bombs[size]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@contextmanager
def hostile_server() -> Iterator[HostileServer]:
    """The server on an ephemeral port, in a thread, until the block ends."""
    server = HostileServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


if __name__ == "__main__":
    serving = HostileServer(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    serving.bomb(GIB)  # built before anyone asks: no reader's time is the server's
    print(serving.server_address[1], flush=True)
    serving.serve_forever()
