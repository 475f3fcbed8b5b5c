"""`zendesk-events users` run in another process than `serve`: a demotion or a new password
counts from the server's next request, not after its cache expires (issue 10, item 10)."""

from __future__ import annotations

from typing import Any

from processkit import run_cli
from serverkit import NOW, PASSWORD, basic, make_account

from zendesk_events.store import open_store

PATH = f"/api/v2/incremental/ticket_events?start_time={NOW - 3600}"


def test_users_commands_of_another_process_count_at_once(store_url: str, serve: Any) -> None:
    password = basic("admin@example.com", PASSWORD)
    with open_store(store_url) as store:
        account = make_account(store)
        with serve(store, export_rate_limit=0) as s:
            for header in (password, account.admin):
                assert s.get(PATH, headers=header).status_code == 200
            demoted = run_cli(
                "users", "add", "--db", store_url, "--email", "admin@example.com", "--role", "agent"
            )
            assert demoted.returncode == 0, demoted.stderr
            # the clock has not moved: nothing has expired, the row has changed
            for header in (password, account.admin):
                assert s.get(PATH, headers=header).status_code == 403
            promoted = run_cli(
                "users",
                "add",
                "--db",
                store_url,
                "--email",
                "admin@example.com",
                "--role",
                "admin",
                "--password",
                "a brand new password",
            )
            assert promoted.returncode == 0, promoted.stderr
            assert s.get(PATH, headers=password).status_code == 401  # the old password
            new = basic("admin@example.com", "a brand new password")
            assert s.get(PATH, headers=new).status_code == 200
            assert s.get(PATH, headers=account.admin).status_code == 200  # the token again
