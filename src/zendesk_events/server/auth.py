"""Who is calling: Zendesk's three ``Authorization`` forms, checked against the store's users.

* ``Basic base64(email:password)``
* ``Basic base64(email/token:API_TOKEN)``
* ``Bearer OAUTH_TOKEN``

Tokens are 256-bit random values stored as SHA-256: checking one is a hash and an indexed
query, done on every request, so a revoked token or a demoted user stops working at once.

Passwords are scrypt (~50 ms and 16 MiB on purpose), far too slow to repeat on every page of an
export, so a successful check is remembered for a short TTL, keyed by a SHA-256 of the whole
header (the header itself, a credential, is never kept). A remembered check is not trusted
blindly: every request re-reads the user's row, and the entry holds only if the stored password
hash is still the one it was checked against. So a ``users add`` run in another process (a new
password, a new role) counts from the next request on, and the role always comes from the row.

Uncached password checks go through :class:`~zendesk_events.server.passwords.PasswordChecker`
(a bounded pool, the same work for unknown emails) and
:class:`~zendesk_events.server.signin.SignInLimits` (failures per user and per address).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from starlette.concurrency import run_in_threadpool

from zendesk_events.server.errors import Forbidden, InvalidToken, SignInThrottled, Unauthorized
from zendesk_events.server.passwords import Admit, PasswordChecker
from zendesk_events.server.signin import SignInLimits
from zendesk_events.store import PasswordRecord, User, UserStore
from zendesk_events.timeutil import Clock

__all__ = ["Authenticator", "client_address", "parse_authorization"]

Credentials = tuple[str, str, str]
"""(kind, email-or-empty, secret) with kind in ``password``, ``api_token``, ``oauth``."""


def parse_authorization(header: str | None) -> Credentials | None:
    """Split an ``Authorization`` header into its credential form, or None if malformed.

    Any text is handled: a header with bytes that are not ASCII (Starlette hands headers over
    as latin-1) is malformed, a 401, never an error of ours.
    """
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if not value:
        return None
    scheme = scheme.lower()
    if scheme == "bearer":
        return ("oauth", "", value)
    if scheme != "basic" or not value.isascii():
        return None
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):  # UnicodeDecodeError is a ValueError
        return None
    user, sep, secret = decoded.partition(":")
    if not sep or not user or not secret:
        return None
    if user.endswith("/token"):
        return ("api_token", user.removesuffix("/token"), secret)
    return ("password", user, secret)


def client_address(scope: Mapping[str, Any]) -> str | None:
    """The client's address of an ASGI scope (behind a trusted proxy, the one it forwarded)."""
    client = scope.get("client")
    return str(client[0]) if client else None


class Authenticator:
    """Turns an ``Authorization`` header into an admin :class:`User`, or raises 401/403/429.

    Args:
        users: the store's users.
        clock: time source for the cache TTL.
        checker: where passwords are checked (a bounded pool); one of its own by default.
        limits: failed sign-ins per user and per address; None: no limit.
        ttl: seconds a successful password check is remembered.
        max_entries: cache bound (least recently used entries go first).
    """

    def __init__(
        self,
        users: UserStore,
        clock: Clock,
        *,
        checker: PasswordChecker | None = None,
        limits: SignInLimits | None = None,
        ttl: float = 60.0,
        max_entries: int = 1024,
    ) -> None:
        self._users = users
        self._clock = clock
        self.checker = checker if checker is not None else PasswordChecker(users)
        self._limits = limits
        self._ttl = ttl
        self._max = max_entries
        self._cache: OrderedDict[bytes, tuple[int, str, float]] = OrderedDict()
        self._lock = threading.Lock()

    async def admin(self, header: str | None, address: str | None = None) -> User:
        """The admin user the header proves to be (a password check waits off the loop).

        Args:
            header: the ``Authorization`` header.
            address: the client's address, for the failed sign-in limit (:func:`client_address`).

        Raises:
            Unauthorized: missing, malformed or wrong Basic credentials.
            InvalidToken: an unknown ``Bearer`` token.
            Forbidden: valid credentials of an agent or end user.
            SignInThrottled: too many failed password checks for this user or address.
        """
        return self.require_admin(await self.user(header, address))

    async def user(self, header: str | None, address: str | None = None) -> User:
        """The user the header proves to be, whatever their role (the Tickets API takes agents
        too); as :meth:`admin` otherwise.

        Raises:
            Unauthorized: missing, malformed or wrong Basic credentials.
            InvalidToken: an unknown ``Bearer`` token.
            SignInThrottled: too many failed password checks for this user or address.
        """
        creds = parse_authorization(header)
        user = self._cached(header) if creds and creds[0] == "password" else None
        if user is None:
            if creds is not None and creds[0] == "password":
                _, email, secret = creds
                record = await self.checker.check(email, secret, self._admit(email, address))
                failed = record is None or record.password_hash is None
                if failed and self._limits is not None:
                    # Counted in the store, a write that may wait for a sync's lock: off the
                    # loop, as the export budgets are (a guessing flood is when it matters).
                    await run_in_threadpool(self._limits.failed, email, address)
                    raise Unauthorized()
                user = self._password_result(header, email, address, record)
            else:
                user = self._token_user(creds)
        return user

    def authenticate(self, header: str | None, address: str | None = None) -> User:
        """:meth:`admin` for synchronous callers: a password check blocks this thread.

        Raises:
            Unauthorized: missing, malformed or wrong Basic credentials.
            InvalidToken: an unknown ``Bearer`` token.
            Forbidden: valid credentials of an agent or end user.
            SignInThrottled: too many failed password checks for this user or address.
        """
        creds = parse_authorization(header)
        user = self._cached(header) if creds and creds[0] == "password" else None
        if user is None:
            if creds is not None and creds[0] == "password":
                _, email, secret = creds
                admit = self._admit(email, address)
                record = self.checker.check_blocking(email, secret, admit)
                user = self._password_result(header, email, address, record)
            else:
                user = self._token_user(creds)
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

    def _admit(self, email: str, address: str | None) -> Admit | None:
        """Refuse a locked sign-in before it queues; the check the pool repeats right before
        hashing (failures counted meanwhile by concurrent guesses then count too)."""
        limits = self._limits
        if limits is None:
            return None
        seconds = limits.wait(email, address)
        if seconds is not None:
            raise SignInThrottled(seconds)
        return lambda: limits.wait(email, address)

    def _password_result(
        self, header: str | None, email: str, address: str | None, record: PasswordRecord | None
    ) -> User:
        if record is None or record.password_hash is None:
            if self._limits is not None:
                self._limits.failed(email, address)
            raise Unauthorized()
        assert header is not None  # credentials were parsed from it
        with self._lock:
            expires = self._clock.now() + self._ttl
            self._cache[_digest(header)] = (record.user.id, record.password_hash, expires)
            self._cache.move_to_end(_digest(header))
            while len(self._cache) > self._max:
                self._cache.popitem(last=False)
        return record.user

    def _token_user(self, creds: Credentials | None) -> User:
        if creds is None:
            raise Unauthorized()
        kind, email, secret = creds
        if kind == "oauth":
            user = self._users.authenticate_oauth_token(secret)
            if user is None:  # OAuth failures have their own body (spec §6)
                raise InvalidToken()
            return user
        user = self._users.authenticate_api_token(email, secret)
        if user is None:
            raise Unauthorized()
        return user

    def _cached(self, header: str | None) -> User | None:
        """The user of a recently checked password header whose stored hash has not changed
        since (one indexed read, no scrypt), with the role as it is now."""
        if not header:
            return None
        key = _digest(header)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None and hit[2] <= self._clock.now():
                del self._cache[key]
                hit = None
        if hit is None:
            return None
        user_id, password_hash, _ = hit
        record = self._users.password_record_by_id(user_id)
        if record is None or record.password_hash != password_hash:
            with self._lock:
                self._cache.pop(key, None)
            return None
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
        return record.user


def _digest(header: str) -> bytes:
    return hashlib.sha256(header.encode("utf-8", "surrogateescape")).digest()
