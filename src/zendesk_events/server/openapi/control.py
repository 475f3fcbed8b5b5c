"""What ``/openapi.json`` says about the emulator's controls (``/_emulator/clock``,
``/_emulator/faults``)."""

from __future__ import annotations

from typing import Any

from zendesk_events.server.faults import FAULT_STATUSES, MAX_PER_REQUEST, MAX_QUEUED
from zendesk_events.server.openapi.common import (
    AUTH_ERRORS,
    SECURITY,
    error_response,
    query_param,
)
from zendesk_events.server.openapi.models import ClockState, FaultState

__all__ = ["control_docs"]

_FAULT = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "status": {
            "description": "Answer this status with a Zendesk-shaped body instead.",
            "anyOf": [{"type": "integer", "enum": list(FAULT_STATUSES)}, {"type": "null"}],
        },
        "retry_after": {
            "description": "With status 429: the Retry-After seconds (default 1).",
            "type": "integer",
            "minimum": 0,
            "maximum": 3600,
        },
        "delay": {
            "description": "Seconds to wait before answering.",
            "type": "number",
            "minimum": 0,
            "maximum": 300,
        },
        "truncate": {
            "description": "Send the headers and half the body, then cut the connection.",
            "type": "boolean",
        },
        "times": {
            "description": "Serve this fault to this many requests in a row (default 1).",
            "type": "integer",
            "minimum": 1,
            "maximum": 1000,
        },
    },
    # a fault does something: a status, a delay or a cut
    "anyOf": [
        {"required": ["status"], "properties": {"status": {"type": "integer"}}},
        {"required": ["delay"], "properties": {"delay": {"exclusiveMinimum": 0}}},
        {"required": ["truncate"], "properties": {"truncate": {"const": True}}},
    ],
}


def control_docs(name: str, max_clock_seconds: int = 0) -> dict[str, Any]:
    """Route keyword arguments documenting one ``/_emulator`` control; ``name`` is the
    endpoint function's. Reads are open to anyone; changes need an admin."""
    bad_value = error_response(400, "A missing or impossible value (see description).")
    if name == "get_clock":
        return {
            "operation_id": name,
            "description": "The server's notion of now. Open to anyone.",
            "responses": {200: {"model": ClockState, "description": "The clock."}},
        }
    if name == "set_clock":
        params = [
            query_param(
                "set",
                "Epoch seconds to set the clock to.",
                {"type": "number", "minimum": 0, "maximum": max_clock_seconds},
            ),
            query_param(
                "advance",
                "Seconds to move the clock forward (or back, when negative).",
                {"type": "number", "minimum": -max_clock_seconds, "maximum": max_clock_seconds},
            ),
        ]
        return {
            "operation_id": name,
            "description": "Give exactly one of set or advance; the clock stays within 0 .. "
            f"{max_clock_seconds}. Only on a server running on a fake clock (tests, demos). "
            "Admins only.",
            "responses": {
                200: {"model": ClockState, "description": "The clock, moved."},
                400: bad_value,
                **AUTH_ERRORS,
                409: error_response(
                    409, "The server runs on the wall clock, which nothing may move."
                ),
            },
            "openapi_extra": {"parameters": params, "security": SECURITY},
        }
    if name == "get_faults":
        return {
            "operation_id": name,
            "description": "Faults still queued, and how many were served. Open to anyone.",
            "responses": {200: {"model": FaultState, "description": "The queue."}},
        }
    if name == "add_faults":
        body = {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"type": "array", "maxItems": MAX_PER_REQUEST, "items": _FAULT}
                }
            },
        }
        return {
            "operation_id": name,
            "description": "Queue faults for the next /api/v2 requests, one per request, in "
            f"order; at most {MAX_QUEUED} wait at once. Admins only.",
            "responses": {
                200: {"model": FaultState, "description": "The queue, with the new faults."},
                400: error_response(400, "Not a list of faults, or the queue would hold too many."),
                **AUTH_ERRORS,
            },
            "openapi_extra": {"requestBody": body, "security": SECURITY},
        }
    if name == "clear_faults":
        return {
            "operation_id": name,
            "description": "Drop every queued fault. Admins only.",
            "responses": {
                200: {"model": FaultState, "description": "The queue, empty."},
                **AUTH_ERRORS,
            },
            "openapi_extra": {"security": SECURITY},
        }
    raise KeyError(name)
