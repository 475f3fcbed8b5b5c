"""Settings, read once at the edge (CLI flags and environment) and passed down as objects.

Library code never reads ``os.environ``: the CLI builds these objects and hands them over, and
tests build them directly. Secrets are wrapped in :class:`Secret`, whose ``repr``/``str`` never
show the value, so a settings object can be logged or put in an error safely.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["SOURCE_ENV", "Secret", "ServerSettings", "SourceSettings", "env_value"]


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
        shared_limits: count the enforced budgets in the store, so every server process over
            it (workers, or separate ``serve`` processes behind a load balancer) shares one
            account's budget; False counts in this process only.
        page_limit: items per time-based export page (Zendesk: 1000; tests use small pages);
            a request's ``per_page`` on ticket_events overrides it.
        late_events: serve a metric event only once its row has been visible for the lag too
            (``visible_at``), so late, back-dated events turn up late as on Zendesk (spec §5);
            False serves every event as soon as its time is older than the lag.
        traffic: the emulated account's activity, writes a second (0: none; ``--traffic``).
        seed: the random seed of the traffic and of which live writes arrive late.
        late_share: share of live writes whose metric events are written late (the seed's
            ``--late-share``).
        late_min_minutes: how late at least (``--late-minutes``).
        late_max_minutes: how late at most.
        fake_clock: run on a clock that starts at this epoch second and moves only through
            ``/_emulator/clock`` (None: the wall clock).
        signin_failures_per_user: failed password checks per email per sign-in window before
            that email's password checks are refused with 429 (0 = no limit).
        signin_failures_per_address: the same per client address (0 = no limit).
        signin_window: seconds of the failed sign-in windows.
        password_slots: password checks (scrypt, ~16 MiB each) that may run at once.
        password_queue: password checks that may wait for a slot; more are refused with 429.
        header_timeout: seconds a client has to send a request's line and headers (from the
            connection's start or the previous response's end) before it is cut off.
        body_timeout: seconds a client has to send a request's body, once its headers are in.
        max_body_bytes: request body bytes the server reads at most (more: 413).
    """

    db: str = "zendesk-events.db"
    base_url: str | None = None
    export_rate_limit: int = 10
    export_rate_window: int = 60
    sample_rate_limit: int = 10
    sample_rate_window: int = 1200
    account_rate_limit: int = 700
    lag: int = 60
    shared_limits: bool = True
    page_limit: int = 1000
    late_events: bool = True
    traffic: float = 0.0
    seed: int = 1
    late_share: float = 0.1
    late_min_minutes: float = 11.0
    late_max_minutes: float = 13.0
    fake_clock: float | None = None
    signin_failures_per_user: int = 10
    signin_failures_per_address: int = 30
    signin_window: int = 600
    password_slots: int = 1
    password_queue: int = 32
    header_timeout: float = 10.0
    body_timeout: float = 30.0
    max_body_bytes: int = 10 * 1024 * 1024


# ---- where `zendesk-events sync` reads from (owned by the sync CLI) -------------------------

SOURCE_ENV = {
    "subdomain": "ZENDESK_SUBDOMAIN",
    "url": "ZENDESK_URL",
    "email": "ZENDESK_EMAIL",
    "token": "ZENDESK_API_TOKEN",
    "password": "ZENDESK_PASSWORD",
    "oauth_token": "ZENDESK_OAUTH_TOKEN",
}
"""The environment variable behind each source setting (flags win over these)."""


@dataclass(frozen=True, slots=True)
class SourceSettings:
    """Which Zendesk (or compatible server) to export from, and as whom.

    Build it with :meth:`resolve` at the edge; library code receives the object.

    Attributes:
        subdomain: ``acme`` for https://acme.zendesk.com (exclusive with ``url``).
        url: the base URL of a compatible server, e.g. ``http://127.0.0.1:8000``.
        email: the user for Basic auth (not needed with an OAuth token).
        token: an API token (``email/token:TOKEN``).
        password: a password (``email:PASSWORD``).
        oauth_token: an OAuth access token (``Bearer``).
    """

    subdomain: str | None = None
    url: str | None = None
    email: str | None = None
    token: Secret | None = None
    password: Secret | None = None
    oauth_token: Secret | None = None

    @property
    def base_url(self) -> str:
        """Scheme and host requests go to (never carries credentials)."""
        if self.url:
            return self.url.rstrip("/")
        return f"https://{self.subdomain}.zendesk.com"

    @classmethod
    def resolve(cls, environ: Mapping[str, str], **flags: str | None) -> SourceSettings:
        """Merge command-line flags over the environment and check the result.

        Flags win, and by group: a ``--url`` flag overrides ``ZENDESK_SUBDOMAIN`` from the
        environment (and vice versa), and any credential flag overrides every credential
        variable, so a stale variable never mixes into what the user typed.

        Args:
            environ: the process environment (or a test's dict).
            **flags: ``subdomain``, ``url``, ``email``, ``token``, ``password``,
                ``oauth_token`` as given on the command line (None = not given).

        Raises:
            ValueError: no source, two sources, no credentials, two credentials, or a
                Basic credential without an email. The message names the flags and variables.
        """

        def pick(group: tuple[str, ...]) -> dict[str, str | None]:
            given = {k: (flags.get(k) or "").strip() or None for k in group}
            if any(given.values()):
                return given
            return {k: env_value(environ, SOURCE_ENV[k]) for k in group}

        where = pick(("subdomain", "url"))
        creds = pick(("token", "password", "oauth_token"))
        email = (flags.get("email") or "").strip() or env_value(environ, SOURCE_ENV["email"])
        if where["subdomain"] and where["url"]:
            raise ValueError("give either --subdomain or --url, not both")
        if not where["subdomain"] and not where["url"]:
            raise ValueError(
                "no source: give --subdomain (or ZENDESK_SUBDOMAIN) or --url (or ZENDESK_URL)"
            )
        url = where["url"]
        if url and not url.startswith(("http://", "https://")):
            raise ValueError("--url must start with http:// or https://")
        if url and "@" in url.split("://", 1)[1].split("/", 1)[0]:
            raise ValueError("--url must not contain credentials: use --email and --token")
        chosen = [k for k, v in creds.items() if v]
        if not chosen:
            raise ValueError(
                "no credentials: give --token (ZENDESK_API_TOKEN), --password "
                "(ZENDESK_PASSWORD) or --oauth-token (ZENDESK_OAUTH_TOKEN)"
            )
        if len(chosen) > 1:
            names = " and ".join("--" + k.replace("_", "-") for k in chosen)
            raise ValueError(f"give one credential, not {names}")
        if chosen[0] != "oauth_token" and not email:
            raise ValueError(f"--{chosen[0]} needs --email (or ZENDESK_EMAIL)")

        def secret(key: str) -> Secret | None:
            value = creds[key]
            return Secret(value) if value else None

        return cls(
            subdomain=where["subdomain"],
            url=url,
            email=email,
            token=secret("token"),
            password=secret("password"),
            oauth_token=secret("oauth_token"),
        )
