"""Emulator controls, under ``/_emulator/`` only (never ``/api/v2``): the clock and faults.

Moving time only works when the server runs on a :class:`FakeClock` (tests, demos, ``serve
--fake-clock``); on the wall clock the clock is read-only. Changing it needs an admin's
credentials. A move runs what it made due before answering (the emulated account's automations
and traffic, each at its own second); breaches written in advance need nothing: the exports
serve each once its time has come.
"""

from __future__ import annotations

import math

import orjson
from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from zendesk_events.server.errors import ZendeskHTTPError
from zendesk_events.server.faults import Fault, FaultPlan
from zendesk_events.timeutil import FakeClock

__all__ = ["router"]

router = APIRouter(prefix="/_emulator", tags=["Emulator controls"])


class _BadClockRequest(ZendeskHTTPError):
    status = 400
    error = "InvalidValue"


class _ClockIsReal(ZendeskHTTPError):
    status = 409
    error = "ClockIsReal"
    default_description = "this server runs on the wall clock; start it with a FakeClock"


def _clock_body(request: Request) -> Response:
    clock = request.app.state.clock
    body = {
        "now": clock.now(),
        "lag": request.app.state.settings.lag,
        "settable": isinstance(clock, FakeClock),
    }
    return Response(orjson.dumps(body), media_type="application/json")


@router.get("/clock", summary="The server's notion of now")
def get_clock(request: Request) -> Response:
    """``{"now": epoch seconds, "lag": s, "settable": bool}``."""
    return _clock_body(request)


@router.post("/clock", summary="Set or advance a fake clock (admins)")
def set_clock(
    request: Request,
    to: float | None = Query(None, alias="set", description="Epoch seconds to set."),
    advance: float | None = Query(None, description="Seconds to move forward (or back)."),
) -> Response:
    """``?set=EPOCH`` or ``?advance=SECONDS`` on a server running on a FakeClock."""
    request.app.state.export.authenticator.authenticate(request.headers.get("authorization"))
    clock = request.app.state.clock
    if not isinstance(clock, FakeClock):
        raise _ClockIsReal()
    if (to is None) == (advance is None):
        raise _BadClockRequest("give exactly one of set=EPOCH or advance=SECONDS")
    value = to if to is not None else advance
    if value is None or not math.isfinite(value):
        raise _BadClockRequest("the value must be a finite number")
    if to is not None:
        clock.set(to)
    else:
        clock.advance(value)
    desk = getattr(request.app.state, "desk", None)
    if desk is not None:
        desk.advance(clock.now())
    return _clock_body(request)


class _BadFaults(ZendeskHTTPError):
    status = 400
    error = "InvalidValue"


def _require_admin(request: Request) -> None:
    auth = request.app.state.export.authenticator
    auth.require_admin(auth.authenticate(request.headers.get("authorization")))


def _faults_body(request: Request) -> Response:
    plan: FaultPlan = request.app.state.faults
    return Response(orjson.dumps(plan.describe()), media_type="application/json")


@router.get("/faults", summary="Faults still queued, and how many were served")
def get_faults(request: Request) -> Response:
    """``{"pending": [fault, ...], "served": n}``."""
    return _faults_body(request)


@router.post("/faults", summary="Queue faults for the next export requests (admins)")
async def add_faults(request: Request) -> Response:
    """Body: a JSON list of faults, each ``{"status": 429|500|502|503|504, "retry_after": s,
    "delay": s, "truncate": bool, "times": n}``; served in order, one per ``/api/v2`` request."""
    _require_admin(request)
    try:
        data = orjson.loads(await request.body())
        if not isinstance(data, list):
            raise ValueError("the body must be a JSON list of faults")
        parsed = []
        for item in data:
            times = item.get("times", 1) if isinstance(item, dict) else 1
            if not isinstance(times, int) or not 1 <= times <= 1000:
                raise ValueError("times must be a whole number from 1 to 1000")
            parsed.append((Fault.parse(item), times))
    except ValueError as exc:  # orjson.JSONDecodeError is a ValueError
        raise _BadFaults(str(exc)) from None
    plan: FaultPlan = request.app.state.faults
    for fault, times in parsed:
        plan.add(fault, times)
    return _faults_body(request)


@router.delete("/faults", summary="Drop every queued fault (admins)")
def clear_faults(request: Request) -> Response:
    """Clears the queue; answers like GET."""
    _require_admin(request)
    request.app.state.faults.clear()
    return _faults_body(request)
