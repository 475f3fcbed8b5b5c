"""The package as users install it: the built wheel in a fresh venv WITHOUT extras. What works
works; what needs an extra is one line naming the ``pip install`` to run, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PG = "postgresql://127.0.0.1:5432/test"
NEEDS = {
    "server": "pip install 'zendesk-events[server]'",
    "postgres": "pip install 'zendesk-events[postgres]'",
    "report": "pip install 'zendesk-events[report]'",
}


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """``bin/`` of a fresh venv holding the wheel and its base dependencies only."""
    where = tmp_path_factory.mktemp("install")
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", str(ROOT), "-w", str(where)])
    (wheel,) = where.glob("zendesk_events-*.whl")
    venv = where / "venv"
    # sys._base_executable: the interpreter behind the test's own venv, not that venv
    run([getattr(sys, "_base_executable", sys.executable), "-m", "venv", str(venv)])
    run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)])
    yield venv / "bin"


def run(cmd: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(
        cmd, capture_output=True, text=True, timeout=600, cwd=cwd, env=env, check=False
    )


@pytest.mark.slow
def test_the_plain_install_has_no_extra(plain: Path) -> None:
    done = run([str(plain / "python"), "-m", "pip", "list", "--format=freeze"])
    installed = {line.split("==")[0].lower() for line in done.stdout.splitlines()}
    assert {"zendesk-events", "click", "httpx", "orjson", "pydantic", "rich"} <= installed
    assert not {"fastapi", "uvicorn", "psycopg", "plotly", "httptools"} & installed


@pytest.mark.slow
def test_help_names_every_extra(plain: Path) -> None:
    done = run([str(plain / "zendesk-events"), "--help"])
    assert done.returncode == 0, done.stderr
    for line in NEEDS.values():
        assert line in done.stdout
    for command in ("sync", "serve", "seed", "report", "analyze", "status", "users"):
        assert run([str(plain / "zendesk-events"), command, "--help"]).returncode == 0


@pytest.mark.slow
def test_what_needs_no_extra_works(plain: Path, tmp_path: Path) -> None:
    z = str(plain / "zendesk-events")
    done = run([z, "seed", "--db", "demo.db", "--tickets", "3"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    done = run([z, "analyze", "--to", "demo.db"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "extra"),
    [
        (["serve", "--db", "demo.db", "--port", "0"], "server"),
        (["serve", "--db", PG, "--port", "0"], "server"),
        (["sync", "--url", "http://127.0.0.1:9", "--email", "a@b.c", "--token", "t"], "postgres"),
        (["seed", "--db", PG, "--tickets", "3"], "postgres"),
        (["status", "--to", PG], "postgres"),
        (["analyze", "--to", PG], "postgres"),
        (["users", "list", "--db", PG], "postgres"),
        (["report", "--to", "demo.db", "--out", "r.html"], "report"),
    ],
    ids=[
        "serve",
        "serve-pg",
        "sync-pg",
        "seed-pg",
        "status-pg",
        "analyze-pg",
        "users-pg",
        "report",
    ],
)
def test_a_missing_extra_is_one_line_naming_the_install(
    plain: Path, tmp_path: Path, args: list[str], extra: str
) -> None:
    if args[0] == "sync":
        args = [*args, "--to", PG]
    done = run([str(plain / "zendesk-events"), *args], cwd=tmp_path)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("error: ") and done.stderr.rstrip().endswith(NEEDS[extra])
    assert not (tmp_path / "r.html").exists()
