"""Service API keys: each key is an identity (its name is the agent id recorded for
everything it does) with scopes; the store keeps only the SHA-256 of the token.

Tokens are 256 random bits, so a plain SHA-256 is the right store (nothing to
brute-force); lookup is by hash and the final comparison is constant-time. Scopes:
`scan` (screen code), `execute` (screen and run), `session` (stateful sessions),
`review` (decide held items; an agent's key should never carry it), `admin` (all).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from airlock.audit.chain import now
from airlock.audit.errors import StoreError
from airlock.audit.tables import ApiKey

if TYPE_CHECKING:
    from airlock.audit.store import Store

SCOPES = ("scan", "execute", "session", "review", "admin")
TOKEN_PREFIX = "alk_"
AGENT_PREFIX = "key:"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}\Z")
_TOKEN = re.compile(r"alk_[A-Za-z0-9_-]{43}\Z")


class AuthenticationError(Exception):
    """A missing, malformed, unknown or revoked key (the message never echoes the key)."""


@dataclass(frozen=True)
class Principal:
    """Who a request is: a key's name, its scopes and its limits."""

    name: str
    scopes: frozenset[str]
    rate_per_minute: int | None = None
    max_concurrent: int | None = None

    @property
    def agent_id(self) -> str:
        """The agent id recorded for this key: `key:NAME`, apart from any id a program
        passes to `guard` itself (key names are never reused, so it names one key)."""
        return AGENT_PREFIX + self.name

    def may(self, scope: str) -> bool:
        """Whether this key carries `scope` (admin carries every scope)."""
        return scope in self.scopes or "admin" in self.scopes


def token_hash(token: str) -> str:
    """What the store keeps of a token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def check_name(name: object) -> str:
    """A key name: 1-64 letters, digits, `.`, `_`, `@`, `-` (plain text wherever shown)."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(f"bad key name {name!r}: use 1-64 letters, digits, '.', '_', '@' or '-'")
    return name


def check_scopes(scopes: object) -> frozenset[str]:
    """A non-empty set of known scopes."""
    if isinstance(scopes, str) or not scopes:
        raise ValueError(f"give at least one scope of {', '.join(SCOPES)}")
    out = frozenset(str(s) for s in scopes)  # type: ignore[attr-defined]
    unknown = sorted(out - set(SCOPES))
    if unknown:
        raise ValueError(f"unknown scope {unknown[0]!r} (one of {', '.join(SCOPES)})")
    return out


def _limit(value: int | None, what: str) -> int | None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ValueError(f"{what} must be a positive whole number")
    return value


def create(
    store: Store,
    name: str,
    scopes: list[str] | tuple[str, ...] | frozenset[str],
    *,
    rate_per_minute: int | None = None,
    max_concurrent: int | None = None,
) -> str:
    """Create a key; returns its token (shown once, never stored)."""
    check_name(name)
    wanted = check_scopes(scopes)
    _limit(rate_per_minute, "rate per minute")
    _limit(max_concurrent, "concurrency")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(
        name=name,
        scopes=" ".join(s for s in SCOPES if s in wanted),
        token_sha256=token_hash(token),
        rate_per_minute=rate_per_minute,
        max_concurrent=max_concurrent,
        created_at=now(),
    )
    try:
        with store.writing() as (session, _ledger):
            if session.scalars(select(ApiKey).where(ApiKey.name == name)).first():
                raise StoreError(f"a key named {name!r} exists or existed (names are never reused)")
            session.add(row)
    except IntegrityError:
        raise StoreError(f"a key named {name!r} exists") from None
    return token


def revoke(store: Store, name: str) -> None:
    """Revoke a key: its token stops working at once. The name stays taken, so the records
    made under it keep naming one key."""
    with store.writing() as (session, _ledger):
        row = session.scalars(select(ApiKey).where(ApiKey.name == name)).first()
        if row is None:
            raise StoreError(f"no key named {name!r}")
        if row.revoked_at is None:
            row.revoked_at = now()


def list_keys(store: Store) -> list[ApiKey]:
    """Every key, oldest first (revoked ones included)."""
    with store.reading() as session:
        rows = list(session.scalars(select(ApiKey).order_by(ApiKey.id)))  # type: ignore[arg-type]
        session.expunge_all()
        return rows


def authenticate(store: Store, token: object) -> Principal:
    """The principal a token belongs to; AuthenticationError otherwise."""
    if not isinstance(token, str) or not token:
        raise AuthenticationError("no API key (send it in the X-API-Key header)")
    if not _TOKEN.match(token):
        raise AuthenticationError("malformed API key")
    digest = token_hash(token)
    with store.reading() as session:
        row = session.scalars(select(ApiKey).where(ApiKey.token_sha256 == digest)).first()
        if row is None or not hmac.compare_digest(row.token_sha256, digest):
            raise AuthenticationError("unknown API key")
        if row.revoked_at is not None:
            raise AuthenticationError("revoked API key")
        return Principal(
            name=row.name,
            scopes=frozenset(row.scopes.split()),
            rate_per_minute=row.rate_per_minute,
            max_concurrent=row.max_concurrent,
        )
