"""The sync package's public surface is what its __all__ says, sorted."""

from __future__ import annotations

import zendesk_events.sync as sync


def test_all_is_sorted_and_importable() -> None:
    # isort-style: constants first, then the rest
    assert sync.__all__ == sorted(sync.__all__, key=lambda n: (not n.isupper(), n))
    for name in sync.__all__:
        assert getattr(sync, name) is not None, name
    assert {"open_sink", "run_sync", "SyncReport", "Sink"} <= set(sync.__all__)
