"""When emulated metric events become visible: Zendesk writes some of them late (spec §5).

Recorded live (EST bruno, 2026-10-07): all 17 metric events of one ticket update appeared 11 to
13 minutes after the update, stamped with its original time, while another ticket's appeared
within seconds. So lateness strikes a whole update's metric events at once, and the export
serves them at their back-dated place: a client that never re-reads a window loses them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from random import Random

from zendesk_events.errors import ConfigError

__all__ = ["DEFAULT_LATE_ARRIVAL", "LateArrival"]

_RANGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:-\s*(\d+(?:\.\d+)?)\s*)?$")


@dataclass(frozen=True, slots=True)
class LateArrival:
    """Which ticket updates' metric events Zendesk writes late, and how late.

    The share is ours (Zendesk publishes none); the delay is the recorded one.

    Attributes:
        share: fraction of ticket updates whose metric events arrive late (0: none, 1: all).
        min_minutes: shortest delay.
        max_minutes: longest delay (each late update draws uniformly in between).
    """

    share: float = 0.1
    min_minutes: float = 11.0
    max_minutes: float = 13.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.share <= 1.0:
            raise ConfigError(f"--late-share must be between 0 and 1, not {self.share!r}")
        if not 0.0 <= self.min_minutes <= self.max_minutes:
            raise ConfigError(
                f"--late-minutes must be MIN-MAX with 0 <= MIN <= MAX, not "
                f"{self.min_minutes:g}-{self.max_minutes:g}"
            )

    @classmethod
    def parse(cls, share: float, minutes: str) -> LateArrival:
        """From the CLI's ``--late-share 0.1 --late-minutes 11-13`` (or one number: ``12``).

        Raises:
            ConfigError: a share outside [0, 1] or an unreadable or reversed range.
        """
        match = _RANGE.match(minutes)
        if match is None:
            raise ConfigError(f"--late-minutes must look like 11-13 or 12, not {minutes!r}")
        low = float(match.group(1))
        high = float(match.group(2)) if match.group(2) is not None else low
        return cls(share, low, high)

    @property
    def enabled(self) -> bool:
        return self.share > 0.0

    def delay(self, rng: Random) -> int:
        """Seconds one ticket update's metric events are written after it (mostly 0)."""
        if self.share <= 0.0 or rng.random() >= self.share:
            return 0
        return rng.randint(round(self.min_minutes * 60), round(self.max_minutes * 60))

    def describe(self) -> str:
        """For the seed report: ``10% of updates, 11-13 min late`` or ``off``."""
        if not self.enabled:
            return "off"
        span = f"{self.min_minutes:g}-{self.max_minutes:g}"
        if self.min_minutes == self.max_minutes:
            span = f"{self.min_minutes:g}"
        return f"{self.share * 100:g}% of ticket updates, {span} min late"


DEFAULT_LATE_ARRIVAL = LateArrival()
