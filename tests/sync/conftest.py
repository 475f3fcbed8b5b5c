"""Fixtures of the sync tests (the helpers live in synckit.py)."""

from __future__ import annotations

from synckit import serve_source, source_store

__all__ = ["serve_source", "source_store"]
