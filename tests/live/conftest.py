"""Fixtures of the live tests (the helpers live in livekit.py)."""
