"""Shared fixtures: real SQLite files, a real PostgreSQL schema per test, a real HTTP server."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from serving import serve_in_thread

PG_BASE = "postgresql://127.0.0.1:5432/test"


def _pg_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def sqlite_url(tmp_path: Any) -> str:
    """A fresh SQLite file."""
    return str(tmp_path / "store.db")


@contextmanager
def pg_schema() -> Iterator[str]:
    """A fresh PostgreSQL schema in database ``test`` (as a store URL), dropped afterwards."""
    if not _pg_available():
        pytest.fail("PostgreSQL is not answering on 127.0.0.1:5432 (see .ci/run)")
    import psycopg

    schema = f"zde_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_BASE, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{PG_BASE}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(PG_BASE, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL schema."""
    with pg_schema() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    """The same test on a SQLite file and on a PostgreSQL schema."""
    if request.param == "sqlite":
        yield str(tmp_path / "store.db")
    else:
        with pg_schema() as url:
            yield url


@pytest.fixture(scope="session")
def run_server() -> Callable[[Any], Any]:
    """``with run_server(app) as base_url: ...`` — a real server for the test's duration."""
    return serve_in_thread
