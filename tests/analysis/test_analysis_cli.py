"""`analyze` and `report` from the command line: what they print, and one line and a non-zero
exit for every bad invocation."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from analysiskit import T0, whole_history
from click.testing import CliRunner, Result

from zendesk_events.cli import cli
from zendesk_events.store import open_store


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def store_path(tmp_path: Path) -> str:
    path = str(tmp_path / "store.db")
    with open_store(path) as store:
        whole_history(store)
    return path


def test_analyze_builds_then_updates_only_what_changed(store_url: str) -> None:
    with open_store(store_url) as store:
        whole_history(store)
    first = run("analyze", "--to", store_url, "--as-of", str(T0 + 4 * 3600))
    assert first.exit_code == 0, first.output
    lines = first.output.splitlines()
    assert "4 tickets rebuilt (full rebuild)" in lines[0]
    assert "as of 2026-10-05T13:00:00Z" in lines[0]
    assert "password" not in first.output
    counts = {line.split()[0]: line.split()[1] for line in lines[1:]}
    assert counts == {
        "ticket_field_history": "31",
        "ticket_status_periods": "10",
        "sla_outcomes": "4",
        "ticket_snapshot": "4",
    }
    again = run("analyze", "--to", store_url, "--as-of", str(T0 + 4 * 3600))
    assert "0 tickets rebuilt (incremental)" in again.output


def test_report_writes_one_private_file_and_says_where(store_url: str, tmp_path: Path) -> None:
    with open_store(store_url) as store:
        whole_history(store)
    out = tmp_path / "r.html"
    result = run("report", "--to", store_url, "--out", str(out), "--since", "2026-10-05")
    assert result.exit_code == 0, result.output
    assert "4 tickets rebuilt" in result.output
    assert f"wrote {out}" in result.output and out.as_uri() in result.output
    assert "2026-10-05T00:00:00Z .." in result.output
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    page = out.read_text()
    assert page.count('<section id="') == 9
    assert "Period: 2026-10-05 00:00 UTC to 2026-10-09 09:33 UTC" in page


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["analyze", "--to", "{tmp}/missing.db"], "no store at"),
        (["analyze", "--to", "{tmp}/events.jsonl"], "JSON Lines target"),
        (["analyze", "--to", "{store}", "--as-of", "soon"], "cannot read time 'soon'"),
        (["report", "--to", "{tmp}/missing.db"], "no store at"),
        (["report", "--to", "{store}", "--since", "2026-10-06", "--until", "2026-10-05"],
         "--until (2026-10-05T00:00:00Z) must be after --since"),
        (["report", "--to", "{store}", "--no-analyze"], "was never analysed"),
        (["report", "--to", "{store}", "--since", "2030-01-01"],
         "the period 2030-01-01T00:00:00Z .. 2026-10-09T09:33:21Z is empty"),
        (["report", "--to", "{store}", "--out", "{tmp}/no/such/dir/r.html"],
         "cannot write the report to"),
        (["analyze", "--to", "mysql://x/y"], "unsupported database URL"),
    ],
)  # fmt: skip
def test_bad_invocations_are_one_line_and_a_non_zero_exit(
    args: list[str], says: str, store_path: str, tmp_path: Path
) -> None:
    argv = [a.format(tmp=tmp_path, store=store_path) for a in args]
    result = run(*argv)
    assert result.exit_code != 0
    assert result.output.count("\n") == 1 or "rebuilt" in result.output.splitlines()[0]
    assert result.output.splitlines()[-1].startswith("error: ")
    assert says in result.output
    assert "Traceback" not in result.output


def test_report_without_plotly_says_which_extra_to_install(store_path: str, tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['plotly'] = None\n"  # as if Plotly were not installed
        "from zendesk_events.cli import main; main()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "report", "--to", store_path, "--out", str(tmp_path / "r")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "error: zendesk-events report needs the 'report' extra (plotly is not installed): "
        "pip install 'zendesk-events[report]'"
    )
    assert not (tmp_path / "r").exists()
