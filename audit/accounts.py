"""Reviewer accounts: a person's name and the SHA-256 of a token only they were shown.

`add_reviewer` returns the token once; the store keeps its hash, so a copy of the
database grants nothing. `authenticate` turns a token into the reviewer it
belongs to (`AuthError` for a missing, unknown or revoked one); every review and
alert change is recorded under that name, never under a name the caller typed.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from airlock.audit.chain import now
from airlock.audit.errors import AuthError, StoreError
from airlock.audit.tables import Reviewer

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from airlock.audit.chain import Ledger

TOKEN_PREFIX = "airlock_"
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


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

    def add_reviewer(self, name: str) -> str:
        """Create an account; returns its token (shown once, never stored)."""
        check_name(name)
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        try:
            with self.writing() as (session, _ledger):
                if session.scalars(select(Reviewer).where(Reviewer.name == name)).first():
                    raise StoreError(f"reviewer {name!r} exists (revoke it first to replace it)")
                session.add(Reviewer(name=name, token_sha256=token_hash(token), created_at=now()))
        except IntegrityError:
            raise StoreError(f"reviewer {name!r} exists") from None
        return token

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

    def authenticate(self, token: str | None) -> Reviewer:
        """The live reviewer this token belongs to, or `AuthError`."""
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
