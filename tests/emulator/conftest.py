"""Fixtures of the emulator tests (the helpers live in emukit.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from emukit import seeded

from zendesk_events.store import Store


@pytest.fixture(scope="module")
def store200(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A 200-ticket history on SQLite, shared by a module's tests."""
    path = Path(tmp_path_factory.mktemp("seed200")) / "store.db"
    with seeded(str(path), tickets=200) as store:
        yield store
