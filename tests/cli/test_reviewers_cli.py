"""`airlock reviewers`: accounts, their tokens and their OpenID Connect bindings."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from airlock.audit.accounts import OidcIdentity
from airlock.audit.store import Store
from airlock.cli import app

ISSUER = "https://idp.example.com"


def run(*args: str) -> object:
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "reviewers.db")


def test_add_with_an_identity_binds_it_and_still_prints_a_token(db: str) -> None:
    out = run(
        "reviewers", "add", "alice", "--oidc-issuer", ISSUER, "--oidc-subject", "a-1", "--db", db
    )
    assert out.exit_code == 0, out.output
    token = out.output.strip().splitlines()[-1]
    assert "bound to subject 'a-1' at https://idp.example.com" in out.output
    with Store(db) as store:
        assert store.authenticate(OidcIdentity(ISSUER, "a-1")).name == "alice"
        assert store.authenticate(token).name == "alice"
    listed = run("reviewers", "list", "--db", db)
    assert ISSUER in listed.output and "a-1" in listed.output


def test_bind_unbind_and_revoke(db: str) -> None:
    assert run("reviewers", "add", "bob", "--db", db).exit_code == 0
    bound = run(
        "reviewers", "bind", "bob", "--oidc-issuer", ISSUER, "--oidc-subject", "b", "--db", db
    )
    assert bound.exit_code == 0, bound.output
    with Store(db) as store:
        assert store.authenticate(OidcIdentity(ISSUER, "b")).name == "bob"
    assert run("reviewers", "bind", "bob", "--unbind", "--db", db).exit_code == 0
    with Store(db) as store, pytest.raises(Exception, match="not a reviewer"):
        store.authenticate(OidcIdentity(ISSUER, "b"))
    run("reviewers", "bind", "bob", "--oidc-issuer", ISSUER, "--oidc-subject", "b", "--db", db)
    assert run("reviewers", "revoke", "bob", "--db", db).exit_code == 0
    with Store(db) as store, pytest.raises(Exception, match="revoked"):
        store.authenticate(OidcIdentity(ISSUER, "b"))


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["add", "x", "--oidc-subject", "s"], 2, "go together"),
        (["add", "x", "--oidc-issuer", ISSUER], 2, "go together"),
        (
            ["add", "x", "--oidc-issuer", "http://idp.example.com", "--oidc-subject", "s"],
            2,
            "https",
        ),
        (["add", "x", "--oidc-issuer", ISSUER, "--oidc-subject", "a b"], 2, "bad OIDC subject"),
        (["bind", "alice"], 2, "or --unbind"),
        (["bind", "nobody", "--unbind"], 1, "no reviewer named 'nobody'"),
        (["add", "y", "--oidc-issuer", ISSUER, "--oidc-subject", "a-1"], 1, "already bound"),
    ],
)
def test_bad_input_is_one_line_with_its_exit_code(
    db: str, args: list[str], code: int, message: str
) -> None:
    run("reviewers", "add", "alice", "--oidc-issuer", ISSUER, "--oidc-subject", "a-1", "--db", db)
    out = run("reviewers", *args, "--db", db)
    assert out.exit_code == code, out.output
    assert message in out.output and "Traceback" not in out.output
    assert len(out.output.strip().splitlines()) == 1
