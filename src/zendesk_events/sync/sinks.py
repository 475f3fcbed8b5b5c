"""Where a sync writes: each page's items and the stream's new cursor, committed together.

Three sinks, chosen by :func:`open_sink` from a target string:

* a SQLite path (default ``./zendesk-events.db``) or ``postgresql://…``: :class:`SqlSink`, the
  same store (schema, upserts, ``sync_state``) the server serves, so a synced store can be
  served back as a mirror. Rows and cursor share one database transaction.
* ``*.jsonl``: :class:`JsonLinesSink`, one line per item, ``{"stream": ..., "item": {...}}``
  (both streams interleaved in one file, in the order they were exported). Exactly-once across
  crashes through a sidecar ``<file>.cursor.json`` (see the class).
* ``-``: :class:`StdoutSink`, JSON Lines on stdout for piping; it keeps no cursor, so every run
  starts from ``--since``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Protocol

import orjson

from zendesk_events.checkpoint import Checkpoint
from zendesk_events.errors import CheckpointError, ConfigError, StoreError
from zendesk_events.events import StreamName
from zendesk_events.store import (
    DEFAULT_DB,
    EventStore,
    Store,
    StreamState,
    open_store,
    redact_url,
)

__all__ = [
    "DEFAULT_TARGET",
    "JsonLinesSink",
    "PreparedPage",
    "PreparingSink",
    "RunInfo",
    "Sink",
    "SinkStatus",
    "SqlSink",
    "StdoutSink",
    "open_sink",
    "prepare_lines",
    "prepare_rows",
]

DEFAULT_TARGET = DEFAULT_DB
"""``zendesk-events.db`` in the working directory."""


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class RunInfo:
    """What a sink records about the run alongside each cursor.

    Attributes:
        source: the base URL exported from (never credentials).
        include_comments: whether ticket events carry the comment sideload.
        started: when the run started (ISO 8601 UTC).
    """

    source: str | None
    include_comments: bool
    started: str = field(default_factory=_now_iso)


@dataclass(frozen=True, slots=True)
class SinkStatus:
    """What ``zendesk-events status`` shows.

    Attributes:
        target: the sink's target, passwords hidden.
        kind: ``sqlite``, ``postgresql`` or ``jsonl``.
        streams: the stored cursor (and last run) of each stream synced so far.
        counts: rows (lines) per table (stream).
    """

    target: str
    kind: str
    streams: list[StreamState]
    counts: dict[str, int]


@dataclass(frozen=True, slots=True)
class PreparedPage:
    """A page turned into what its sink writes (rows, lines), before any database or file I/O.

    Made by a sink's ``prepare_page`` in the sync engine's prefetch thread, so this pure-Python
    work overlaps the writer thread's time inside the database (which releases the GIL).

    Attributes:
        stream: the page's stream.
        count: items in the page.
        payload: the sink's own form of the items (e.g. :class:`~zendesk_events.store.
            PreparedRows`, or JSON Lines bytes).
    """

    stream: StreamName
    count: int
    payload: Any


def prepare_rows(stream: StreamName, items: list[dict[str, Any]]) -> PreparedPage:
    """A page's rows for :class:`SqlSink` (a plain function: the fetcher process calls it)."""
    return PreparedPage(stream, len(items), EventStore.prepare(stream, items))


def prepare_lines(stream: StreamName, items: list[dict[str, Any]]) -> PreparedPage:
    """A page's lines for :class:`JsonLinesSink` (a plain function, as :func:`prepare_rows`)."""
    return PreparedPage(stream, len(items), _lines(stream, items))


class Sink(Protocol):
    """A destination that commits a page and its cursor atomically."""

    target: str
    """Where it writes (passwords hidden)."""
    resumable: bool
    """Whether it keeps a cursor (stdout does not)."""

    def cursor(self, stream: StreamName) -> StreamState | None:
        """The stored cursor of ``stream``, or None if it was never synced here."""
        ...

    def begin_run(self, run: RunInfo) -> None:
        """Note the run's source and options; written with every later cursor."""
        ...

    def write_page(
        self,
        stream: StreamName,
        items: list[dict[str, Any]],
        checkpoint: Checkpoint,
        *,
        caught_up: bool,
    ) -> None:
        """Store ``items`` and move the cursor to ``checkpoint``: all of it, or none of it."""
        ...

    def status(self) -> SinkStatus:
        """Cursors, counts and last runs."""
        ...

    def close(self) -> None:
        """Release files and connections."""
        ...


class _RunCounter:
    """Per-stream event counts of the current run (stored as ``last_run_events``)."""

    def __init__(self) -> None:
        self.run = RunInfo(None, False)
        self.events: dict[str, int] = {}

    def begin(self, run: RunInfo) -> None:
        self.run = run
        self.events = {}

    def add(self, stream: str, n: int) -> int:
        self.events[stream] = self.events.get(stream, 0) + n
        return self.events[stream]


class PreparingSink:
    """``write_page`` as ``prepare_page`` then ``write_prepared`` (the engine calls the two
    halves in different threads or processes; a direct caller gets both at once)."""

    def prepare_function(self) -> Callable[[StreamName, list[dict[str, Any]]], PreparedPage]:
        """:meth:`prepare_page` as a module-level function, which the fetcher process can run."""
        raise NotImplementedError

    def prepare_page(self, stream: StreamName, items: list[dict[str, Any]]) -> PreparedPage:
        """The page in the form :meth:`write_prepared` takes (no I/O: safe in any thread)."""
        return self.prepare_function()(stream, items)

    def write_prepared(
        self, page: PreparedPage, checkpoint: Checkpoint, *, caught_up: bool
    ) -> None:
        raise NotImplementedError

    def write_page(
        self,
        stream: StreamName,
        items: list[dict[str, Any]],
        checkpoint: Checkpoint,
        *,
        caught_up: bool,
    ) -> None:
        self.write_prepared(self.prepare_page(stream, items), checkpoint, caught_up=caught_up)


class SqlSink(PreparingSink):
    """Writes into a store (SQLite or PostgreSQL): the schema the server serves.

    Args:
        store: an open store.
        owned: close the store on :meth:`close`.
    """

    resumable = True

    def prepare_function(self) -> Callable[[StreamName, list[dict[str, Any]]], PreparedPage]:
        return prepare_rows

    def __init__(self, store: Store, *, owned: bool = True) -> None:
        self.store = store
        self.target = store.url
        self._owned = owned
        self._runs = _RunCounter()
        self._began = False

    def cursor(self, stream: StreamName) -> StreamState | None:
        return self.store.state.get(stream)

    def begin_run(self, run: RunInfo) -> None:
        self._runs.begin(run)
        self._began = True
        # A first backfill loads without the per-ticket indexes and builds them once at the
        # end (store.indexes says why); a resumed one goes on without them.
        self.store.lookup_indexes.defer_if_empty()

    def write_prepared(
        self, page: PreparedPage, checkpoint: Checkpoint, *, caught_up: bool
    ) -> None:
        """:meth:`write_page` for a page :meth:`prepare_page` made: rows and cursor, one commit.

        On PostgreSQL the transaction commits with ``synchronous_commit`` off: a power loss
        may lose the last commits, but rows and cursor together (as SQLite's WAL mode with
        ``synchronous=NORMAL`` does), so the rerun fetches them again: still exactly once.
        """
        run = self._runs.run
        stream = page.stream
        with self.store.db.transaction() as tx:
            if self.store.db.dialect == "postgresql":
                tx.execute("SET LOCAL synchronous_commit TO OFF")
            self.store.events.write(tx, page.payload)
            self.store.state.put(
                tx,
                stream,
                checkpoint,
                source=run.source,
                include_comments=run.include_comments,
                caught_up=caught_up,
                run_started=run.started,
                run_events=self._runs.events.get(stream, 0) + page.count,
            )
        # Counted only once committed, so a failed page is not reported as stored.
        self._runs.add(stream, page.count)
        if caught_up and stream == "ticket_events":
            self.store.lookup_indexes.build()

    def status(self) -> SinkStatus:
        return SinkStatus(
            self.target, self.store.db.dialect, self.store.state.all(), self.store.events.counts()
        )

    def close(self) -> None:
        try:
            if self._began:
                # After an error too: the store stays fully indexed whenever we can. If this
                # fails as well, the record stays and the next run builds them.
                with suppress(StoreError):
                    self.store.lookup_indexes.build()
        finally:
            if self._owned:
                self.store.close()


class JsonLinesSink(PreparingSink):
    """Appends ``{"stream": ..., "item": {...}}`` lines to one file, exactly once across crashes.

    The commit protocol: append the page's lines, flush and fsync the file; then write the
    sidecar ``<file>.cursor.json`` (per-stream cursor plus the file's byte length at that moment)
    to a temporary file, fsync it and ``os.replace`` it over the old one. The replace is the
    commit point. On open the file is truncated back to the recorded length, which drops
    whatever a crash left after the last commit (a torn line, or a whole uncommitted page), so
    the rerun appends those items once. The cursor file is created (length 0) before the first
    line is written; a non-empty ``.jsonl`` without one was not written by us and is refused.

    Args:
        path: the ``.jsonl`` file (created if missing).
        create: create the files if missing; False (``status``) fails instead.

    Raises:
        ConfigError: ``create`` is False and nothing was synced to ``path`` yet.
        CheckpointError: the file and its cursor file disagree (shorter than recorded, or a
            non-empty file without a cursor file).
    """

    resumable = True

    def prepare_function(self) -> Callable[[StreamName, list[dict[str, Any]]], PreparedPage]:
        return prepare_lines

    def __init__(self, path: str | os.PathLike[str], *, create: bool = True) -> None:
        self.path = Path(path)
        self.cursor_path = self.path.with_name(self.path.name + ".cursor.json")
        self.target = str(self.path)
        self._runs = _RunCounter()
        if not self.cursor_path.exists():
            if not create:
                raise ConfigError(f"nothing synced to {self.path} yet (no {self.cursor_path.name})")
            if self.path.exists() and self.path.stat().st_size > 0:
                raise CheckpointError(
                    f"{self.path} exists but has no {self.cursor_path.name}: it was not written "
                    "by zendesk-events sync; move it away or choose another --to"
                )
            self._state: dict[str, Any] = {"version": 1, "length": 0, "streams": {}}
            if create:
                self._commit_state()
        else:
            self._state = self._load_state()
        self._file: IO[bytes] | None = None

    # ---- cursor file ------------------------------------------------------------------------

    def _load_state(self) -> dict[str, Any]:
        try:
            state = orjson.loads(self.cursor_path.read_bytes())
        except (OSError, orjson.JSONDecodeError) as exc:
            raise CheckpointError(f"cannot read cursor file {self.cursor_path}: {exc}") from exc
        if not isinstance(state, dict) or not isinstance(state.get("length"), int):
            raise CheckpointError(f"cursor file {self.cursor_path} is not one of ours")
        return state

    def _commit_state(self) -> None:
        tmp = self.cursor_path.with_name(self.cursor_path.name + ".tmp")
        try:
            with open(tmp, "wb") as f:
                f.write(orjson.dumps(self._state, option=orjson.OPT_INDENT_2))
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.cursor_path)
            _fsync_dir(self.cursor_path.parent)
        except OSError as exc:
            raise StoreError(f"cannot write cursor file {self.cursor_path}: {exc}") from exc

    def _open_data(self) -> IO[bytes]:
        if self._file is None:
            length = int(self._state["length"])
            try:
                f = open(self.path, "ab")  # noqa: SIM115 - kept open across pages
                size = f.seek(0, os.SEEK_END)
                if size < length:
                    f.close()
                    raise CheckpointError(
                        f"{self.path} is shorter ({size} bytes) than its cursor file records "
                        f"({length}): lines were lost; restore the file or start a new one"
                    )
                if size > length:  # a crash after appending, before the cursor commit
                    f.truncate(length)
                    f.flush()
                    os.fsync(f.fileno())
            except OSError as exc:
                raise StoreError(f"cannot open {self.path}: {exc}") from exc
            self._file = f
        return self._file

    # ---- Sink -------------------------------------------------------------------------------

    def cursor(self, stream: StreamName) -> StreamState | None:
        entry = self._state["streams"].get(stream)
        return None if entry is None else _stream_state(stream, entry)

    def begin_run(self, run: RunInfo) -> None:
        self._runs.begin(run)
        self._open_data()  # truncate a torn tail now, before anything else is appended

    def write_prepared(
        self, page: PreparedPage, checkpoint: Checkpoint, *, caught_up: bool
    ) -> None:
        """:meth:`write_page` for a page :meth:`prepare_page` made (same commit protocol)."""
        stream = page.stream
        f = self._open_data()
        data: bytes = page.payload
        try:
            if data:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        except OSError as exc:
            raise StoreError(f"cannot write {self.path}: {exc}") from exc
        run = self._runs.run
        previous = self._state["streams"].get(stream, {})
        run_events = self._runs.events.get(stream, 0) + page.count
        self._state["length"] = int(self._state["length"]) + len(data)
        self._state["streams"][stream] = {
            "start_time": checkpoint.start_time,
            "boundary_ids": sorted(checkpoint.boundary_ids),
            "source": run.source,
            "include_comments": run.include_comments,
            "caught_up": caught_up,
            "updated_at": _now_iso(),
            "last_run_started": run.started,
            "last_run_events": run_events,
            "lines": int(previous.get("lines", 0)) + page.count,
        }
        self._commit_state()
        self._runs.add(stream, page.count)

    def status(self) -> SinkStatus:
        streams = [_stream_state(k, v) for k, v in sorted(self._state["streams"].items())]
        counts = {k: int(v.get("lines", 0)) for k, v in sorted(self._state["streams"].items())}
        return SinkStatus(self.target, "jsonl", streams, counts)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


class StdoutSink:
    """JSON Lines on stdout, the same line format as :class:`JsonLinesSink`; keeps no cursor."""

    resumable = False
    target = "-"

    def __init__(self, stream: IO[bytes] | None = None) -> None:
        self._out = stream if stream is not None else sys.stdout.buffer
        self._runs = _RunCounter()

    def cursor(self, stream: StreamName) -> StreamState | None:
        return None

    def begin_run(self, run: RunInfo) -> None:
        self._runs.begin(run)

    def write_page(
        self,
        stream: StreamName,
        items: list[dict[str, Any]],
        checkpoint: Checkpoint,
        *,
        caught_up: bool,
    ) -> None:
        self._out.write(_lines(stream, items))
        self._out.flush()
        self._runs.add(stream, len(items))

    def status(self) -> SinkStatus:
        raise ConfigError("stdout (-) keeps no state: status needs a database or .jsonl file")

    def close(self) -> None:
        self._out.flush()


def open_sink(target: str = DEFAULT_TARGET, *, create: bool = True) -> Sink:
    """The sink a ``--to`` target names.

    Args:
        target: a SQLite path or ``sqlite:///path``, ``postgresql://…``, a ``*.jsonl`` path, or
            ``-`` for stdout.
        create: create a missing SQLite/JSON Lines file; False (for ``status``) raises instead.

    Raises:
        ConfigError: ``create`` is False and ``target`` does not exist, or stdout was asked
            for without ``create``.
        StoreError: the database cannot be opened.
        CheckpointError: a JSON Lines file disagrees with its cursor file.
    """
    if target == "-":
        if not create:
            raise ConfigError("stdout (-) keeps no state: status needs a database or .jsonl file")
        return StdoutSink()
    if target.endswith(".jsonl"):
        return JsonLinesSink(target, create=create)
    if not create and not target.startswith(("postgresql://", "postgres://")):
        path = target.removeprefix("sqlite:///")
        if not Path(path).exists():
            raise ConfigError(f"nothing synced to {redact_url(target)} yet (no such file)")
    return SqlSink(open_store(target))


def _lines(stream: str, items: Sequence[dict[str, Any]]) -> bytes:
    # One dumps per item into a pre-built envelope: no per-event dict copies.
    head = b'{"stream":"' + stream.encode() + b'","item":'
    return b"".join(head + orjson.dumps(item) + b"}\n" for item in items)


def _stream_state(stream: str, entry: dict[str, Any]) -> StreamState:
    return StreamState(
        stream=stream,
        checkpoint=Checkpoint(
            int(entry["start_time"]), frozenset(int(i) for i in entry.get("boundary_ids", ()))
        ),
        source=entry.get("source"),
        include_comments=bool(entry.get("include_comments", False)),
        caught_up=bool(entry.get("caught_up", False)),
        updated_at=str(entry.get("updated_at", "")),
        last_run_started=entry.get("last_run_started"),
        last_run_events=int(entry.get("last_run_events", 0)),
    )


def _fsync_dir(path: Path) -> None:
    # Makes the rename itself durable; not possible (nor needed) on every platform.
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
