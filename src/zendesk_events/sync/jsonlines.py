"""The JSON Lines sink: one ``{"stream": ..., "item": {...}}`` line per item, exactly once.

Both streams go interleaved into one file, in the order they were exported, and with them the
account's ticket fields (``"stream": "ticket_fields"``), which name the custom fields that
``custom_ticket_fields`` changes carry by id: a field is written when first seen and again
when it changed (a digest per field is kept in the cursor file). A look-back
(:mod:`zendesk_events.sync.lookback`) may find an item again: unchanged, it is not written
again; changed (a breach turned ``deleted``), its new version is appended. So a reader keeps the
last line per stream and id. To tell the three apart the sink remembers, per stream, the ids and
a digest of every item written within the look-back window behind the cursor
(:class:`RecentItems`), committed with the cursor.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import orjson

from zendesk_events.checkpoint import Checkpoint
from zendesk_events.errors import CheckpointError, ConfigError, StoreError
from zendesk_events.events import StreamName, item_timestamp
from zendesk_events.store import LOCK_SUFFIX, FileLock, LateTally, StreamState
from zendesk_events.sync.sink import (
    PageWrite,
    PreparedPage,
    PrepareFunction,
    RunInfo,
    Sink,
    SinkStatus,
    StreamTally,
)

__all__ = ["JsonLinesSink", "Lines", "RecentItems", "prepare_lines"]

_PRIVATE = 0o600
"""Files we create are the owner's only: they hold the account's tickets."""


@dataclass(frozen=True, slots=True)
class Lines:
    """A page as JSON Lines: one line per item, with each item's ``(id, time)``."""

    lines: list[bytes]
    keys: list[tuple[int, int]]

    def joined(self, picked: Sequence[int] | None = None) -> bytes:
        """The lines (only those at ``picked`` indexes, if given) as one block."""
        if picked is None:
            return b"".join(self.lines)
        return b"".join(self.lines[i] for i in picked)


def prepare_lines(stream: StreamName, items: list[dict[str, Any]]) -> PreparedPage:
    """A page's lines for the JSON Lines sinks (a plain function: the fetcher process calls
    it). One ``dumps`` per item into a pre-built envelope: no per-item dict copies."""
    head = b'{"stream":"' + stream.encode() + b'","item":'
    lines = [head + orjson.dumps(item) + b"}\n" for item in items]
    keys = [(int(item["id"]), item_timestamp(item)) for item in items]
    return PreparedPage(stream, len(items), Lines(lines, keys))


_TICKET_FIELD_HEAD = b'{"stream":"ticket_fields","item":'


def _digest(line: bytes) -> str:
    return hashlib.blake2b(line, digest_size=8).hexdigest()


class RecentItems:
    """The items of one stream written from ``start`` on: id -> (time, digest of the line).

    Kept only as far back as the look-back reaches (:meth:`prune`), so it stays the size of
    the window, however long the file grows.
    """

    def __init__(self, start: int, items: dict[int, tuple[int, str]] | None = None) -> None:
        self.start = start
        self.items = items if items is not None else {}

    def sort_page(self, page: Lines, frontier: int) -> tuple[list[int], PageWrite]:
        """Which lines of a page read again to write (new or changed), and what they were."""
        picked: list[int] = []
        new: list[tuple[int, int]] = []
        changed = 0
        for i, (item_id, ts) in enumerate(page.keys):
            before = self.items.get(item_id)
            if before is None:
                new.append((item_id, ts))
            elif before[1] == _digest(page.lines[i]):
                continue
            else:
                changed += 1
            picked.append(i)
        return picked, PageWrite.classify(new, changed, frontier)

    def remember(self, page: Lines, picked: Sequence[int] | None) -> None:
        for i in range(len(page.keys)) if picked is None else picked:
            item_id, ts = page.keys[i]
            self.items[item_id] = (ts, _digest(page.lines[i]))

    def prune(self, start: int) -> None:
        """Forget what lies before ``start`` (the cursor minus the look-back)."""
        if start <= self.start:
            return
        self.start = start
        self.items = {k: v for k, v in self.items.items() if v[0] >= start}

    def to_json(self) -> dict[str, Any]:
        return {"from": self.start, "items": {str(k): list(v) for k, v in self.items.items()}}

    @classmethod
    def from_json(cls, data: Any) -> RecentItems | None:
        if not isinstance(data, dict) or not isinstance(data.get("from"), int):
            return None
        items = data.get("items")
        if not isinstance(items, dict):
            return None
        return cls(int(data["from"]), {int(k): (int(v[0]), str(v[1])) for k, v in items.items()})


class JsonLinesSink(Sink):
    """Appends ``{"stream": ..., "item": {...}}`` lines to one file, exactly once across crashes.

    The commit protocol: append the page's lines, flush and fsync the file; then write the
    sidecar ``<file>.cursor.json`` (per-stream cursor plus the file's byte length at that moment)
    to a temporary file of a name no other writer uses, fsync it, ``os.replace`` it over the
    old one and fsync the directory. The replace is the commit point: a crash at any moment
    leaves the old cursor or the new one, whole. On claiming the file it is truncated back to
    the recorded length, which drops whatever a crash left after the last commit (a torn line,
    or a whole uncommitted page), so the rerun appends those items once. The cursor file is
    created (length 0) before the first line is written; a non-empty ``.jsonl`` without one
    was not written by us and is refused.

    One run writes at a time: :meth:`claim` (on :meth:`begin_run`, or the first write) locks
    ``<file>.sync-lock`` and only then reads the cursor file, so what a run appends after is
    always what the last commit left. Nothing is written before the claim.

    Args:
        path: the ``.jsonl`` file (created if missing).
        create: create the files if missing; False (``status``) fails instead.

    Raises:
        ConfigError: ``create`` is False and nothing was synced to ``path`` yet.
        CheckpointError: the file and its cursor file disagree (shorter than recorded, or a
            non-empty file without a cursor file).
    """

    resumable = True
    keeps_ticket_fields = True

    def __init__(self, path: str | os.PathLike[str], *, create: bool = True) -> None:
        self.path = Path(path)
        self.cursor_path = self.path.with_name(self.path.name + ".cursor.json")
        self.target = str(self.path)
        self._run = RunInfo(None, False)
        self._tallies: dict[str, StreamTally] = {}
        self._recent: dict[str, RecentItems | None] = {}
        self._file: IO[bytes] | None = None
        self._lock: FileLock | None = None
        if not self.cursor_path.exists():
            if not create:
                raise ConfigError(f"nothing synced to {self.path} yet (no {self.cursor_path.name})")
            self._refuse_foreign()
            self._state: dict[str, Any] = _new_state()
        else:
            self._state = self._load_state()

    def prepare_function(self) -> PrepareFunction:
        return prepare_lines

    # ---- the claim ----------------------------------------------------------------------------

    def claim(self) -> None:
        """Lock ``<file>.sync-lock``, then read the cursor file again (another run may have
        committed since this sink was opened) and truncate the file to the committed length.
        """
        if self._lock is not None:
            return
        real = self.path.expanduser().resolve()
        lock = FileLock(real.with_name(real.name + LOCK_SUFFIX), str(self.path))
        lock.acquire()
        try:
            for stale in self.cursor_path.parent.glob(glob.escape(self.cursor_path.name) + ".*tmp"):
                # Temporary cursor files a crash left (no run but ours writes them now).
                stale.unlink(missing_ok=True)
            if self.cursor_path.exists():
                self._state = self._load_state()
            else:
                self._refuse_foreign()
                self._state = _new_state()
                self._commit_state(self._state)
            self._lock = lock
            self._open_data()  # truncate a torn tail now, before anything else is appended
        except BaseException:
            self._lock = None
            self._close_data()
            lock.release()
            raise

    def _refuse_foreign(self) -> None:
        if self.path.exists() and self.path.stat().st_size > 0:
            raise CheckpointError(
                f"{self.path} exists but has no {self.cursor_path.name}: it was not written "
                "by zendesk-events sync; move it away or choose another --to"
            )

    # ---- cursor file ------------------------------------------------------------------------

    def _load_state(self) -> dict[str, Any]:
        try:
            state = orjson.loads(self.cursor_path.read_bytes())
        except (OSError, orjson.JSONDecodeError) as exc:
            raise CheckpointError(f"cannot read cursor file {self.cursor_path}: {exc}") from exc
        if not isinstance(state, dict) or not isinstance(state.get("length"), int):
            raise CheckpointError(f"cursor file {self.cursor_path} is not one of ours")
        return state

    def _commit_state(self, state: dict[str, Any]) -> None:
        """Replace the cursor file with ``state`` atomically (the commit point; see the
        class)."""
        data = orjson.dumps(state, option=orjson.OPT_INDENT_2)
        try:
            # mkstemp: a new name each time (O_EXCL), owner-only whatever the umask.
            fd, tmp = tempfile.mkstemp(
                prefix=self.cursor_path.name + ".", suffix=".tmp", dir=self.cursor_path.parent
            )
        except OSError as exc:
            raise StoreError(f"cannot write cursor file {self.cursor_path}: {exc}") from exc
        try:
            with open(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.cursor_path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise StoreError(f"cannot write cursor file {self.cursor_path}: {exc}") from exc
        _fsync_dir(self.cursor_path.parent)

    def _open_data(self) -> IO[bytes]:
        if self._file is None:
            length = int(self._state["length"])
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, _PRIVATE)
                f = open(fd, "ab")  # noqa: SIM115 - kept open across pages
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

    def revisit_floor(self, stream: StreamName) -> int | None:
        """Where the remembered items begin (None: nothing remembered, no look-back)."""
        recent = self._memory(stream)
        return None if recent is None else recent.start

    def begin_run(self, run: RunInfo) -> None:
        self.claim()
        self._run = run
        self._tallies = {}
        self._recent = {}

    def _memory(self, stream: str) -> RecentItems | None:
        if stream not in self._recent:
            entry = self._state["streams"].get(stream)
            if entry is None:
                start: int | None = self._run.since
                recent = None
            else:
                recent = RecentItems.from_json(entry.get("recent"))
                start = int(entry["start_time"])
            if recent is None and self._run.lookback.get(stream, 0) > 0 and start is not None:
                recent = RecentItems(start)  # remembers from here on
            self._recent[stream] = recent
        return self._recent[stream]

    def write_prepared(
        self,
        page: PreparedPage,
        checkpoint: Checkpoint,
        *,
        caught_up: bool,
        frontier: int | None = None,
    ) -> PageWrite:
        """Append the page's lines (on a re-read page, the new and changed ones), then commit
        the cursor (see the class for the protocol)."""
        self.claim()
        assert self._lock is not None
        self._lock.check()
        stream = page.stream
        lines: Lines = page.payload
        recent = self._memory(stream)
        picked: list[int] | None = None
        if frontier is not None and recent is not None:
            picked, written = recent.sort_page(lines, frontier)
        else:
            written = PageWrite(page.count)
        data = lines.joined(picked)
        if stream not in self._tallies:
            self._tallies[stream] = StreamTally.resumed(self.cursor(stream))
        tally = self._tallies[stream].after(written)
        try:
            self._append(data)
            if recent is not None:
                recent.remember(lines, picked)
                recent.prune(checkpoint.start_time - self._run.lookback.get(stream, 0))
            state = self._next_state(
                stream, checkpoint, caught_up, written, tally, len(data), recent
            )
            self._commit_state(state)
        except BaseException:
            # Nothing of this page counts: what is in memory goes back to the last commit,
            # and the file is cut back to it when next opened, so a caller that tries the
            # page again appends it once (not after an uncommitted copy).
            self._close_data()
            self._recent.pop(stream, None)
            raise
        self._state = state
        if "recent" not in state["streams"][stream]:
            self._recent[stream] = None
        self._tallies[stream] = tally
        return written

    def write_ticket_fields(self, fields: list[dict[str, Any]]) -> int:
        """Append a ``ticket_fields`` line for each field new or changed since the last
        written (one commit, as a page); returns how many fields the file now names."""
        self.claim()
        assert self._lock is not None
        self._lock.check()
        known: dict[str, str] = dict(self._state.get("ticket_fields", {}))
        lines: list[bytes] = []
        for field in fields:
            line = _TICKET_FIELD_HEAD + orjson.dumps(field) + b"}\n"
            key, digest = str(field["id"]), _digest(line)
            if known.get(key) != digest:
                known[key] = digest
                lines.append(line)
        if not lines:
            return len(known)
        data = b"".join(lines)
        state = {
            **self._state,
            "length": int(self._state["length"]) + len(data),
            "ticket_fields": known,
        }
        try:
            self._append(data)
            self._commit_state(state)
        except BaseException:
            self._close_data()  # cut back to the last commit when next opened
            raise
        self._state = state
        return len(known)

    def _append(self, data: bytes) -> None:
        f = self._open_data()
        try:
            if data:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        except OSError as exc:
            raise StoreError(f"cannot write {self.path}: {exc}") from exc

    def _next_state(
        self,
        stream: str,
        checkpoint: Checkpoint,
        caught_up: bool,
        written: PageWrite,
        tally: StreamTally,
        appended: int,
        recent: RecentItems | None,
    ) -> dict[str, Any]:
        """The cursor file's content once this page is committed (``self._state`` as is)."""
        run = self._run
        previous = self._state["streams"].get(stream, {})
        entry: dict[str, Any] = {
            "start_time": checkpoint.start_time,
            "boundary_ids": sorted(checkpoint.boundary_ids),
            "source": run.source,
            "include_comments": run.include_comments,
            "caught_up": caught_up,
            "updated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "last_run_started": run.started,
            "last_run_events": tally.run_events,
            "lines": int(previous.get("lines", 0)) + written.events,
            "late_events": tally.late.late,
            "late_worst": tally.late.late_worst,
            "changed_events": tally.late.changed,
            "last_run_late": tally.late.run_late,
        }
        if recent is not None and run.lookback.get(stream, 0) > 0:
            entry["recent"] = recent.to_json()
        return {
            **self._state,
            "length": int(self._state["length"]) + appended,
            "streams": {**self._state["streams"], stream: entry},
        }

    def status(self) -> SinkStatus:
        streams = [_stream_state(k, v) for k, v in sorted(self._state["streams"].items())]
        counts = {k: int(v.get("lines", 0)) for k, v in sorted(self._state["streams"].items())}
        if "ticket_fields" in self._state:
            counts["ticket_fields"] = len(self._state["ticket_fields"])
        return SinkStatus(self.target, "jsonl", streams, counts)

    def close(self) -> None:
        lock, self._lock = self._lock, None
        try:
            self._close_data()
        finally:
            if lock is not None:
                lock.release()

    def _close_data(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def _stream_state(stream: str, entry: dict[str, Any]) -> StreamState:
    recent = entry.get("recent")
    start = recent.get("from") if isinstance(recent, dict) else None
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
        revisit_from=start if isinstance(start, int) else None,
        late=LateTally(
            int(entry.get("late_events", 0)),
            int(entry.get("late_worst", 0)),
            int(entry.get("changed_events", 0)),
            int(entry.get("last_run_late", 0)),
        ),
    )


def _new_state() -> dict[str, Any]:
    return {"version": 1, "length": 0, "streams": {}}


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
