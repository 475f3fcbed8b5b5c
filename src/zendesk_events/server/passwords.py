"""Password checks on a small pool of their own: bounded CPU and memory, the same work for every
email, and a queue that refuses rather than grows.

A password check is scrypt (``store.users``): ~16 MiB and 50-110 ms of CPU, on purpose. Run on
the server's general thread pool, 48 guessers made 40 threads hash at once, took the process from
61 to 759 MB (glibc keeps a 16 MiB arena per hashing thread) and the legitimate p99 from 6 to
277 ms. Here at most ``slots`` threads ever hash, so memory stays at ``slots`` x 16 MiB; at most
``queue`` checks wait for them, and one more is refused at once (429) instead of holding a
connection and a closure for seconds.

An unknown email (or a user without a password) is checked against a dummy hash made with the
same parameters, so it costs the same as a wrong password for a real user: the answer's timing
does not tell which emails exist.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from zendesk_events.server.errors import SignInThrottled
from zendesk_events.store import PasswordRecord, UserStore, hash_password, verify_password

__all__ = ["PasswordChecker"]

Admit = Callable[[], int | None]
"""Asked right before hashing: None to go on, else the seconds a locked sign-in must wait."""


class PasswordChecker:
    """Checks ``email:password`` against the store with bounded concurrency.

    Args:
        users: the store's users.
        slots: threads that hash (each holds ~16 MiB while it does).
        queue: checks that may wait for a slot; beyond it, :class:`SignInThrottled` at once.
    """

    def __init__(self, users: UserStore, *, slots: int = 1, queue: int = 32) -> None:
        self._users = users
        self._slots = max(1, slots)
        self._queue = max(0, queue)
        self._pool: ThreadPoolExecutor | None = None
        self._dummy: str | None = None
        self._lock = threading.Lock()
        self._pending = 0
        self.hashed = 0
        """Password hashes computed so far (what an attacker has cost us)."""

    async def check(
        self, email: str, password: str, admit: Admit | None = None
    ) -> PasswordRecord | None:
        """The user this email and password prove to be, or None.

        Raises:
            SignInThrottled: ``admit`` refused, or too many checks are waiting.
        """
        return await asyncio.wrap_future(self._submit(email, password, admit))

    def check_blocking(
        self, email: str, password: str, admit: Admit | None = None
    ) -> PasswordRecord | None:
        """:meth:`check` for synchronous callers (it waits in the calling thread).

        Raises:
            SignInThrottled: ``admit`` refused, or too many checks are waiting.
        """
        return self._submit(email, password, admit).result()

    def close(self) -> None:
        """Stop the hashing threads (checks already queued still finish)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def _submit(
        self, email: str, password: str, admit: Admit | None
    ) -> Future[PasswordRecord | None]:
        with self._lock:
            if self._pending >= self._slots + self._queue:
                raise SignInThrottled(1, "Too many sign-in attempts at once; retry in a second")
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self._slots, thread_name_prefix="password-check")
            self._pending += 1
            future = self._pool.submit(self._check, email, password, admit)
        future.add_done_callback(self._done)
        return future

    def _dummy_hash(self) -> str:
        """A hash of a password nobody knows, with the stored hashes' parameters (made on
        first use, so building a server costs no scrypt)."""
        if self._dummy is None:  # two threads may both make one: either will do
            self._dummy = hash_password(secrets.token_urlsafe(24))
        return self._dummy

    def _done(self, _: Future[PasswordRecord | None]) -> None:
        with self._lock:
            self._pending -= 1

    def _check(self, email: str, password: str, admit: Admit | None) -> PasswordRecord | None:
        # Asked again here, in the slot: 48 guessers that all passed the first check while no
        # failure was counted yet must not all be hashed once the limit is reached.
        wait = admit() if admit is not None else None
        if wait is not None:
            raise SignInThrottled(wait)
        record = self._users.password_record(email)
        stored = record.password_hash if record is not None else None
        ok = verify_password(password, stored or self._dummy_hash())
        with self._lock:
            self.hashed += 1
        return record if ok and record is not None and stored else None
