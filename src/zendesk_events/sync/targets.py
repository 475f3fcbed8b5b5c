"""Opening the sink a ``--to`` target names: SQLite, ``postgresql://…``, ``*.jsonl``, ``-``."""

from __future__ import annotations

from pathlib import Path

from zendesk_events.errors import ConfigError
from zendesk_events.store import DEFAULT_DB, open_store, redact_url
from zendesk_events.sync.jsonlines import JsonLinesSink
from zendesk_events.sync.sink import Sink, no_state
from zendesk_events.sync.sqlsink import SqlSink
from zendesk_events.sync.stdout import StdoutSink

__all__ = ["DEFAULT_TARGET", "open_sink"]

DEFAULT_TARGET = DEFAULT_DB
"""``zendesk-events.db`` in the working directory."""


def open_sink(
    target: str = DEFAULT_TARGET, *, create: bool = True, allow_foreign_tables: bool = False
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

    Nothing is locked yet: a writer claims the target (:meth:`Sink.claim`, done by
    :func:`~zendesk_events.sync.run_sync`), a reader (``status``) does not.

    Raises:
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
        return JsonLinesSink(target, create=create)
    if not create and not target.startswith(("postgresql://", "postgres://")):
        path = target.removeprefix("sqlite:///")
        if not Path(path).exists():
            raise ConfigError(f"nothing synced to {redact_url(target)} yet (no such file)")
    return SqlSink(open_store(target, allow_foreign_tables=allow_foreign_tables))
