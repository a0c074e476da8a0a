"""`airlock reviewers add | bind | revoke | list`: the accounts allowed to decide reviews."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from airlock.cli.common import (
    DbOpt,
    UsageError,
    command_group,
    handled,
    open_store,
    print_table,
    stamp,
)

if TYPE_CHECKING:
    from airlock.audit.accounts import OidcIdentity

app = command_group(help="Reviewer accounts (tokens are shown once, stored hashed).")

NameArg = Annotated[str, typer.Argument(help="Reviewer name (letters, digits, . _ @ -).")]
IssuerOpt = Annotated[
    str | None,
    typer.Option(
        "--oidc-issuer",
        help="The OpenID Connect issuer URL (the ID token's `iss`) whose sign-in is this reviewer.",
    ),
]
SubjectOpt = Annotated[
    str | None,
    typer.Option(
        "--oidc-subject",
        help="The person's subject at that issuer (the ID token's `sub`, not an email).",
    ),
]


def _identity(issuer: str | None, subject: str | None) -> OidcIdentity | None:
    """The identity both options name, None when neither is given; a usage error for one."""
    from airlock.audit.accounts import check_identity

    if issuer is None and subject is None:
        return None
    if issuer is None or subject is None:
        raise UsageError("--oidc-issuer and --oidc-subject go together")
    return check_identity(issuer, subject)


@app.command("add")
def add(
    name: NameArg, db: DbOpt = None, issuer: IssuerOpt = None, subject: SubjectOpt = None
) -> None:
    """Create a reviewer (bound to an OIDC identity when given); prints the token once, as
    the last line of stdout."""
    with handled():
        identity = _identity(issuer, subject)
        with open_store(db) as store:
            token = store.add_reviewer(name, identity)
    bound = f", bound to {identity}" if identity else ""
    typer.echo(f"reviewer {name} added{bound}; keep this token (it is not shown again):")
    typer.echo(token)


@app.command("bind")
def bind(
    name: NameArg,
    db: DbOpt = None,
    issuer: IssuerOpt = None,
    subject: SubjectOpt = None,
    unbind: Annotated[
        bool, typer.Option("--unbind", help="Remove the account's OIDC binding.")
    ] = False,
) -> None:
    """Bind a reviewer to the OIDC identity whose dashboard sign-in acts as them."""
    with handled():
        identity = _identity(issuer, subject)
        if (identity is None) != unbind:
            raise UsageError("give --oidc-issuer and --oidc-subject, or --unbind")
        with open_store(db) as store:
            store.bind_reviewer(name, identity)
    typer.echo(f"reviewer {name} bound to {identity}" if identity else f"reviewer {name} unbound")


@app.command("revoke")
def revoke(name: NameArg, db: DbOpt = None) -> None:
    """Revoke a reviewer: their token and OIDC sign-in stop working (their past reviews stay
    recorded under their name)."""
    with handled(), open_store(db) as store:
        store.revoke_reviewer(name)
    typer.echo(f"reviewer {name} revoked")


@app.command("list")
def list_reviewers(db: DbOpt = None) -> None:
    """Every reviewer account, revoked ones included."""
    with handled(), open_store(db) as store:
        rows = store.list_reviewers()
    print_table(
        None,
        ["name", "added (UTC)", "revoked (UTC)", "OIDC issuer", "OIDC subject"],
        [
            [
                r.name,
                stamp(r.created_at),
                stamp(r.revoked_at) if r.revoked_at else None,
                r.oidc_issuer,
                r.oidc_subject,
            ]
            for r in rows
        ],
    )
