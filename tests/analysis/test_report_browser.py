"""The report opens in a real headless Chromium, offline, without console errors, and every
chart is drawn: checked in the DOM and on screenshots of each chart (not blank)."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from analysiskit import PRODUCT_AREA, T0, whole_history
from browser import Page, chromium
from PIL import Image

from zendesk_events.emulator import seed_store
from zendesk_events.store import open_store

SECTIONS = [
    "events-per-day",
    "status-transitions",
    "time-in-status",
    "sla-metric",
    "sla-priority",
    "sla-group",
    "field-changes",
    "late-metric-events",
    "current-status",
]
HOSTILE = 'Product <b>area</b> & "co" <img src=x onerror="window.pwned=1">'

# Per section: drawn (a Plotly div with its SVG and at least one trace with points), and the
# chart's place on the page for a screenshot.
CHARTS = """
Array.from(document.querySelectorAll('main section')).map(s => {
  const d = s.querySelector('.plotly-graph-div');
  const r = (d || s).getBoundingClientRect();
  return {
    id: s.id,
    drawn: !!(d && d._fullLayout && d.querySelector('.main-svg')
              && d.querySelectorAll('.trace .point, .trace path.js-line, .trace .bars path')
                   .length > 0),
    tables: s.querySelectorAll('.numbers table tbody tr').length,
    period: (s.querySelector('p.period') || {}).textContent || '',
    box: {x: r.left + window.scrollX, y: r.top + window.scrollY, width: r.width,
          height: r.height},
  };
})
"""


def _build_store(path: Path) -> None:
    with open_store(str(path)) as store:
        # an emulated fortnight before the hand-built tickets, for charts with some substance
        seed_store(store, tickets=60, days=12, seed=9, now=T0 - 3600, admin_email=None)
        whole_history(store)
        field = store.account.get("ticket_fields", PRODUCT_AREA)
        assert field is not None
        with store.db.transaction() as tx:
            store.account.put(tx, "ticket_fields", [{**field, "title": HOSTILE}])


def _not_blank(png: bytes) -> tuple[float, int]:
    """Share of pixels that are not the page's white, and how many colours there are."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 20) or []
    white = sum(n for n, c in colours if c == (255, 255, 255))
    total = image.width * image.height
    return 1 - white / total, len(colours)


def _open(page: Page, url: str) -> None:
    for domain in ("Page", "Runtime", "Log", "Network"):
        page.send(f"{domain}.enable")
    page.send(
        "Network.emulateNetworkConditions",
        {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    page.send(
        "Emulation.setDeviceMetricsOverride",
        {"width": 1400, "height": 1000, "deviceScaleFactor": 1, "mobile": False},
    )
    page.send("Page.navigate", {"url": url})
    page.wait_until("document.readyState === 'complete'")


@pytest.mark.slow
def test_the_report_renders_every_chart_offline_without_console_errors(tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    _build_store(db)
    out = tmp_path / "report.html"
    done = subprocess.run(
        [sys.executable, "-m", "zendesk_events", "report", "--to", str(db), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert "http://" not in out.read_text().split("<body>")[1].split("<script")[0]

    with chromium(tmp_path) as page:
        _open(page, out.as_uri())
        charts = page.wait_until(
            f"(() => {{ const c = {CHARTS}; return c.every(x => x.drawn) ? c : null; }})()",
            timeout=60,
        )
        page.pump(1.0)  # let any late error or request arrive
        assert [c["id"] for c in charts] == SECTIONS
        for chart in charts:
            assert chart["tables"] > 0, chart["id"]
            assert chart["period"], chart["id"]

        errors = [
            e["params"]
            for e in page.named("Runtime.consoleAPICalled", "Runtime.exceptionThrown")
            if e["method"] == "Runtime.exceptionThrown"
            or e["params"].get("type") in ("error", "assert", "warning")
        ]
        errors += [
            e["params"]["entry"]
            for e in page.named("Log.entryAdded")
            if e["params"]["entry"]["level"] in ("error", "warning")
        ]
        assert errors == []
        requests = [e["params"]["request"]["url"] for e in page.named("Network.requestWillBeSent")]
        assert requests and all(u.startswith(("file:", "data:", "blob:")) for u in requests), (
            requests
        )

        # the hostile field title is text everywhere, never markup
        assert page.evaluate("window.pwned === undefined && !document.querySelector('img')")
        assert page.evaluate(
            "Array.from(document.querySelectorAll('#field-changes td'))"
            f".some(td => td.textContent === {HOSTILE!r})"
        )
        assert page.evaluate(
            "Array.from(document.querySelectorAll('#chart-field-changes text'))"
            ".some(t => t.textContent.includes('<b>area</b>'))"
        )

        whole = page.screenshot()
        (tmp_path / "report.png").write_bytes(whole)
        for chart in charts:
            share, colours = _not_blank(page.screenshot(chart["box"]))
            assert share > 0.02 and colours > 4, (chart["id"], share, colours)
        share, colours = _not_blank(whole)
        assert share > 0.05 and colours > 20
