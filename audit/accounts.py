"""Reviewer accounts: a person's name and the SHA-256 of a token only they were shown.

`add_reviewer` returns the token once; the store keeps its hash, so a copy of the
database grants nothing. An account may also be bound to one OpenID Connect identity
(`OidcIdentity`: the issuer and subject of an ID token the dashboard verified), never to
a display name or an email. `authenticate` turns a token or an identity into the live
reviewer it belongs to (`AuthError` for a missing, unknown or revoked one); every review
and alert change is recorded under that name, never under a name the caller typed.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from airlock.audit.chain import now
from airlock.audit.errors import AuthError, StoreError
from airlock.audit.tables import OIDC_ISSUER_LEN, OIDC_SUBJECT_LEN, Reviewer

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from airlock.audit.chain import Ledger

TOKEN_PREFIX = "airlock_"
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
SUBJECT = re.compile(rf"[\x21-\x7e]{{1,{OIDC_SUBJECT_LEN}}}")  # printable ASCII, no spaces
LOOPBACK = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True)
class OidcIdentity:
    """Who an OpenID Connect sign-in is: the verified ID token's `iss` and `sub`."""

    issuer: str
    subject: str

    def __str__(self) -> str:
        return f"subject {self.subject!r} at {self.issuer}"


def check_identity(issuer: object, subject: object) -> OidcIdentity:
    """An identity to bind: an https issuer URL (http on loopback only) and a subject of
    1-255 printable ASCII characters, compared exactly as OpenID Connect compares them."""
    if not isinstance(issuer, str) or not 0 < len(issuer) <= OIDC_ISSUER_LEN:
        raise ValueError(f"bad OIDC issuer {issuer!r}: give the issuer URL")
    try:
        url = urlsplit(issuer)
        host = url.hostname or ""
    except ValueError:
        raise ValueError(f"bad OIDC issuer {issuer!r}: not a URL") from None
    local = url.scheme == "http" and host in LOOPBACK
    if not (url.scheme == "https" or local) or not host or url.query or url.fragment:
        raise ValueError(
            f"bad OIDC issuer {issuer!r}: an https:// URL (http:// only on loopback), "
            "without query or fragment"
        )
    if not isinstance(subject, str) or not SUBJECT.fullmatch(subject):
        raise ValueError(
            f"bad OIDC subject {subject!r}: 1-{OIDC_SUBJECT_LEN} printable ASCII characters"
        )
    return OidcIdentity(issuer=issuer, subject=subject)


def token_hash(token: str) -> str:
    """What the store keeps of a token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def check_name(name: object) -> str:
    """A reviewer name: 1–64 letters, digits, `.`, `_`, `@`, `-` (shown as plain text everywhere)."""
    if not isinstance(name, str) or not NAME.match(name):
        raise ValueError(
            f"bad reviewer name {name!r}: use 1-64 letters, digits, '.', '_', '@' or '-'"
        )
    return name


class ReviewerStoreMixin:
    """Reviewer accounts on the `Store`."""

    if TYPE_CHECKING:

        def writing(self) -> AbstractContextManager[tuple[Session, Ledger]]: ...
        def reading(self) -> AbstractContextManager[Session]: ...

    def add_reviewer(self, name: str, identity: OidcIdentity | None = None) -> str:
        """Create an account (bound to `identity` when given); returns its token (shown
        once, never stored)."""
        check_name(name)
        if identity is not None:
            check_identity(identity.issuer, identity.subject)
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        try:
            with self.writing() as (session, _ledger):
                if session.scalars(select(Reviewer).where(Reviewer.name == name)).first():
                    raise StoreError(f"reviewer {name!r} exists (revoke it first to replace it)")
                if identity is not None:
                    _refuse_bound(session, identity)
                session.add(
                    Reviewer(
                        name=name,
                        token_sha256=token_hash(token),
                        created_at=now(),
                        oidc_issuer=identity.issuer if identity else None,
                        oidc_subject=identity.subject if identity else None,
                    )
                )
        except IntegrityError:
            raise StoreError(f"reviewer {name!r} or that OIDC identity exists") from None
        return token

    def bind_reviewer(self, name: str, identity: OidcIdentity | None) -> Reviewer:
        """Bind a live account to an OIDC identity (None: unbind it)."""
        if identity is not None:
            check_identity(identity.issuer, identity.subject)
        try:
            with self.writing() as (session, _ledger):
                row = session.scalars(select(Reviewer).where(Reviewer.name == name)).first()
                if row is None or row.revoked_at is not None:
                    raise StoreError(f"no reviewer named {name!r}")
                if identity is not None:
                    _refuse_bound(session, identity, but=row.id)
                row.oidc_issuer = identity.issuer if identity else None
                row.oidc_subject = identity.subject if identity else None
                return row
        except IntegrityError:
            raise StoreError(f"another reviewer is bound to {identity}") from None

    def revoke_reviewer(self, name: str) -> Reviewer:
        """Revoke an account: its token stops working; the name may be added again."""
        with self.writing() as (session, _ledger):
            row = session.scalars(select(Reviewer).where(Reviewer.name == name)).first()
            if row is None:
                raise StoreError(f"no reviewer named {name!r}")
            # keep the history under a name that frees the old one for a new account
            row.revoked_at = now()
            row.name = f"{name}~revoked-{row.id}"[:200]
            return row

    def list_reviewers(self) -> list[Reviewer]:
        """Every account, oldest first (revoked ones included)."""
        with self.reading() as session:
            return list(session.scalars(select(Reviewer).order_by(Reviewer.id)))

    def authenticate(self, token: str | OidcIdentity | None) -> Reviewer:
        """The live reviewer this token (or OIDC identity) belongs to, or `AuthError`."""
        if isinstance(token, OidcIdentity):
            return self._bound_reviewer(token)
        if not isinstance(token, str) or not token.strip():
            raise AuthError("a reviewer token is required ($AIRLOCK_TOKEN or --token)")
        with self.reading() as session:
            row = session.scalars(
                select(Reviewer).where(Reviewer.token_sha256 == token_hash(token.strip()))
            ).first()
        if row is None:
            raise AuthError("the reviewer token is not valid")
        if row.revoked_at is not None:
            raise AuthError("the reviewer token has been revoked")
        return row

    def _bound_reviewer(self, identity: OidcIdentity) -> Reviewer:
        with self.reading() as session:
            rows = list(
                session.scalars(
                    select(Reviewer)
                    .where(Reviewer.oidc_issuer == identity.issuer)
                    .where(Reviewer.oidc_subject == identity.subject)
                    .order_by(Reviewer.revoked_at.is_not(None))
                )
            )
        if not rows:
            raise AuthError(f"not a reviewer: no reviewer account is bound to {identity}")
        if rows[0].revoked_at is not None:
            raise AuthError(f"the reviewer account bound to {identity} has been revoked")
        return rows[0]


def _refuse_bound(session: Session, identity: OidcIdentity, but: int | None = None) -> None:
    """StoreError when another live account holds this identity."""
    taken = session.scalars(
        select(Reviewer)
        .where(Reviewer.oidc_issuer == identity.issuer)
        .where(Reviewer.oidc_subject == identity.subject)
        .where(Reviewer.revoked_at.is_(None))
    ).first()
    if taken is not None and taken.id != but:
        raise StoreError(f"reviewer {taken.name!r} is already bound to {identity}")
