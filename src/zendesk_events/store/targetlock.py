"""One writer per sync target: a hold that dies with its process, and that names its holder.

Two syncs into one target interleave their pages and move each other's cursors: a JSON Lines
file ends up with items twice, items missing and torn lines, and a store with a cursor that
jumped over what the other run had not written yet. So a sync holds its target while it runs,
and a second one stops before writing anything, naming the first.

The hold must end when its process does, however it ends (SIGKILL, a power cut), or a crash
would leave a lock for the user to clear by hand; so it is never a row or a file's mere
existence:

* a file target (a SQLite store, a JSON Lines file with its cursor file): ``flock`` on a file
  beside it, ``<target>.sync-lock``, which says who holds it (pid, host, since when). The
  kernel drops the lock with the last descriptor; the holder removes the file on release.
* a PostgreSQL store: a session-level advisory lock keyed on the database (advisory locks are
  per database) and the current schema, held by a connection of its own whose
  ``application_name`` names the holder; PostgreSQL drops it when that session ends.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import socket
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from zendesk_events.errors import StoreError, TargetBusyError
from zendesk_events.store.database import Database

__all__ = [
    "LOCK_SUFFIX",
    "AdvisoryLock",
    "FileLock",
    "Holder",
    "TargetLock",
    "lock_for",
]

LOCK_SUFFIX = ".sync-lock"
"""The lock file of a file target is the target's path with this appended."""

CHECK_EVERY = 60.0
"""Seconds between checks that a hold still stands (see :meth:`TargetLock.check`)."""

_PRIVATE = 0o600
_APP_PREFIX = "zendesk-events sync "
_LOCK_SPACE = 72635510
"""First key of the two-key advisory lock: our namespace (the other key hashes the schema)."""


@dataclass(frozen=True, slots=True)
class Holder:
    """Who holds a target, as far as it could be told.

    Attributes:
        pid: the holding process's id (on its host).
        host: the host it runs on.
        since: when it took the target (ISO 8601 UTC).
        session: a PostgreSQL session that is not one of ours (no pid or host known).
    """

    pid: int | None = None
    host: str | None = None
    since: str | None = None
    session: str | None = None

    @classmethod
    def me(cls) -> Holder:
        """This process, now."""
        now = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        return cls(os.getpid(), socket.gethostname(), now)

    def describe(self) -> str:
        """``pid 4242 on host db1 since 2026-01-31T10:00:00Z`` (what is known of it)."""
        parts = [] if self.session is None else [self.session]
        if self.pid is not None:
            parts.append(f"pid {self.pid}")
        if self.host:
            parts.append(f"on host {self.host}")
        if self.since:
            parts.append(f"since {self.since}")
        return " ".join(parts) or "holder unknown: it may be just starting or just ending"


class TargetLock(ABC):
    """The hold on one target; :meth:`acquire` it before the first write, :meth:`release` it
    (or let the process end) after the last.

    Args:
        target: the target as a user names it (passwords hidden), for messages.
    """

    def __init__(self, target: str) -> None:
        self.target = target
        self._checked = 0.0

    @property
    @abstractmethod
    def held(self) -> bool:
        """Whether this object holds the target now."""

    @abstractmethod
    def acquire(self) -> None:
        """Hold the target, or fail at once (no waiting: a sync can run for days).

        Raises:
            TargetBusyError: another process holds it (the message names it).
            StoreError: the lock itself cannot be taken (e.g. a read-only directory).
        """

    @abstractmethod
    def release(self) -> None:
        """Let go (nothing if not held)."""

    def check(self) -> None:
        """Fail if the hold was lost behind our back, at most every :data:`CHECK_EVERY`
        seconds (cheap enough for every page).

        A lock file removed by hand lets another run take a new one; an advisory lock goes
        with a PostgreSQL session an administrator ended. Writing on would make two writers.

        Raises:
            StoreError: the hold is gone.
        """
        now = time.monotonic()
        if not self.held or now - self._checked < CHECK_EVERY:
            return
        self._checked = now
        if not self._still_held():
            self.release()
            raise StoreError(
                f"lost the hold on {self.target} ({self._how_lost()}): stopped before writing "
                "on, as another run may hold it now; run sync again"
            )

    @abstractmethod
    def _still_held(self) -> bool: ...

    @abstractmethod
    def _how_lost(self) -> str: ...

    def busy(self, holder: Holder) -> TargetBusyError:
        """The error for a target ``holder`` holds."""
        return TargetBusyError(
            f"{self.target} is being written by another sync ({holder.describe()}): two "
            "writers would corrupt it; wait for that run to end (or stop it), then try again",
            target=self.target,
            pid=holder.pid,
            host=holder.host,
            since=holder.since,
        )

    def __enter__(self) -> TargetLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class FileLock(TargetLock):
    """``flock`` on ``path``, which holds the holder's pid, host and start as JSON.

    Args:
        path: the lock file (created owner-only, removed on release).
        target: the target it stands for, for messages.
    """

    def __init__(self, path: str | os.PathLike[str], target: str) -> None:
        super().__init__(target)
        self.path = Path(path)
        self._fd: int | None = None
        self._inode: tuple[int, int] | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        if self._fd is not None:
            return
        while True:
            fd = self._open()
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _read_holder(fd)
                os.close(fd)
                raise self.busy(holder) from None
            except OSError as exc:
                os.close(fd)
                raise StoreError(f"cannot lock {self.path}: {exc.strerror or exc}") from exc
            # The previous holder removes the file on release: if it did so between our
            # open and our flock, we hold a file nobody else will open. Start again.
            mine = os.fstat(fd)
            try:
                named = os.stat(self.path)
            except FileNotFoundError:
                named = None
            if named is not None and (named.st_dev, named.st_ino) == (mine.st_dev, mine.st_ino):
                break
            os.close(fd)
        try:
            me = Holder.me()
            data = orjson.dumps({"pid": me.pid, "host": me.host, "since": me.since}) + b"\n"
            os.ftruncate(fd, 0)
            os.pwrite(fd, data, 0)
        except OSError as exc:
            os.close(fd)
            raise StoreError(f"cannot write {self.path}: {exc.strerror or exc}") from exc
        self._fd = fd
        self._inode = (mine.st_dev, mine.st_ino)
        self._checked = time.monotonic()

    def _open(self) -> int:
        try:
            return os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, _PRIVATE)
        except OSError as exc:
            raise StoreError(
                f"cannot create the lock file {self.path}: {exc.strerror or exc}"
            ) from exc

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            # Removed while still locked, so whoever opens the name next makes a new file
            # (see acquire); a file that is no longer ours (removed by hand) is left alone.
            with contextlib.suppress(OSError):
                named = os.stat(self.path)
                if (named.st_dev, named.st_ino) == self._inode:
                    self.path.unlink()
        finally:
            os.close(fd)

    def _still_held(self) -> bool:
        try:
            named = os.stat(self.path)
        except OSError:
            return False
        return (named.st_dev, named.st_ino) == self._inode

    def _how_lost(self) -> str:
        return f"its lock file {self.path.name} was removed or replaced"


def _read_holder(fd: int) -> Holder:
    """The holder a lock file names; it writes that just after locking, so wait a moment
    for a file still empty."""
    for _ in range(20):
        try:
            data = os.pread(fd, 4096, 0)
        except OSError:
            return Holder()
        if data.strip():
            try:
                info = orjson.loads(data)
            except orjson.JSONDecodeError:
                return Holder()
            if not isinstance(info, dict):
                return Holder()
            pid, host, since = info.get("pid"), info.get("host"), info.get("since")
            return Holder(
                pid if isinstance(pid, int) else None,
                host if isinstance(host, str) else None,
                since if isinstance(since, str) else None,
            )
        time.sleep(0.01)
    return Holder()


class AdvisoryLock(TargetLock):
    """A PostgreSQL session advisory lock on the store's database and schema.

    Held by a connection of its own (the store's connections come and go with threads) whose
    ``application_name`` is ``zendesk-events sync <pid>@<host>``, so a second run, and an
    administrator looking at ``pg_stat_activity``, can tell who holds it.

    Args:
        db: the store's database.
    """

    def __init__(self, db: Database) -> None:
        super().__init__(db.display_url)
        self.db = db
        self._conn: Any = None

    @property
    def held(self) -> bool:
        return self._conn is not None

    def acquire(self) -> None:
        if self._conn is not None:
            return
        me = Holder.me()
        conn = self.db.connect_apart(application_name=f"{_APP_PREFIX}{me.pid}@{me.host}"[:63])
        try:
            schema = self._run(conn, "SELECT current_schema()")[0][0]
            key = _schema_key(schema)
            if schema is not None:
                self.target = f"{self.db.display_url} (schema {schema})"
            for _ in range(3):
                if self._run(conn, "SELECT pg_try_advisory_lock(%s, %s)", (_LOCK_SPACE, key))[0][0]:
                    self._conn = conn
                    self._checked = time.monotonic()
                    return
                rows = self._run(conn, _HOLDER_SQL, (_LOCK_SPACE, key & 0xFFFFFFFF))
                if rows:  # else it was let go in between: try again
                    raise self.busy(_pg_holder(rows[0]))
            raise self.busy(Holder())
        except BaseException:
            with contextlib.suppress(Exception):
                conn.close()
            raise

    def release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            # Closing the session is what lets go; nothing to unlock one by one.
            with contextlib.suppress(Exception):
                conn.close()

    def _still_held(self) -> bool:
        try:
            self._run(self._conn, "SELECT 1")
        except StoreError:
            return False
        return True

    def _how_lost(self) -> str:
        return "its PostgreSQL session ended"

    def _run(self, conn: Any, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        import psycopg

        try:
            return list(conn.execute(sql, params).fetchall())
        except psycopg.Error as exc:
            text = str(exc).strip().splitlines()
            reason = text[0] if text else type(exc).__name__
            raise StoreError(f"cannot lock {self.db.display_url}: {reason}") from exc


_HOLDER_SQL = """
SELECT l.pid, a.application_name, a.backend_start
FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND l.classid::bigint = %s AND l.objid::bigint = %s
"""
"""The session holding a schema's lock (``pg_stat_activity`` shows every role's
``application_name``; ``backend_start`` only to the same role or ``pg_read_all_stats``)."""


def _schema_key(schema: str | None) -> int:
    """The schema's name as a signed 32-bit key (advisory locks are per database already)."""
    digest = hashlib.blake2b((schema or "").encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


def _pg_holder(row: tuple[Any, ...]) -> Holder:
    backend, name, started = row
    pid: int | None = None
    host: str | None = None
    session: str | None = None
    if isinstance(name, str) and name.startswith(_APP_PREFIX):
        left, _, right = name.removeprefix(_APP_PREFIX).partition("@")
        if left.isdigit():
            pid, host = int(left), right or None
    if pid is None:
        session = f"PostgreSQL session {backend}" + (f" ({name!r})" if name else "")
    since = None
    if isinstance(started, datetime):
        since = started.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return Holder(pid, host, since, session)


def lock_for(db: Database) -> TargetLock | None:
    """The lock of a store's database: beside its SQLite file, or in its PostgreSQL schema
    (None for ``:memory:``, which no other process can open)."""
    if db.dialect == "postgresql":
        return AdvisoryLock(db)
    path = db.file_path
    if path is None:
        return None
    return FileLock(path.with_name(path.name + LOCK_SUFFIX), db.display_url)
