"""Opening the sink a ``--to`` target names: SQLite, ``postgresql://…``, ``*.jsonl``, ``-``."""

from __future__ import annotations

from pathlib import Path

from zendesk_events.errors import ConfigError
from zendesk_events.store import DEFAULT_DB, Database, lock_for, open_store, redact_url
from zendesk_events.sync.jsonlines import JsonLinesSink
from zendesk_events.sync.sink import Sink, no_state
from zendesk_events.sync.sqlsink import SqlSink
from zendesk_events.sync.stdout import StdoutSink

__all__ = ["DEFAULT_TARGET", "open_sink"]

DEFAULT_TARGET = DEFAULT_DB
"""``zendesk-events.db`` in the working directory."""


def open_sink(
    target: str = DEFAULT_TARGET,
    *,
    create: bool = True,
    allow_foreign_tables: bool = False,
    claim: bool = False,
) -> Sink:
    """The sink a ``--to`` target names.

    * a SQLite path (or ``sqlite:///path``) or ``postgresql://…``: :class:`SqlSink`, the store
      the server serves;
    * ``*.jsonl``: :class:`JsonLinesSink` (with a ``.cursor.json`` sidecar);
    * ``-``: :class:`StdoutSink`, JSON Lines on stdout, no cursor.

    Args:
        target: one of the above.
        create: create a missing SQLite/JSON Lines file; False (for ``status``) raises instead.
        allow_foreign_tables: add our tables to a database that holds another application's
            (refused by default, untouched).

        claim: hold the target for this writer (:meth:`Sink.claim`) before anything else,
            opening included: opening a store creates and migrates it, which would meet a
            running sync's writes instead of its hold. Otherwise nothing is held yet: a
            writer claims the target (done by :func:`~zendesk_events.sync.run_sync`), a
            reader (``status``) does not.

    Raises:
        TargetBusyError: ``claim`` and another sync holds the target.
        ConfigError: ``create`` is False and ``target`` does not exist, or stdout was asked
            for without ``create``.
        ForeignStoreError: the database holds another application's tables (and not
            ``allow_foreign_tables``).
        StoreError: the database cannot be opened.
        CheckpointError: a JSON Lines file disagrees with its cursor file.
    """
    if target == "-":
        if not create:
            raise no_state("stdout (-)")
        return StdoutSink()
    if target.endswith(".jsonl"):
        sink: Sink = JsonLinesSink(target, create=create)
        if claim:
            sink.claim()
        return sink
    if not create and not target.startswith(("postgresql://", "postgres://")):
        path = target.removeprefix("sqlite:///")
        if not Path(path).exists():
            raise ConfigError(f"nothing synced to {redact_url(target)} yet (no such file)")
    db = Database(target)
    lock = lock_for(db) if claim else None
    try:
        if lock is not None:
            lock.acquire()
        store = open_store(db, allow_foreign_tables=allow_foreign_tables)
    except BaseException:
        if lock is not None:
            lock.release()
        db.close()
        raise
    return SqlSink(store, lock=lock)
