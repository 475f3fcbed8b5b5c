"""Settings, read once at the edge (CLI flags and environment) and passed down as objects.

Library code never reads ``os.environ``: the CLI builds these objects and hands them over, and
tests build them directly. Secrets are wrapped in :class:`Secret`, whose ``repr``/``str`` never
show the value, so a settings object can be logged or put in an error safely.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["Secret", "ServerSettings", "env_value"]


class Secret:
    """A string that does not print itself."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret itself: call only where it is sent (an Authorization header)."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def env_value(environ: Mapping[str, str], name: str) -> str | None:
    """``environ[name]`` with empty values treated as unset."""
    value = environ.get(name, "").strip()
    return value or None


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """How ``zendesk-events serve`` behaves.

    Attributes:
        db: store URL (SQLite path or ``postgresql://``).
        base_url: scheme+host used in ``next_page`` links; None = the request's own.
        export_rate_limit: incremental-export requests per window per account (0 = no limit).
        export_rate_window: that window in seconds (Zendesk: 60).
        sample_rate_limit: ``/sample`` requests per sample window (0 = no limit).
        sample_rate_window: seconds (Zendesk: 1200).
        account_rate_limit: the account-wide figure reported in ``X-Rate-Limit`` (not enforced).
        lag: seconds of newest data held back, and the "too recent" threshold (Zendesk: 60).
        shared_limits: count requests in the database so several workers share one limit.
    """

    db: str = "zendesk-events.db"
    base_url: str | None = None
    export_rate_limit: int = 10
    export_rate_window: int = 60
    sample_rate_limit: int = 10
    sample_rate_window: int = 1200
    account_rate_limit: int = 700
    lag: int = 60
    shared_limits: bool = False
