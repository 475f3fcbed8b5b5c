"""The connection layer: half-sent requests are cut off (408), oversized heads refused (431),
bytes that are not HTTP answered in JSON (400), and none of it slows a real client down.

Issue 10, item 11: 1,000 half-sent requests were held open indefinitely (uvicorn has no header
timeout of its own). Raw sockets here, since no HTTP client sends half a request.
"""

from __future__ import annotations

import socket
import time
from typing import Any

import httpx
import orjson
from serverkit import NOW

TE = "/api/v2/incremental/ticket_events"


def _connect(url: str, data: bytes) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    if data:
        sock.sendall(data)
    return sock


def _read_all(sock: socket.socket, until: float) -> tuple[bytes, float]:
    """Everything the server sends until it closes, and when it closed (monotonic)."""
    out = b""
    sock.settimeout(max(0.1, until - time.monotonic()))
    try:
        while chunk := sock.recv(65536):
            out += chunk
    except TimeoutError:
        return out + b"<still open>", time.monotonic()
    finally:
        sock.close()
    return out, time.monotonic()


def _json_answer(raw: bytes) -> tuple[int, dict[str, Any]]:
    head, _, body = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    assert b"content-type: application/json" in head.lower(), head
    return status, orjson.loads(body)


def test_a_thousand_half_sent_requests_are_cut_off_and_real_clients_still_served(
    account: Any, serve: Any
) -> None:
    with serve(account.store, header_timeout=1.5, body_timeout=1.5, export_rate_limit=0) as s:
        started = time.monotonic()
        half = [
            _connect(s.url, f"GET {TE}?start_time={i} HTTP/1.1\r\nHost: x\r\nAccept: ".encode())
            for i in range(1000)
        ]
        dripping = _connect(
            s.url, b"POST /_emulator/faults HTTP/1.1\r\nContent-Length: 50\r\n\r\n["
        )
        idle = _connect(s.url, b"")
        # a real client meanwhile: answered at once
        for _ in range(3):
            r = s.get(f"{TE}?start_time={NOW - 3600}", headers=account.admin)
            assert r.status_code == 200
        for _ in range(3):  # a byte a half-second does not reset the body deadline
            time.sleep(0.5)
            try:
                dripping.sendall(b" ")
            except OSError:
                break
        answers = [_read_all(sock, started + 10) for sock in half]
        closed_at = max(at for _, at in answers) - started
        assert closed_at < 8, closed_at  # 1.5 s deadline, plus a loaded machine's slack
        for raw, _ in answers:
            assert _json_answer(raw) == (
                408,
                {"error": "RequestTimeout", "description": "The request was not received in time"},
            )
        raw, at = _read_all(dripping, started + 10)
        assert at - started < 8 and raw.startswith(b"HTTP/1.1 401 ")  # answered, then cut
        raw, at = _read_all(idle, started + 10)
        assert raw == b"" and at - started < 8  # nothing asked, nothing answered
        assert s.get(f"{TE}?start_time={NOW - 3600}", headers=account.admin).status_code == 200


def test_a_keep_alive_connection_gets_a_new_header_deadline(account: Any, serve: Any) -> None:
    with serve(account.store, header_timeout=1.0) as s:
        sock = _connect(s.url, b"GET /_emulator/clock HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.3)
        sock.sendall(b"GET /_emulator/clo")  # the next request, never finished
        raw, _ = _read_all(sock, time.monotonic() + 6)
        first, _, rest = raw.partition(b"\r\n\r\n")
        assert first.startswith(b"HTTP/1.1 200 ")
        assert b"HTTP/1.1 408 Request Timeout" in rest


def test_an_oversized_head_is_a_431_and_garbage_a_json_400(account: Any, serve: Any) -> None:
    with serve(account.store) as s:
        big = _connect(s.url, b"GET / HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 70_000 + b"\r\n\r\n")
        status, body = _json_answer(_read_all(big, time.monotonic() + 5)[0])
        assert (status, body["error"]) == (431, "RequestHeaderFieldsTooLarge")
        long_url = _connect(s.url, b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n")
        assert _json_answer(_read_all(long_url, time.monotonic() + 5)[0])[0] == 431
        for garbage in (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", b"GET / HTTP/9.9\r\n\r\n"):
            sock = _connect(s.url, garbage)
            status, body = _json_answer(_read_all(sock, time.monotonic() + 5)[0])
            assert status == 400
            assert body == {
                "error": "InvalidRequest",
                "description": "Invalid HTTP request received",
            }
        # and the server is fine
        assert httpx.get(f"{s.url}/_emulator/clock").status_code == 200
