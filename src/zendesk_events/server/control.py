"""Emulator controls, under ``/_emulator/`` only (never ``/api/v2``): the clock and faults.

Moving time only works when the server runs on a :class:`FakeClock` (tests, demos, ``serve
--fake-clock``); on the wall clock the clock is read-only. Changing it needs an admin's
credentials. A move runs what it made due before answering (the emulated account's automations
and, of a jump, the last hour of its traffic, each at its own second); breaches written in
advance need nothing: the exports serve each once its time has come.
"""

from __future__ import annotations

import math

import orjson
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from zendesk_events.server.auth import Authenticator, client_address
from zendesk_events.server.errors import ZendeskHTTPError
from zendesk_events.server.faults import MAX_PER_REQUEST, MAX_QUEUED, Fault, FaultPlan
from zendesk_events.server.openapi import control_docs
from zendesk_events.timeutil import FakeClock

__all__ = ["MAX_CLOCK_SECONDS", "router"]

MAX_CLOCK_SECONDS = 253_402_300_799
"""The fake clock stays within 0 .. 9999-12-31T23:59:59Z, where every time is printable."""

router = APIRouter(prefix="/_emulator", tags=["Emulator controls"])


class BadControlRequest(ZendeskHTTPError):
    """A control request with a missing or impossible value."""

    status = 400
    error = "InvalidValue"


class ClockIsReal(ZendeskHTTPError):
    """The server runs on the wall clock, which nothing may move."""

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


@router.get("/clock", summary="The server's notion of now", **control_docs("get_clock"))
async def get_clock(request: Request) -> Response:
    """``{"now": epoch seconds, "lag": s, "settable": bool}``."""
    return _clock_body(request)


async def _require_admin(request: Request) -> None:
    auth: Authenticator = request.app.state.authenticator
    await auth.admin(request.headers.get("authorization"), client_address(request.scope))


def _seconds(request: Request, name: str) -> float | None:
    """A query parameter as a finite number, None when absent.

    Raises:
        BadControlRequest: present but not a finite number.
    """
    raw = request.query_params.get(name)
    if raw is None:
        return None
    try:
        value = float(raw.strip()) if raw.strip().isascii() else math.nan
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or abs(value) > MAX_CLOCK_SECONDS:
        raise BadControlRequest(f"{name} must be a number of seconds (at most {MAX_CLOCK_SECONDS})")
    return value


@router.post(
    "/clock",
    summary="Set or advance a fake clock (admins)",
    **control_docs("set_clock", MAX_CLOCK_SECONDS),
)
async def set_clock(request: Request) -> Response:
    """``?set=EPOCH`` or ``?advance=SECONDS`` on a server running on a FakeClock."""
    await _require_admin(request)
    clock = request.app.state.clock
    if not isinstance(clock, FakeClock):
        raise ClockIsReal()
    to, advance = _seconds(request, "set"), _seconds(request, "advance")
    if (to is None) == (advance is None):
        raise BadControlRequest("give exactly one of set=EPOCH or advance=SECONDS")
    if to is not None:
        if to < 0:
            raise BadControlRequest("set must be epoch seconds from 0")
        clock.set(to)
    elif advance is not None:
        if not 0 <= clock.now() + advance <= MAX_CLOCK_SECONDS:
            raise BadControlRequest(f"the clock would leave 0..{MAX_CLOCK_SECONDS}")
        clock.advance(advance)
    desk = getattr(request.app.state, "desk", None)
    if desk is not None:  # what the move made due, written before the answer (in a thread)
        await run_in_threadpool(desk.advance, clock.now())
    return _clock_body(request)


def _faults_body(request: Request) -> Response:
    plan: FaultPlan = request.app.state.faults
    return Response(orjson.dumps(plan.describe()), media_type="application/json")


@router.get(
    "/faults", summary="Faults still queued, and how many were served", **control_docs("get_faults")
)
async def get_faults(request: Request) -> Response:
    """``{"pending": [fault, ...], "served": n}``."""
    return _faults_body(request)


@router.post(
    "/faults",
    summary="Queue faults for the next export requests (admins)",
    **control_docs("add_faults"),
)
async def add_faults(request: Request) -> Response:
    """Body: a JSON list of faults, each ``{"status": 429|500|502|503|504, "retry_after": s,
    "delay": s, "truncate": bool, "times": n}``; served in order, one per ``/api/v2`` request."""
    await _require_admin(request)
    try:
        data = orjson.loads(await request.body())
        if not isinstance(data, list):
            raise ValueError("the body must be a JSON list of faults")
        if len(data) > MAX_PER_REQUEST:
            raise ValueError(f"at most {MAX_PER_REQUEST} faults in one request")
        parsed = []
        for item in data:
            times = item.get("times", 1) if isinstance(item, dict) else 1
            if type(times) is not int or not 1 <= times <= 1000:
                raise ValueError("times must be a whole number from 1 to 1000")
            parsed.append((Fault.parse(item), times))
    except ValueError as exc:  # orjson.JSONDecodeError is a ValueError
        raise BadControlRequest(str(exc)) from None
    plan: FaultPlan = request.app.state.faults
    if plan.count() + sum(times for _, times in parsed) > MAX_QUEUED:
        raise BadControlRequest(f"at most {MAX_QUEUED} faults may be queued at once")
    for fault, times in parsed:
        plan.add(fault, times)
    return _faults_body(request)


@router.delete(
    "/faults", summary="Drop every queued fault (admins)", **control_docs("clear_faults")
)
async def clear_faults(request: Request) -> Response:
    """Clears the queue; answers like GET."""
    await _require_admin(request)
    request.app.state.faults.clear()
    return _faults_body(request)
