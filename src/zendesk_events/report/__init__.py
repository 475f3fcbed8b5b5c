"""The HTML report: the analysis tables' numbers as charts, each with its table and period.

Rendering needs Plotly (the ``report`` extra: ``pip install 'zendesk-events[report]'``); the
rest of zendesk-events does not, so it is imported only when a report is rendered.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from zendesk_events.errors import ConfigError
from zendesk_events.extras import require
from zendesk_events.store.analysis import ReportData

__all__ = ["render_report", "write_report"]


def render_report(data: ReportData, *, store: str, generated_at: int | None = None) -> str:
    """The report for ``data`` as one self-contained HTML document.

    Args:
        data: the numbers (:meth:`~zendesk_events.store.AnalysisStore.report_data`).
        store: how to name the store in the page (a URL without its password).
        generated_at: the time to print as the report's (default: now).

    Raises:
        MissingExtraError: Plotly (the ``report`` extra) is not installed.
    """
    require("report", "the HTML report")
    from zendesk_events.report.page import render

    return render(
        data, store=store, generated_at=int(time.time()) if generated_at is None else generated_at
    )


def write_report(path: str | os.PathLike[str], document: str) -> Path:
    """Write ``document`` to ``path`` atomically, readable by its owner only.

    Raises:
        ConfigError: the file cannot be written there.
    """
    target = Path(path).expanduser()
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or Path("."))
    except OSError as exc:
        raise ConfigError(f"cannot write the report to {target}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(document)
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ConfigError(f"cannot write the report to {target}: {exc.strerror}") from None
    return target
