"""The password cache: keyed by a hash (never the header), bounded, short-lived, and never
trusted past a change of the user's row."""

from __future__ import annotations

from typing import Any

import pytest
from serverkit import PASSWORD, basic

from zendesk_events.server.auth import Authenticator
from zendesk_events.server.errors import Forbidden, Unauthorized
from zendesk_events.timeutil import FakeClock


def test_cache_holds_digests_only_is_bounded_and_spares_scrypt(account: Any) -> None:
    clock = FakeClock()
    auth = Authenticator(account.store.users, clock, ttl=60, max_entries=2)
    emails = ("admin@example.com", "agent@example.com", "user@example.com")
    for email in emails[1:]:
        account.store.users.add(email, "admin", password=PASSWORD)
    headers = [basic(email, PASSWORD)["Authorization"] for email in emails]
    for header in headers:
        assert auth.authenticate(header).is_admin
    assert auth.checker.hashed == 3
    cached = auth._cache
    assert len(cached) == 2
    assert all(isinstance(k, bytes) and len(k) == 32 for k in cached)
    assert not any(h.encode() in k for h in headers for k in cached)
    for _ in range(3):  # remembered: no scrypt
        assert auth.authenticate(headers[2]).email == "user@example.com"
    assert auth.checker.hashed == 3
    auth.authenticate(headers[0])  # the least recently used went first: checked again
    assert auth.checker.hashed == 4
    clock.advance(60)
    auth.authenticate(headers[0])
    assert auth.checker.hashed == 5
    auth.checker.close()


def test_tokens_are_checked_every_time_and_not_cached(account: Any) -> None:
    auth = Authenticator(account.store.users, FakeClock())
    for header in (account.admin["Authorization"], f"Bearer {account.oauth_token}"):
        assert auth.authenticate(header).is_admin
    assert len(auth._cache) == 0 and auth.checker.hashed == 0


def test_failures_are_not_cached_and_roles_are_checked_on_hits(account: Any) -> None:
    auth = Authenticator(account.store.users, FakeClock())
    with pytest.raises(Unauthorized):
        auth.authenticate(basic("admin@example.com", "wrong")["Authorization"])
    assert len(auth._cache) == 0
    agent = basic("agent@example.com", PASSWORD)["Authorization"]
    for _ in range(2):  # miss, then cache hit: both refuse the agent
        with pytest.raises(Forbidden):
            auth.authenticate(agent)
    assert auth.checker.hashed == 2
    auth.checker.close()


def test_a_cache_hit_reads_the_role_and_password_of_now(account: Any) -> None:
    auth = Authenticator(account.store.users, FakeClock())
    header = basic("admin@example.com", PASSWORD)["Authorization"]
    assert auth.authenticate(header).is_admin
    account.store.users.add("admin@example.com", "agent")
    with pytest.raises(Forbidden):
        auth.authenticate(header)
    account.store.users.add("admin@example.com", "admin", password="another one")
    with pytest.raises(Unauthorized):
        auth.authenticate(header)
    auth.checker.close()
