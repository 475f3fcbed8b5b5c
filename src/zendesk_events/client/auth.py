"""The three ways to sign in to Zendesk, as ``httpx.Auth`` objects that never show their secret.

* API token: ``Authorization: Basic base64("{email}/token:{token}")``
* password: ``Authorization: Basic base64("{email}:{password}")``
* OAuth access token: ``Authorization: Bearer {token}``

The header is built once and kept in a :class:`~zendesk_events.config.Secret`; the objects'
``repr`` names the method and the email only, so a client, its auth or an error that mentions
either can be logged safely.
"""

from __future__ import annotations

import base64
from collections.abc import Generator

import httpx

from zendesk_events.config import Secret
from zendesk_events.errors import ConfigError

__all__ = ["APITokenAuth", "OAuthTokenAuth", "PasswordAuth", "ZendeskAuth", "build_auth"]


class ZendeskAuth(httpx.Auth):
    """Sets a fixed ``Authorization`` header on every request."""

    method = "?"

    def __init__(self, header: str, email: str | None = None) -> None:
        self._header = Secret(header)
        self.email = email

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Add the header (httpx calls this for each request)."""
        request.headers["Authorization"] = self._header.reveal()
        yield request

    def __repr__(self) -> str:
        who = f"email={self.email!r}, " if self.email else ""
        return f"{type(self).__name__}({who}secret='**********')"

    __str__ = __repr__


def _basic(user: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode("ascii")


class APITokenAuth(ZendeskAuth):
    """An admin's email and an API token (Admin Center > Apps and integrations > API tokens)."""

    method = "API token"

    def __init__(self, email: str, token: str) -> None:
        super().__init__(_basic(f"{email}/token", token), email)


class PasswordAuth(ZendeskAuth):
    """An admin's email and password (only where the account allows password access)."""

    method = "password"

    def __init__(self, email: str, password: str) -> None:
        super().__init__(_basic(email, password), email)


class OAuthTokenAuth(ZendeskAuth):
    """An OAuth access token (the user is implied by the token)."""

    method = "OAuth token"

    def __init__(self, token: str) -> None:
        super().__init__(f"Bearer {token}")


def build_auth(
    *,
    email: str | None,
    token: str | None,
    password: str | None,
    oauth_token: str | None,
) -> ZendeskAuth:
    """The auth for exactly one credential.

    Raises:
        ConfigError: no credential, more than one, a token or password without an email, or
            an OAuth token that cannot go in a header. Messages name the parameters, never values.
    """
    given = [
        name
        for name, value in (("token", token), ("password", password), ("oauth_token", oauth_token))
        if value
    ]
    if not given:
        raise ConfigError(
            "no credentials: give email and token, email and password, or oauth_token"
        )
    if len(given) > 1:
        raise ConfigError(f"give one credential, not {' and '.join(given)}")
    if oauth_token:
        # Basic credentials are base64-encoded; a bearer token goes into the header as is.
        if not oauth_token.isascii() or any(c in oauth_token for c in "\r\n "):
            raise ConfigError("oauth_token contains characters that cannot be sent in a header")
        return OAuthTokenAuth(oauth_token)
    if not email:
        raise ConfigError(f"{given[0]} needs an email (the Zendesk user it belongs to)")
    if ":" in email:
        raise ConfigError("email must not contain ':'")
    if token:
        return APITokenAuth(email, token)
    assert password is not None
    return PasswordAuth(email, password)
