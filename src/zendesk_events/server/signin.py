"""Limits on failed password sign-ins, per user and per client address.

Guessing a password costs the guesser one request and us one scrypt, so the guesses are
counted: after ``per_user`` failed checks for one email, or ``per_address`` from one client
address, within a fixed window, further password checks for it are answered 429 with
``Retry-After`` (the seconds left in the window) *without* checking, whatever the password.
What stays open during a lockout: API tokens and OAuth tokens (256-bit random values, nothing
to guess) and a password verified before the lockout (cached), so a legitimate admin whose
email is being guessed keeps working.

Unknown emails are counted and locked exactly like real ones, so a lockout does not tell which
emails exist. Counts live where the export budgets live (the store, for every server process
over it); keys are a digest of the email, never the email itself, and an IPv6 client counts
by its /64 network, which one host can fill with addresses.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math

from zendesk_events.server.ratelimit import WindowCounter
from zendesk_events.timeutil import Clock

__all__ = ["SIGNIN_KEY_PREFIX", "SignInLimits", "address_key"]

SIGNIN_KEY_PREFIX = "signin:"
"""Counters of failed sign-ins start with this (pruned once their window is over)."""


def address_key(address: str | None) -> str | None:
    """The counter name of a client address (an IPv6 address by its /64), None if unknown."""
    if not address:
        return None
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return f"{SIGNIN_KEY_PREFIX}addr:{address[:64]}"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:  # ::ffff:192.0.2.1 is the IPv4 client 192.0.2.1
            return f"{SIGNIN_KEY_PREFIX}addr:{ip.ipv4_mapped}"
        return f"{SIGNIN_KEY_PREFIX}addr:{ipaddress.ip_network(f'{ip}/64', strict=False)}"
    return f"{SIGNIN_KEY_PREFIX}addr:{ip}"


def _user_key(email: str) -> str:
    digest = hashlib.sha256(email.strip().casefold().encode("utf-8", "surrogatepass")).hexdigest()
    return f"{SIGNIN_KEY_PREFIX}user:{digest[:32]}"


class SignInLimits:
    """Failed password checks per user and per address, in fixed windows.

    Args:
        counter: where the failures are counted (the store, shared by every process).
        clock: the time source of the windows.
        per_user: failures per email per window before its password checks are refused
            (0 = no limit).
        per_address: the same per client address (0 = no limit).
        window: the window, in seconds (aligned on its multiples, as the export budgets).
    """

    def __init__(
        self,
        counter: WindowCounter,
        clock: Clock,
        *,
        per_user: int,
        per_address: int,
        window: int,
    ) -> None:
        self._counter = counter
        self._clock = clock
        self._per_user = per_user
        self._per_address = per_address
        self._window = max(1, window)
        self._pruned_before: int | None = None

    def _span(self) -> tuple[int, int]:
        now = self._clock.now()
        start = math.floor(now / self._window) * self._window
        return start, max(1, math.ceil(start + self._window - now))

    def _keys(self, email: str, address: str | None) -> list[tuple[str, int]]:
        keys = []
        if self._per_user > 0:
            keys.append((_user_key(email), self._per_user))
        addr = address_key(address)
        if addr is not None and self._per_address > 0:
            keys.append((addr, self._per_address))
        return keys

    def wait(self, email: str, address: str | None) -> int | None:
        """None if a password for ``email`` from ``address`` may be checked now, else the
        whole seconds until it may (the window's end).

        Raises:
            StoreError: the counters cannot be read.
        """
        start, reset = self._span()
        for key, limit in self._keys(email, address):
            if self._counter.peek(key, start) >= limit:
                return reset
        return None

    def failed(self, email: str, address: str | None) -> None:
        """Count one failed password check for ``email`` from ``address``.

        Raises:
            StoreError: the counters cannot be written.
        """
        start, _ = self._span()
        if self._pruned_before != start:
            self._pruned_before = start
            self._counter.prune(SIGNIN_KEY_PREFIX, start)
        for key, _limit in self._keys(email, address):
            self._counter.hit(key, start)
