"""The optional dependencies (pip extras) and the check that names the one to install.

A plain ``pip install zendesk-events`` brings the client, ``sync`` into SQLite, JSON Lines or
stdout, ``seed``, ``analyze``, ``status`` and ``users``. Three features need more, each from an
extra: serving (``server``: FastAPI, uvicorn), PostgreSQL stores (``postgres``: psycopg) and
the HTML report (``report``: Plotly). Without it, a ``serve`` died in a
``ModuleNotFoundError: fastapi`` traceback, and a ``postgresql://`` target said only "No module
named 'psycopg'"; :func:`require` turns that into one line naming the ``pip install``.
"""

from __future__ import annotations

from importlib.util import find_spec

from zendesk_events.errors import MissingExtraError

__all__ = ["EXTRAS", "require"]

EXTRAS = {
    "server": ("fastapi", "uvicorn", "httptools"),
    "postgres": ("psycopg",),
    "report": ("plotly",),
}
"""Each extra and the top-level modules it must make importable (as pyproject.toml installs
them: httptools comes with ``uvicorn[standard]``, and the server's protocol is built on it)."""


def require(extra: str, purpose: str) -> None:
    """Check that ``extra`` is installed before ``purpose`` starts (nothing is imported).

    Args:
        extra: ``server``, ``postgres`` or ``report``.
        purpose: what needs it, for the message (``zendesk-events serve``).

    Raises:
        MissingExtraError: one of its modules is not installed.
    """
    for module in EXTRAS[extra]:
        if find_spec(module) is None:
            raise MissingExtraError(extra, purpose, module)
