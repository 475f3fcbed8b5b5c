"""Users who may call the server, and their credentials (only hashes are ever stored).

Passwords are hashed with scrypt (slow on purpose); API and OAuth tokens are 256-bit random
values, so a single SHA-256 is enough to make a stolen table useless and keeps per-request
verification cheap (GitHub stores its tokens the same way).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from zendesk_events.errors import ConfigError
from zendesk_events.store.database import Database, Transaction

__all__ = [
    "ROLES",
    "PasswordRecord",
    "Role",
    "User",
    "UserStore",
    "hash_password",
    "hash_token",
    "verify_password",
]

Role = Literal["admin", "agent", "end-user"]
ROLES: tuple[Role, ...] = ("admin", "agent", "end-user")

_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_password(password: str) -> str:
    """``scrypt$n$r$p$salt$hash`` (hex)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """Constant-time check of ``password`` against a :func:`hash_password` value."""
    try:
        _, n, r, p, salt, digest = stored.split("$")
        got = hashlib.scrypt(
            password.encode(), salt=bytes.fromhex(salt), dklen=32, n=int(n), r=int(r), p=int(p)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got.hex(), digest)


def hash_token(token: str) -> str:
    """SHA-256 hex of a random token."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class User:
    """A user of the emulated account."""

    id: int
    email: str
    name: str
    role: Role

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True, slots=True)
class PasswordRecord:
    """A user and the stored hash their password is checked against (None: no password)."""

    user: User
    password_hash: str | None


def _now() -> str:
    return datetime.now(UTC).isoformat()


class UserStore:
    """The ``users``, ``api_tokens`` and ``oauth_tokens`` tables."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def add(
        self, email: str, role: Role, *, name: str | None = None, password: str | None = None
    ) -> User:
        """Create a user (or update role/name/password of an existing email).

        Raises:
            ConfigError: bad email or role.
        """
        if "@" not in email or email.startswith("@") or email.endswith("@") or ":" in email:
            raise ConfigError(f"not an email address: {email!r}")
        if role not in ROLES:
            raise ConfigError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
        existing = self.by_email(email)
        pw_hash = hash_password(password) if password else None
        display = name or email.split("@", 1)[0]
        with self.db.transaction() as tx:
            if existing is None:
                user_id = 360_000_000_000 + secrets.randbelow(10**11)
                tx.execute(
                    "INSERT INTO users (id, email, name, role, password_hash, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (user_id, email, display, role, pw_hash, _now()),
                )
            else:
                user_id = existing.id
                tx.execute(
                    "UPDATE users SET role = ?, name = ?, "
                    "password_hash = COALESCE(?, password_hash) WHERE id = ?",
                    (role, name or existing.name, pw_hash, user_id),
                )
        return User(user_id, email, name or (existing.name if existing else display), role)

    def add_known(self, tx: Transaction, users: Iterable[User], created_at: str) -> None:
        """Insert users with the ids events already name, without credentials, inside ``tx``.

        For the emulator's cast: an email that exists already is left as it is.
        """
        tx.executemany(
            "INSERT INTO users (id, email, name, role, password_hash, created_at) "
            "VALUES (?, ?, ?, ?, NULL, ?) ON CONFLICT DO NOTHING",
            [(u.id, u.email, u.name, u.role, created_at) for u in users],
        )

    def by_email(self, email: str) -> User | None:
        rows = self.db.query("SELECT id, email, name, role FROM users WHERE email = ?", (email,))
        return User(*rows[0]) if rows else None

    def list(self) -> list[User]:
        rows = self.db.query("SELECT id, email, name, role FROM users ORDER BY email")
        return [User(*r) for r in rows]

    def new_api_token(self, user: User) -> str:
        """Create an API token for ``user`` and return it: the only time it is ever visible."""
        token = secrets.token_urlsafe(30)
        with self.db.transaction() as tx:
            tx.execute(
                "INSERT INTO api_tokens (token_hash, user_id, created_at) VALUES (?, ?, ?)",
                (hash_token(token), user.id, _now()),
            )
        return token

    def new_oauth_token(self, user: User) -> str:
        """Create an OAuth access token for ``user``; returned once, stored hashed."""
        token = secrets.token_hex(32)
        with self.db.transaction() as tx:
            tx.execute(
                "INSERT INTO oauth_tokens (token_hash, user_id, created_at) VALUES (?, ?, ?)",
                (hash_token(token), user.id, _now()),
            )
        return token

    def password_record(self, email: str) -> PasswordRecord | None:
        """The user with this email and their password hash (the server checks it itself)."""
        rows = self.db.query(
            "SELECT id, email, name, role, password_hash FROM users WHERE email = ?", (email,)
        )
        return PasswordRecord(User(*rows[0][:4]), rows[0][4]) if rows else None

    def password_record_by_id(self, user_id: int) -> PasswordRecord | None:
        """As :meth:`password_record`, by id: a cached verification is re-checked against it
        on every request, so a role or password changed by another process counts at once."""
        rows = self.db.query(
            "SELECT id, email, name, role, password_hash FROM users WHERE id = ?", (user_id,)
        )
        return PasswordRecord(User(*rows[0][:4]), rows[0][4]) if rows else None

    def authenticate_password(self, email: str, password: str) -> User | None:
        rows = self.db.query(
            "SELECT id, email, name, role, password_hash FROM users WHERE email = ?", (email,)
        )
        if not rows or not rows[0][4] or not verify_password(password, rows[0][4]):
            return None
        return User(*rows[0][:4])

    def authenticate_api_token(self, email: str, token: str) -> User | None:
        rows = self.db.query(
            "SELECT u.id, u.email, u.name, u.role FROM api_tokens t "
            "JOIN users u ON u.id = t.user_id WHERE t.token_hash = ? AND u.email = ?",
            (hash_token(token), email),
        )
        return User(*rows[0]) if rows else None

    def authenticate_oauth_token(self, token: str) -> User | None:
        rows = self.db.query(
            "SELECT u.id, u.email, u.name, u.role FROM oauth_tokens t "
            "JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?",
            (hash_token(token),),
        )
        return User(*rows[0]) if rows else None

    def oauth_token_created_at(self, token: str) -> str | None:
        """When an OAuth access token was made (ISO 8601), or None if it is unknown."""
        rows = self.db.query(
            "SELECT created_at FROM oauth_tokens WHERE token_hash = ?", (hash_token(token),)
        )
        return str(rows[0][0]) if rows else None

    # ---- the live emulator's reads and writes (inside its write transaction) ---------------

    def roles(self, tx: Transaction, ids: Iterable[int]) -> dict[int, Role]:
        """The role of each of ``ids`` that is a user."""
        wanted = sorted({int(i) for i in ids})
        if not wanted:
            return {}
        marks = ", ".join("?" * len(wanted))
        rows = tx.execute(f"SELECT id, role FROM users WHERE id IN ({marks})", wanted).fetchall()
        return {int(r[0]): r[1] for r in rows}

    def agent_ids(self, tx: Transaction) -> Sequence[int]:
        """Every agent and admin, by id."""
        rows = tx.execute(
            "SELECT id FROM users WHERE role IN ('admin', 'agent') ORDER BY id"
        ).fetchall()
        return [int(r[0]) for r in rows]

    def end_user_by_email(
        self, tx: Transaction, email: str, name: str, *, new_id: int, created_at: str
    ) -> tuple[int, Role]:
        """The user with ``email``, or a new end user with ``new_id`` and ``name`` (a ticket's
        ``requester: {name, email}``); returns its id and role."""
        row = tx.execute("SELECT id, role FROM users WHERE email = ?", (email,)).fetchone()
        if row is not None:
            return int(row[0]), row[1]
        tx.execute(
            "INSERT INTO users (id, email, name, role, password_hash, created_at) "
            "VALUES (?, ?, ?, 'end-user', NULL, ?)",
            (new_id, email, name, created_at),
        )
        return new_id, "end-user"
