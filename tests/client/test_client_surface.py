"""The client package's shape: its public names, and what importing it pulls in."""

from __future__ import annotations

import subprocess
import sys

import zendesk_events.client as client_pkg


def test_exported_members() -> None:
    assert client_pkg.__all__ == sorted(client_pkg.__all__)
    for name in client_pkg.__all__:
        assert getattr(client_pkg, name) is not None
    assert {"PageResult", "Pacer", "Wait", "ZendeskClient"} <= set(client_pkg.__all__)
    assert "Client" not in client_pkg.__all__ and not hasattr(client_pkg, "Client")


def test_import_pulls_no_server_or_database() -> None:
    code = (
        "import sys, zendesk_events.client\n"
        "heavy = {'fastapi', 'uvicorn', 'psycopg', 'starlette', 'sqlalchemy'}\n"
        "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
