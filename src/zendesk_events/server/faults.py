"""Injected faults: the emulator answers the next export requests badly, on purpose.

A pipeline is only proven against the failures it will meet: 5xx bursts, 429s, slow answers
that hit the client's timeout, and connections cut mid-body. Faults are queued through
``/_emulator/faults`` (see control.py) and consumed one per request under ``/api/v2/``, in order.
With nothing queued the middleware costs one attribute check per request.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from dataclasses import asdict, dataclass
from typing import Any

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["FAULT_STATUSES", "MAX_PER_REQUEST", "MAX_QUEUED", "Fault", "FaultInjector", "FaultPlan"]

MAX_QUEUED = 10_000
"""Faults that may wait in the queue at once (each is a few hundred bytes)."""
MAX_PER_REQUEST = 100
"""Faults one ``POST /_emulator/faults`` may list (each may repeat up to 1000 times)."""

_BODIES: dict[int, dict[str, str]] = {
    429: {
        "error": "APIRateLimitExceeded",
        "description": "Number of allowed incremental export API requests per minute exceeded",
    },
    500: {"error": "InternalError", "description": "Injected fault: internal server error"},
    502: {"error": "BadGateway", "description": "Injected fault: bad gateway"},
    503: {"error": "ServiceUnavailable", "description": "Injected fault: service unavailable"},
    504: {"error": "GatewayTimeout", "description": "Injected fault: gateway timeout"},
}

FAULT_STATUSES = tuple(sorted(_BODIES))
"""The statuses a fault may answer with."""


@dataclass(frozen=True, slots=True)
class Fault:
    """One bad answer.

    Attributes:
        status: answer this status (429 or 5xx) with a Zendesk-shaped body instead.
        retry_after: with status 429, the ``Retry-After`` seconds.
        delay: wait this long (seconds) before answering (normally, or with ``status``).
        truncate: send the headers and half the body, then drop the connection.
    """

    status: int | None = None
    retry_after: int = 1
    delay: float = 0.0
    truncate: bool = False

    @classmethod
    def parse(cls, data: Any) -> Fault:
        """A fault from its JSON form; raises ValueError saying what is wrong."""
        if not isinstance(data, dict):
            raise ValueError("each fault is an object")
        unknown = set(data) - {"status", "retry_after", "delay", "truncate", "times"}
        if unknown:
            raise ValueError(f"unknown fault fields: {', '.join(sorted(unknown))}")
        status = data.get("status")
        if status is not None and (type(status) is not int or status not in _BODIES):
            raise ValueError(f"status must be one of {sorted(_BODIES)}")
        delay = data.get("delay", 0)
        retry_after = data.get("retry_after", 1)
        # bool is an int to Python, not a number to JSON: true is no delay
        if type(delay) not in (int, float) or not 0 <= delay <= 300:
            raise ValueError("delay must be a number of seconds from 0 to 300")
        if type(retry_after) is not int or not 0 <= retry_after <= 3600:
            raise ValueError("retry_after must be whole seconds from 0 to 3600")
        truncate = data.get("truncate", False)
        if not isinstance(truncate, bool):
            raise ValueError("truncate must be true or false")
        if status is None and not delay and not truncate:
            raise ValueError("a fault needs a status, a delay or truncate")
        return cls(status, retry_after, float(delay), truncate)


class FaultPlan:
    """The queue of faults still to serve (thread-safe; one per server process)."""

    def __init__(self) -> None:
        self._queue: deque[Fault] = deque()
        self._lock = threading.Lock()
        self.served = 0

    @property
    def pending(self) -> bool:
        return bool(self._queue)

    def add(self, fault: Fault, times: int = 1) -> None:
        with self._lock:
            self._queue.extend([fault] * times)

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()

    def count(self) -> int:
        """Faults still queued."""
        with self._lock:
            return len(self._queue)

    def take(self) -> Fault | None:
        with self._lock:
            if not self._queue:
                return None
            self.served += 1
            return self._queue.popleft()

    def describe(self) -> dict[str, Any]:
        with self._lock:
            return {"pending": [asdict(f) for f in self._queue], "served": self.served}


class FaultInjector:
    """ASGI middleware applying :class:`FaultPlan` to requests under ``/api/v2/``."""

    def __init__(self, app: ASGIApp, plan: FaultPlan) -> None:
        self.app = app
        self.plan = plan

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            not self.plan.pending
            or scope["type"] != "http"
            or not scope["path"].startswith("/api/v2/")
        ):
            await self.app(scope, receive, send)
            return
        fault = self.plan.take()
        if fault is None:
            await self.app(scope, receive, send)
            return
        if fault.delay:
            await asyncio.sleep(fault.delay)
        if fault.status is not None:
            headers = [(b"content-type", b"application/json; charset=utf-8")]
            if fault.status == 429:
                headers.append((b"retry-after", str(fault.retry_after).encode()))
            await send({"type": "http.response.start", "status": fault.status, "headers": headers})
            await send({"type": "http.response.body", "body": orjson.dumps(_BODIES[fault.status])})
            return
        if fault.truncate:
            await self.app(scope, receive, _Truncating(send))
            return
        await self.app(scope, receive, send)


class _Truncating:
    """Forwards the response start and half of the body, then breaks the connection."""

    def __init__(self, send: Send) -> None:
        self._send = send

    async def __call__(self, message: Any) -> None:
        if message["type"] == "http.response.body":
            body: bytes = message.get("body", b"")
            await self._send(
                {"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True}
            )
            raise ConnectionAbortedError("injected fault: connection cut mid-body")
        await self._send(message)
