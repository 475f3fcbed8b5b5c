"""The verification cache: keyed by a hash (never the header), bounded, short-lived."""

from __future__ import annotations

from typing import Any

import pytest
from serverkit import PASSWORD, basic

from zendesk_events.server.auth import Authenticator
from zendesk_events.server.errors import Forbidden, Unauthorized
from zendesk_events.timeutil import FakeClock


def test_cache_holds_digests_only_and_is_bounded(account: Any) -> None:
    clock = FakeClock()
    auth = Authenticator(account.store.users, clock, ttl=60, max_entries=2)
    headers = [
        account.admin["Authorization"],
        basic("admin@example.com", PASSWORD)["Authorization"],
        f"Bearer {account.oauth_token}",
    ]
    for header in headers:
        assert auth.authenticate(header).email == "admin@example.com"
    cached = auth._cache
    assert len(cached) == 2
    assert all(isinstance(k, bytes) and len(k) == 32 for k in cached)
    assert not any(h.encode() in k for h in headers for k in cached)
    assert auth.cached(headers[0]) is None  # least recently used went first
    assert auth.cached(headers[2]) is not None
    clock.advance(60)
    assert auth.cached(headers[2]) is None


def test_failures_are_not_cached_and_roles_are_checked_on_hits(account: Any) -> None:
    auth = Authenticator(account.store.users, FakeClock())
    with pytest.raises(Unauthorized):
        auth.authenticate(basic("admin@example.com", "wrong")["Authorization"])
    assert len(auth._cache) == 0
    for _ in range(2):  # miss, then cache hit: both refuse the agent
        with pytest.raises(Forbidden):
            auth.authenticate(account.agent["Authorization"])
