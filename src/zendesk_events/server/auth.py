"""Who is calling: Zendesk's three ``Authorization`` forms, checked against the store's users.

* ``Basic base64(email:password)``
* ``Basic base64(email/token:API_TOKEN)``
* ``Bearer OAUTH_TOKEN``

Password checks are scrypt (~50 ms on purpose), far too slow to repeat on every page of an
export, so successful verifications are cached in-process for a short TTL. The cache key is a
SHA-256 of the whole header: the header itself (a credential) is never kept in memory longer
than the request, and a changed password or token simply misses the cache.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import threading
from collections import OrderedDict

from starlette.concurrency import run_in_threadpool

from zendesk_events.server.errors import Forbidden, InvalidToken, Unauthorized
from zendesk_events.store import User, UserStore
from zendesk_events.timeutil import Clock

__all__ = ["Authenticator", "parse_authorization"]

Credentials = tuple[str, str, str]
"""(kind, email-or-empty, secret) with kind in ``password``, ``api_token``, ``oauth``."""


def parse_authorization(header: str | None) -> Credentials | None:
    """Split an ``Authorization`` header into its credential form, or None if malformed."""
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if not value:
        return None
    scheme = scheme.lower()
    if scheme == "bearer":
        return ("oauth", "", value)
    if scheme != "basic":
        return None
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, secret = decoded.partition(":")
    if not sep or not user or not secret:
        return None
    if user.endswith("/token"):
        return ("api_token", user.removesuffix("/token"), secret)
    return ("password", user, secret)


class Authenticator:
    """Turns an ``Authorization`` header into an admin :class:`User`, or raises 401/403.

    Args:
        users: the store's users.
        clock: time source for the cache TTL.
        ttl: seconds a successful verification is remembered.
        max_entries: cache bound (least recently used entries go first).
    """

    def __init__(
        self, users: UserStore, clock: Clock, *, ttl: float = 60.0, max_entries: int = 1024
    ) -> None:
        self._users = users
        self._clock = clock
        self._ttl = ttl
        self._max = max_entries
        self._cache: OrderedDict[bytes, tuple[User, float]] = OrderedDict()
        self._lock = threading.Lock()

    def authenticate(self, header: str | None) -> User:
        """The admin user the header proves to be.

        Raises:
            Unauthorized: missing, malformed or wrong Basic credentials.
            InvalidToken: an unknown ``Bearer`` token.
            Forbidden: valid credentials of an agent or end user.
        """
        user = self.cached(header)
        if user is None:
            user = self.verify(header)
        return self.require_admin(user)

    async def admin(self, header: str | None) -> User:
        """:meth:`authenticate` for async routes: an uncached check (scrypt) runs in a thread.

        Raises:
            Unauthorized: missing, malformed or wrong Basic credentials.
            InvalidToken: an unknown ``Bearer`` token.
            Forbidden: valid credentials of an agent or end user.
        """
        user = self.cached(header)
        if user is None:
            user = await run_in_threadpool(self.verify, header)
        return self.require_admin(user)

    @staticmethod
    def require_admin(user: User) -> User:
        """``user`` if an admin.

        Raises:
            Forbidden: an agent or end user.
        """
        if not user.is_admin:
            raise Forbidden()
        return user

    def cached(self, header: str | None) -> User | None:
        """The user of a recently verified header, without touching the store (fast path)."""
        if not header:
            return None
        key = hashlib.sha256(header.encode("utf-8", "surrogateescape")).digest()
        now = self._clock.now()
        with self._lock:
            hit = self._cache.get(key)
            if hit is None:
                return None
            if hit[1] <= now:
                del self._cache[key]
                return None
            self._cache.move_to_end(key)
            return hit[0]

    def verify(self, header: str | None) -> User:
        """Check the header against the store (scrypt for passwords) and cache a success.

        Raises:
            Unauthorized: missing, malformed or wrong Basic credentials.
            InvalidToken: an unknown ``Bearer`` token.
        """
        return self._verify(header)

    def _verify(self, header: str | None) -> User:
        creds = parse_authorization(header)
        if creds is None:
            raise Unauthorized()
        kind, email, secret = creds
        if kind == "oauth":
            user = self._users.authenticate_oauth_token(secret)
            if user is None:  # OAuth failures have their own body (spec §6)
                raise InvalidToken()
        elif kind == "api_token":
            user = self._users.authenticate_api_token(email, secret)
        else:
            user = self._users.authenticate_password(email, secret)
        if user is None:
            raise Unauthorized()
        assert header is not None  # creds parsed from it
        key = hashlib.sha256(header.encode("utf-8", "surrogateescape")).digest()
        with self._lock:
            self._cache[key] = (user, self._clock.now() + self._ttl)
            self._cache.move_to_end(key)
            while len(self._cache) > self._max:
                self._cache.popitem(last=False)
        return user
