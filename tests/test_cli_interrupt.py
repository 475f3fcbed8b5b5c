"""The command's window before its Ctrl-C handling stays tiny: the console script's one import
(``from zendesk_events.cli import main``) loads two small modules of ours and nothing else."""

from __future__ import annotations

import subprocess
import sys


def test_the_console_script_import_loads_nothing_before_main() -> None:
    code = (
        "import sys; before = set(sys.modules)\n"
        "from zendesk_events.cli import main\n"
        "print(sorted(set(sys.modules) - before))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['__future__', 'zendesk_events', 'zendesk_events.cli']"


def test_the_library_import_is_lazy_but_complete() -> None:
    code = (
        "import sys, zendesk_events\n"
        "print(sorted(m for m in sys.modules if m.startswith('zendesk_events')))\n"
        "print(zendesk_events.ZendeskClient.__name__, zendesk_events.__version__ != '')\n"
        "print(sorted(set(zendesk_events.__all__) - set(dir(zendesk_events))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == ["['zendesk_events']", "ZendeskClient True", "[]"]
