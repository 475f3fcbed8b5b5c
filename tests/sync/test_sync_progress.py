"""The progress display: lag wording, live table, plain lines, the final summary."""

from __future__ import annotations

import io

from rich.console import Console

from zendesk_events.checkpoint import Checkpoint
from zendesk_events.cli.progress import (
    LiveProgress,
    PlainProgress,
    behind,
    summary_lines,
    summary_table,
)
from zendesk_events.client import Wait
from zendesk_events.sync import StreamReport, SyncReport
from zendesk_events.timeutil import FakeClock

NOW = 1_700_000_000


def test_behind_reads_like_a_human_would_say_it() -> None:
    assert behind(30) == "up to date"
    assert behind(3 * 86400 + 4 * 3600 + 59) == "3d 4h behind"
    assert behind(5 * 3600 + 7 * 60) == "5h 7m behind"
    assert behind(12 * 60 + 5) == "12m 5s behind"


def test_live_table_shows_events_cursor_lag_and_waits() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=150)
    with LiveProgress(console, clock=FakeClock(NOW)) as progress:
        progress.stream_started("ticket_events", Checkpoint(NOW - 2 * 86400), False)
        progress.page_written("ticket_events", 1000, Checkpoint(NOW - 86400 - 3600), False)
        progress.waiting(Wait("rate_limited", 42.0, "429 from the server"))
        console.print(progress.table())
    text = out.getvalue()
    assert "ticket_events" in text and "1,000" in text
    assert "1d 1h behind" in text
    assert "rate limited, waiting 42s" in text


def test_plain_progress_prints_waits_and_notes_but_no_redraws() -> None:
    out = io.StringIO()
    progress = PlainProgress(out, clock=FakeClock(NOW))
    progress.page_written("ticket_events", 10, Checkpoint(NOW), True)
    progress.waiting(Wait("retry", 2.0, "503"))
    progress.waiting(Wait("pacing", 6.0, ""))
    progress.note("cursor stored with other options")
    assert out.getvalue().splitlines() == [
        "retrying, waiting 2.0s: 503",
        "note: cursor stored with other options",
    ]
    quiet = io.StringIO()
    PlainProgress(quiet, quiet=True).waiting(Wait("retry", 2.0, "503"))
    assert quiet.getvalue() == ""


def test_summary_has_one_line_per_stream_and_says_when_stopped() -> None:
    report = SyncReport(seconds=2.0, stopped=True)
    report.streams["ticket_events"] = StreamReport(
        "ticket_events", Checkpoint(0), Checkpoint(NOW - 7200), False, 5000, 5, False, 2.0
    )
    report.streams["ticket_metric_events"] = StreamReport(
        "ticket_metric_events", Checkpoint(0), Checkpoint(NOW), True, 0, 1, True, 0.5
    )
    lines = summary_lines(report, FakeClock(NOW))
    assert lines[0].startswith("ticket_events: 5,000 events in 5 pages (2,500/s), cursor ")
    assert lines[0].endswith("(2h 0m behind)")
    assert lines[1].startswith("ticket_metric_events: 0 events in 1 page (0/s)")
    assert lines[1].endswith("(caught up, resumed)")
    assert "stopped" in lines[2]
    out = io.StringIO()
    Console(file=out, width=200).print(summary_table(report, FakeClock(NOW)))
    assert "5,000 events" in out.getvalue()
    assert "resumed from the stored cursor: ticket_metric_events" in out.getvalue()


def test_late_arrivals_show_in_the_table_the_lines_and_the_summary() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=200)
    with LiveProgress(console, clock=FakeClock(NOW)) as progress:
        progress.stream_started("ticket_metric_events", Checkpoint(NOW - 600), True)
        progress.late_found("ticket_metric_events", 3, 700, 0)
        progress.late_found("ticket_metric_events", 2, 125, 1)
        console.print(progress.table())
    assert "5 late (worst 11m 40s behind the cursor), 1 changed" in out.getvalue()

    lines = io.StringIO()
    PlainProgress(lines).late_found("ticket_metric_events", 2, 65, 0)
    assert lines.getvalue() == (
        "ticket_metric_events: the look-back found 2 late (worst 1m 5s behind the cursor)\n"
    )
    quiet = io.StringIO()
    PlainProgress(quiet, quiet=True).late_found("ticket_metric_events", 2, 65, 0)
    assert quiet.getvalue() == ""

    report = SyncReport(seconds=1.0)
    report.streams["ticket_metric_events"] = StreamReport(
        "ticket_metric_events", Checkpoint(0), Checkpoint(NOW), True, 9, 2, True, 1.0, 2, 4, 700, 1
    )
    (line,) = summary_lines(report, FakeClock(NOW))
    assert line.endswith("; look-back: 4 late (worst 11m 40s behind the cursor), 1 changed")


def test_a_retry_in_follow_mode_is_shown_even_when_quiet() -> None:
    from zendesk_events.errors import ServerError

    out = io.StringIO()
    PlainProgress(out, quiet=True).retrying(ServerError("503 from x", status=503), 120.0)
    assert out.getvalue() == "failed (503 from x); trying again in 2m 0s\n"
