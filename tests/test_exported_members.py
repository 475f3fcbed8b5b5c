"""The public surface is what ``__all__`` says, sorted, and every name resolves (httpx's test)."""

from __future__ import annotations

import subprocess
import sys

import zendesk_events


def test_all_is_sorted_and_resolves() -> None:
    names = zendesk_events.__all__
    assert names == sorted(names)
    for name in names:
        assert hasattr(zendesk_events, name), name


def test_public_names_are_what_they_claim() -> None:
    assert issubclass(zendesk_events.AuthenticationError, zendesk_events.ApiError)
    assert issubclass(zendesk_events.ApiError, zendesk_events.ZendeskEventsError)
    assert not hasattr(zendesk_events, "Client")  # one public name for the client
    assert zendesk_events.RateLimitedError.retriable and zendesk_events.ServerError.retriable
    assert not zendesk_events.AuthenticationError.retriable
    assert zendesk_events.ConfigError.exit_code == 2


def test_library_import_needs_no_server_extra() -> None:
    code = "import sys, zendesk_events; print(sorted({'fastapi', 'uvicorn'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
