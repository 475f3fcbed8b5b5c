"""One connection layer over SQLite (sqlite3) and PostgreSQL (psycopg 3), same SQL for both.

Why plain drivers rather than SQLAlchemy Core: the server's hot path is one indexed range query
whose rows are already-serialized JSON; a driver call is all it needs, and the benchmark
(`benchmarks/bench_store.py`) shows Core's compile/execute overhead on that path. Our SQL is
written once with ``?`` placeholders and the portable ``INSERT ... ON CONFLICT`` upsert (SQLite
>= 3.24 and PostgreSQL both speak it); :meth:`Database.sql` turns ``?`` into ``%s`` for psycopg.

Connections are per thread: sqlite3 and psycopg connections must not be shared across threads,
and the server (uvicorn's thread pool) and the sync engine (a prefetch thread) both use threads.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing, contextmanager, suppress
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

from zendesk_events.errors import StoreError
from zendesk_events.extras import require

__all__ = ["Database", "Dialect", "Transaction", "redact_url"]

Dialect = Literal["sqlite", "postgresql"]


def redact_url(url: str) -> str:
    """The URL with any password replaced by ``***`` (safe for logs and errors)."""
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)


@lru_cache(maxsize=512)
def _to_pyformat(sql: str) -> str:
    return sql.replace("%", "%%").replace("?", "%s")


class Transaction:
    """A cursor inside one transaction, taking ``?``-style SQL on both backends."""

    def __init__(self, cursor: Any, dialect: Dialect) -> None:
        self._cursor = cursor
        self._dialect = dialect

    def _sql(self, sql: str) -> str:
        return _to_pyformat(sql) if self._dialect == "postgresql" else sql

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Transaction:
        self._cursor.execute(self._sql(sql), params)
        return self

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self._cursor.executemany(self._sql(sql), rows)

    def copy_rows(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """PostgreSQL only: stream ``rows`` through ``COPY ... FROM STDIN`` (``sql``)."""
        if self._dialect != "postgresql":
            raise StoreError("COPY is PostgreSQL only")
        with self._cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)

    def fetchall(self) -> list[tuple[Any, ...]]:
        return list(self._cursor.fetchall())

    def fetchone(self) -> tuple[Any, ...] | None:
        row = self._cursor.fetchone()
        return None if row is None else tuple(row)

    @property
    def rowcount(self) -> int:
        return int(self._cursor.rowcount)


class Database:
    """A database named by URL: a SQLite file path / ``sqlite:///path``, or ``postgresql://…``.

    Args:
        url: where the data lives. A bare path means SQLite.

    Raises:
        StoreError: the URL names no supported database, or it cannot be opened.
        MissingExtraError: a PostgreSQL URL without the ``postgres`` extra.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.dialect: Dialect
        if url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
            require("postgres", "a PostgreSQL store (postgresql://...)")
            self.dialect = "postgresql"
            self._target = url.replace("postgresql+psycopg://", "postgresql://", 1)
        elif url.startswith("sqlite:///") or "://" not in url:
            self.dialect = "sqlite"
            path = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else url
            if path != ":memory:":
                parent = Path(path).expanduser().resolve().parent
                if not parent.is_dir():
                    raise StoreError(
                        f"cannot open SQLite database {path!r}: {parent} is no directory"
                    )
            self._target = path
        else:
            raise StoreError(
                f"unsupported database URL {redact_url(url)!r}: use a SQLite file path or "
                "postgresql://user@host:port/dbname"
            )
        self._local = threading.local()
        self._all: list[Any] = []
        self._lock = threading.Lock()

    @property
    def display_url(self) -> str:
        """The URL without its password."""
        return redact_url(self.url)

    @property
    def file_path(self) -> Path | None:
        """The SQLite file, symlinks resolved (None for PostgreSQL and ``:memory:``): what a
        lock beside it must be named after, however the path was spelt."""
        if self.dialect != "sqlite" or self._target == ":memory:":
            return None
        return Path(self._target).expanduser().resolve()

    def existing_tables(self) -> list[str]:
        """The tables (and views) the database holds now, read without writing anything.

        SQLite: the file is read as it is: no file is created, and its journal mode is left
        alone (opening it the usual way switches it to WAL, a change another application's
        file should not get before its owner agreed). PostgreSQL: the current schema's.

        Raises:
            StoreError: it cannot be read (e.g. the file is not a SQLite database).
        """
        if self.dialect == "postgresql":
            rows = self.query(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema() ORDER BY table_name"
            )
            return [str(r[0]) for r in rows]
        path = self.file_path
        if path is None or not path.is_file() or path.stat().st_size == 0:
            return []
        # Without a -wal or hot -journal beside it the file holds everything committed, and
        # immutable=1 reads it without creating a -shm or -wal; otherwise read-only it is.
        beside = (path.with_name(path.name + end) for end in ("-wal", "-journal"))
        mode = "ro" if any(p.exists() for p in beside) else "ro&immutable=1"
        try:
            uri = f"file:{quote(str(path))}?mode={mode}"
            with closing(sqlite3.connect(uri, uri=True)) as conn:
                rows = conn.execute(
                    "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
                    "AND name NOT LIKE 'sqlite!_%' ESCAPE '!' ORDER BY name"
                ).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open database {self.display_url}: {_reason(exc)}") from exc
        return [str(r[0]) for r in rows]

    def connect_apart(self, *, application_name: str) -> Any:
        """PostgreSQL only: a connection of its own (autocommit), outside the per-thread ones,
        for a hold that lasts as long as its session (an advisory lock); the caller closes it.

        Args:
            application_name: how the session shows in ``pg_stat_activity`` (at most 63
                bytes are kept).

        Raises:
            StoreError: it cannot connect.
        """
        if self.dialect != "postgresql":
            raise StoreError("a session apart is PostgreSQL only")
        import psycopg

        try:
            return psycopg.connect(
                self._target,
                autocommit=True,
                connect_timeout=10,
                client_encoding="UTF8",
                application_name=application_name,
            )
        except psycopg.Error as exc:
            raise StoreError(f"cannot open database {self.display_url}: {_reason(exc)}") from exc

    def _connect(self) -> Any:
        conn: Any
        try:
            if self.dialect == "sqlite":
                _create_private(self._target)
                # The busy timeout first: switching a new file to WAL needs the file to itself.
                conn = sqlite3.connect(
                    self._target, isolation_level=None, check_same_thread=False, timeout=30.0
                )
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("PRAGMA foreign_keys=ON")
            else:
                import psycopg

                conn = psycopg.connect(
                    self._target, autocommit=True, connect_timeout=10, client_encoding="UTF8"
                )
        except Exception as exc:
            raise StoreError(f"cannot open database {self.display_url}: {_reason(exc)}") from exc
        with self._lock:
            self._all.append(conn)
        return conn

    def connection(self) -> Any:
        """This thread's connection (opened on first use)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        return conn

    @contextmanager
    def transaction(self, *, durable: bool = True) -> Iterator[Transaction]:
        """One atomic unit of work: everything inside commits together or not at all.

        SQLite takes the write lock up front (``BEGIN IMMEDIATE``) so two writers queue on
        ``busy_timeout`` instead of failing with a deadlock when both try to upgrade.

        Args:
            durable: False lets PostgreSQL acknowledge the commit before it is flushed
                (``synchronous_commit`` off for this transaction only): a power loss may lose
                the last commits, but whole, never half of one, as SQLite's WAL mode with
                ``synchronous=NORMAL`` already does. For work that is redone when it is
                missing, such as a sync page committed with its cursor.
        """
        conn = self.connection()
        try:
            if self.dialect == "sqlite":
                conn.execute("BEGIN IMMEDIATE")
                cur = conn.cursor()
                try:
                    yield Transaction(cur, "sqlite")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            else:
                with conn.transaction(), conn.cursor() as cur:
                    if not durable:
                        cur.execute("SET LOCAL synchronous_commit TO OFF")
                    yield Transaction(cur, "postgresql")
        except (sqlite3.Error, OverflowError, _psycopg_error()) as exc:
            # OverflowError: sqlite3's answer to an integer beyond 64 bits.
            raise StoreError(f"database error on {self.display_url}: {_reason(exc)}") from exc

    def query(
        self, sql: str, params: Sequence[Any] = (), *, text_as_bytes: bool = False
    ) -> list[tuple[Any, ...]]:
        """Run one read outside an explicit transaction and return all rows.

        Args:
            text_as_bytes: return text columns as their UTF-8 bytes, undecoded (the export
                pages: stored JSON that goes out as it is).
        """
        conn = self.connection()
        try:
            if self.dialect == "sqlite":
                if not text_as_bytes:
                    return conn.execute(sql, params).fetchall()  # type: ignore[no-any-return]
                # The connection is this thread's alone, so switching its factory for one
                # query cannot leak into another.
                conn.text_factory = bytes
                try:
                    return conn.execute(sql, params).fetchall()  # type: ignore[no-any-return]
                finally:
                    conn.text_factory = str
            with conn.cursor() as cur:
                if text_as_bytes:
                    cur.adapters.register_loader("text", _bytes_loader())
                cur.execute(_to_pyformat(sql), params)
                return cur.fetchall()  # type: ignore[no-any-return]
        except (sqlite3.Error, _psycopg_error()) as exc:
            raise StoreError(f"database error on {self.display_url}: {_reason(exc)}") from exc

    def close(self) -> None:
        """Close every connection this object opened, in any thread."""
        with self._lock:
            conns, self._all = self._all, []
        for conn in conns:
            with suppress(Exception):  # closing is best effort
                conn.close()
        self._local = threading.local()


def _create_private(path: str) -> None:
    """Create a new SQLite file readable by its owner only (it holds the account's tickets
    and the users' credential hashes); SQLite gives its -wal and -shm files the same mode."""
    if path == ":memory:" or path.startswith("file:"):
        return
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return redact_url(text[0]) if text else type(exc).__name__


def _psycopg_error() -> type[BaseException]:
    try:
        import psycopg
    except ImportError:  # pragma: no cover - the postgres extra is not installed
        return sqlite3.Error
    return psycopg.Error


@lru_cache(maxsize=1)
def _bytes_loader() -> type:
    """A psycopg loader handing ``text`` values over as bytes (the connection is UTF-8)."""
    from psycopg.adapt import Loader

    class BytesTextLoader(Loader):
        def load(self, data: Any) -> bytes:
            return bytes(data)

    return BytesTextLoader
