"""Fixtures of the server tests (the helpers live in serverkit.py)."""

from __future__ import annotations

from serverkit import account, serve

__all__ = ["account", "serve"]
