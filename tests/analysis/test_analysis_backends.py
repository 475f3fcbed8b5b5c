"""SQLite and PostgreSQL give the same analysis of the same events, row for row."""

from __future__ import annotations

import getpass
from dataclasses import replace
from pathlib import Path

import pytest
from analysiskit import all_tables, whole_history
from click.testing import CliRunner

from conftest import pg_schema
from zendesk_events.cli import cli
from zendesk_events.emulator import seed_store
from zendesk_events.store import Store, open_store

END = 1_790_000_000


def _fill(store: Store) -> None:
    seed_store(store, tickets=80, days=14, seed=11, now=END, admin_email=None)
    whole_history(store)


@pytest.mark.postgres
def test_both_backends_build_the_same_tables_and_report_numbers(tmp_path: Path) -> None:
    with open_store(str(tmp_path / "a.db")) as lite, pg_schema() as url, open_store(url) as pg:
        for store in (lite, pg):
            _fill(store)
            store.analysis.update(as_of=END + 86400)
        tables = all_tables(lite)
        assert all(len(rows) > 80 for rows in tables.values())
        assert all_tables(pg) == tables
        # everything but when each was built
        built = {"built_at": None}
        assert replace(pg.analysis.report_data(), **built) == replace(
            lite.analysis.report_data(), **built
        )


@pytest.mark.postgres
def test_a_password_in_the_store_url_appears_nowhere(tmp_path: Path) -> None:
    with pg_schema() as url:
        with open_store(url) as store:
            whole_history(store)
        # trust authentication ignores the password: the URL only has to carry one
        user = getpass.getuser()
        secret = url.replace("postgresql://", f"postgresql://{user}:s3cret-pw@")
        out = tmp_path / "r.html"
        for args in (["analyze", "--to", secret], ["report", "--to", secret, "--out", str(out)]):
            result = CliRunner().invoke(cli, args, catch_exceptions=False)
            assert result.exit_code == 0, result.output
            assert "s3cret" not in result.output and f"{user}:***@" in result.output
        assert "s3cret" not in out.read_text() and f"{user}:***@" in out.read_text()
