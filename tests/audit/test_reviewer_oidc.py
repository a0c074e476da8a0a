"""Reviewer accounts bound to an OpenID Connect identity: issuer + subject, nothing else."""

from __future__ import annotations

import pytest
from audit_factories import report
from sqlalchemy.exc import IntegrityError

from airlock.audit import Store
from airlock.audit.accounts import OidcIdentity, check_identity
from airlock.audit.errors import AuthError, StoreError
from airlock.audit.reviews import decide

ISSUER = "https://idp.example.com"
ALICE = OidcIdentity(ISSUER, "alice-sub")


def _held(store: Store) -> int:
    row = store.record(
        code="print(1)\n",
        report=report("review", 30, ("R",)),
        gate_decision="held_for_review",
        agent_id="agent-1",
    )
    return int(row.id or 0)


def test_a_bound_identity_decides_as_its_account(store: Store) -> None:
    store.add_reviewer("alice", ALICE)
    sid = _held(store)
    assert store.authenticate(ALICE).name == "alice"
    assert decide(store, sid, "denied", token=ALICE).review.by == "alice"


def test_only_issuer_and_subject_bind(store: Store) -> None:
    store.add_reviewer("alice", ALICE)
    sid = _held(store)
    for other in [
        OidcIdentity(ISSUER, "mallory-sub"),  # an unbound subject
        OidcIdentity("https://other-idp.example.com", "alice-sub"),  # alice's sub elsewhere
        OidcIdentity(ISSUER + "/", "alice-sub"),  # issuers compare exactly
        OidcIdentity(ISSUER, "Alice-sub"),  # subjects too
    ]:
        with pytest.raises(AuthError, match="not a reviewer"):
            decide(store, sid, "denied", token=other)
    assert store.get(sid).reviews == []
    store.bind_reviewer("alice", OidcIdentity("https://other-idp.example.com", "alice-sub"))
    with pytest.raises(AuthError, match="not a reviewer"):  # rebinding replaces the old one
        store.authenticate(ALICE)


def test_a_revoked_account_cannot_decide_with_its_identity(store: Store) -> None:
    store.add_reviewer("alice", ALICE)
    sid = _held(store)
    store.revoke_reviewer("alice")
    with pytest.raises(AuthError, match="revoked"):
        decide(store, sid, "denied", token=ALICE)
    assert store.get(sid).reviews == []
    store.add_reviewer("alice2", ALICE)  # the identity is free for a new account
    assert decide(store, sid, "denied", token=ALICE).review.by == "alice2"  # negative control


def test_one_live_account_per_identity(store: Store) -> None:
    store.add_reviewer("alice", ALICE)
    with pytest.raises(StoreError, match="already bound"):
        store.add_reviewer("bob", ALICE)
    store.add_reviewer("bob")
    with pytest.raises(StoreError, match="already bound"):
        store.bind_reviewer("bob", ALICE)
    store.bind_reviewer("alice", ALICE)  # binding an account to its own identity is fine
    with pytest.raises(StoreError, match="no reviewer"):
        store.bind_reviewer("carol", ALICE)
    assert [(r.name, r.oidc_subject) for r in store.list_reviewers()] == [
        ("alice", "alice-sub"),
        ("bob", None),
    ]


def test_the_database_refuses_a_second_live_binding(store: Store) -> None:
    """The partial unique index holds even for a writer that skips the store's check."""
    store.add_reviewer("alice", ALICE)
    store.add_reviewer("bob")
    ph = "%s" if store.url.get_backend_name() == "postgresql" else "?"
    update = f"UPDATE reviewers SET oidc_issuer = {ph}, oidc_subject = {ph} WHERE name = {ph}"
    with pytest.raises(IntegrityError), store.engine.begin() as conn:
        conn.exec_driver_sql(update, (ISSUER, "alice-sub", "bob"))
    store.revoke_reviewer("alice")
    with store.engine.begin() as conn:  # negative control: a revoked binding frees it
        conn.exec_driver_sql(update, (ISSUER, "alice-sub", "bob"))
    assert store.authenticate(ALICE).name == "bob"


def test_token_login_keeps_working_beside_the_binding(store: Store) -> None:
    token = store.add_reviewer("alice", ALICE)
    assert store.authenticate(token).name == store.authenticate(ALICE).name == "alice"


@pytest.mark.parametrize(
    ("issuer", "subject", "why"),
    [
        ("idp.example.com", "s", "issuer"),
        ("http://idp.example.com", "s", "issuer"),  # plain http off loopback
        ("https://idp.example.com?x=1", "s", "issuer"),
        ("https://", "s", "issuer"),
        ("", "s", "issuer"),
        ("https://" + "a" * 600, "s", "issuer"),
        (ISSUER, "", "subject"),
        (ISSUER, "has space", "subject"),
        (ISSUER, "nul\x00", "subject"),
        (ISSUER, "é", "subject"),
        (ISSUER, "x" * 256, "subject"),
    ],
)
def test_bad_identities_are_refused(issuer: str, subject: str, why: str) -> None:
    with pytest.raises(ValueError, match=f"bad OIDC {why}"):
        check_identity(issuer, subject)


def test_good_identities_pass() -> None:
    assert check_identity("http://127.0.0.1:9400", "x" * 255).subject == "x" * 255
    assert check_identity("http://localhost:9400", "a|b@c").issuer == "http://localhost:9400"
    assert check_identity(ISSUER, "1234567890") == OidcIdentity(ISSUER, "1234567890")
