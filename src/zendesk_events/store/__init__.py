"""The event store: one schema on SQLite (default) or PostgreSQL, opened by URL."""

from __future__ import annotations

from zendesk_events.store.account import AccountStore
from zendesk_events.store.analysis import AnalysisStore
from zendesk_events.store.audits import audit_from_event, comments_from_event
from zendesk_events.store.database import Database, Transaction, redact_url
from zendesk_events.store.eventstore import (
    CursorPage,
    EventStore,
    Merged,
    PreparedRows,
    StoredPage,
)
from zendesk_events.store.indexes import LookupIndexes
from zendesk_events.store.live import LiveRow, LiveStore
from zendesk_events.store.ratelimits import RateWindows
from zendesk_events.store.schema import migrate, refuse_foreign
from zendesk_events.store.state import LateTally, StateStore, StreamState
from zendesk_events.store.targetlock import (
    LOCK_SUFFIX,
    AdvisoryLock,
    FileLock,
    Holder,
    TargetLock,
    lock_for,
)
from zendesk_events.store.tickets import TicketPage, TicketStore
from zendesk_events.store.users import (
    ROLES,
    PasswordRecord,
    Role,
    User,
    UserStore,
    hash_password,
    verify_password,
)

__all__ = [
    "DEFAULT_DB",
    "LOCK_SUFFIX",
    "ROLES",
    "AccountStore",
    "AdvisoryLock",
    "AnalysisStore",
    "CursorPage",
    "Database",
    "EventStore",
    "FileLock",
    "Holder",
    "LateTally",
    "LiveRow",
    "LiveStore",
    "LookupIndexes",
    "Merged",
    "PasswordRecord",
    "PreparedRows",
    "RateWindows",
    "Role",
    "StateStore",
    "Store",
    "StoredPage",
    "StreamState",
    "TargetLock",
    "TicketPage",
    "TicketStore",
    "Transaction",
    "User",
    "UserStore",
    "audit_from_event",
    "comments_from_event",
    "hash_password",
    "lock_for",
    "open_store",
    "redact_url",
    "verify_password",
]

DEFAULT_DB = "zendesk-events.db"


class Store:
    """A migrated database and its table groups.

    Attributes:
        db: the connection layer (``transaction()``, ``query()``).
        events: ticket and metric events.
        users: users and their credentials.
        state: sync cursors and settings.
        lookup_indexes: the per-ticket indexes a first backfill defers.
        account: ticket fields, groups and SLA policies.
        analysis: the analysis tables (``analyze``) and the report's numbers.
        tickets: tickets' current state and audits, folded from the events.
        live: the live emulator's tickets and counters.
        rate_limits: request counters every server process over this store shares.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self.events = EventStore(db)
        self.users = UserStore(db)
        self.state = StateStore(db)
        self.lookup_indexes = LookupIndexes(db)
        self.account = AccountStore(db)
        self.analysis = AnalysisStore(db)
        self.tickets = TicketStore(db)
        self.live = LiveStore(db)
        self.rate_limits = RateWindows(db)

    @property
    def url(self) -> str:
        """The database URL with any password hidden."""
        return self.db.display_url

    def writer_lock(self) -> TargetLock | None:
        """A new, not yet acquired, hold on this store for one writer (a sync): see
        :mod:`~zendesk_events.store.targetlock`. None for ``:memory:``."""
        return lock_for(self.db)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_store(url: str | Database = DEFAULT_DB, *, allow_foreign_tables: bool = False) -> Store:
    """Open (creating and migrating as needed) the store at ``url``.

    Args:
        url: a SQLite file path (or ``sqlite:///path``) or ``postgresql://…``; or a
            :class:`Database` not used yet, for a writer that holds its target
            (:func:`lock_for`) before the first write, which migrating may be.
        allow_foreign_tables: add our tables to a database that holds another application's
            (refused by default, before anything is written; see :func:`~zendesk_events.
            store.schema.refuse_foreign`). A SQLite file is switched to WAL mode.

    Raises:
        ForeignStoreError: the database holds other tables and no store of ours.
        StoreError: cannot open or migrate.
    """
    db = url if isinstance(url, Database) else Database(url)
    try:
        if not allow_foreign_tables:
            refuse_foreign(db)
        migrate(db)
    except BaseException:
        db.close()
        raise
    return Store(db)
