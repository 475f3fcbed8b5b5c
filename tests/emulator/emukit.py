"""Helpers of the emulator tests: seeding small stores and reading back what was served."""

from __future__ import annotations

from typing import Any

import orjson

from zendesk_events.emulator import seed_store
from zendesk_events.store import Store, open_store

END = 1_760_000_040  # a fixed end so every run writes the same history


def seeded(path: str, *, tickets: int, days: float = 30, seed: int = 1) -> Store:
    """Open ``path`` and seed it (no admin: scrypt is slow and most tests do not log in)."""
    store = open_store(path)
    seed_store(store, tickets=tickets, days=days, seed=seed, now=END, admin_email=None)
    return store


def audits(store: Store, *, comments: bool = False) -> list[dict[str, Any]]:
    """Every ticket event as served, in export order."""
    column = "COALESCE(raw_comments, raw)" if comments else "raw"
    rows = store.db.query(f"SELECT {column} FROM ticket_events ORDER BY timestamp, id")
    return [orjson.loads(r[0]) for r in rows]


def metric_events(store: Store) -> list[dict[str, Any]]:
    """Every metric event as served, in export order."""
    rows = store.db.query("SELECT raw FROM ticket_metric_events ORDER BY timestamp, id")
    return [orjson.loads(r[0]) for r in rows]
