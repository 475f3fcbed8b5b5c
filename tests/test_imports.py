"""The layer rules of STYLE.md, checked on the real import graph."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parent.parent / "src" / "zendesk_events"

# package -> the packages of ours it may import (besides itself)
ALLOWED = {
    "errors": set(),
    "extras": {"errors"},
    "timeutil": {"errors"},
    "config": set(),
    "events": {"timeutil", "errors"},
    "checkpoint": {"events", "timeutil", "errors"},
    "client": {"events", "checkpoint", "errors", "timeutil", "config"},
    "store": {"events", "checkpoint", "errors", "timeutil", "config", "extras"},
    "emulator": {"store", "events", "errors", "timeutil", "config"},
    "server": {"store", "events", "errors", "timeutil", "config", "extras"},
    "report": {"store", "events", "errors", "timeutil", "config", "extras"},
    "sync": {"client", "store", "events", "checkpoint", "errors", "timeutil", "config"},
}


def _our_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "zendesk_events" and len(parts) > 1:
                found.add(parts[1])
    return found


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layer_imports_only_what_it_may(layer: str) -> None:
    target = PKG / layer
    files = list(target.rglob("*.py")) if target.is_dir() else [PKG / f"{layer}.py"]
    assert files, layer
    for f in files:
        bad = _our_imports(f) - ALLOWED[layer] - {layer}
        assert not bad, f"{f.relative_to(PKG)} imports {sorted(bad)}"


def python_prints(*lines: str) -> list[str]:
    """What a fresh interpreter running ``lines`` prints, line by line."""
    code = "\n".join(lines)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.splitlines()


def test_client_import_pulls_no_server_or_database_driver() -> None:
    assert python_prints(
        "import sys, zendesk_events.client",
        "heavy = {'fastapi', 'uvicorn', 'psycopg', 'sqlalchemy', 'starlette'} & set(sys.modules)",
        "print(sorted(heavy))",
    ) == ["[]"]


def test_the_console_script_import_loads_nothing_before_main() -> None:
    # The command's window before its Ctrl-C handling: the console script's one import.
    assert python_prints(
        "import sys; before = set(sys.modules)",
        "from zendesk_events.cli import main",
        "print(sorted(set(sys.modules) - before))",
    ) == ["['__future__', 'zendesk_events', 'zendesk_events.cli']"]


def test_the_library_import_is_lazy_but_complete() -> None:
    assert python_prints(
        "import sys, zendesk_events",
        "print(sorted(m for m in sys.modules if m.startswith('zendesk_events')))",
        "print(zendesk_events.ZendeskClient.__name__, zendesk_events.__version__ != '')",
        "print(sorted(set(zendesk_events.__all__) - set(dir(zendesk_events))))",
    ) == ["['zendesk_events']", "ZendeskClient True", "[]"]
