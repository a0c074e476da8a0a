"""`airlock review list | show | approve | deny | false-positive | accept-risk`."""

from __future__ import annotations

from typing import Annotated

import typer

from airlock.cli.common import (
    ID_MAX,
    DbOpt,
    TokenOpt,
    command_group,
    dump,
    handled,
    load_ruleset_or_exit,
    open_store,
    parse_when,
    print_json,
    print_table,
    say,
    stamp,
)
from airlock.cli.detail import detail_lines
from airlock.vocabulary import REVIEW_STATES

app = command_group(help="Work the review queue.", no_args_is_help=True)

IdArg = Annotated[int, typer.Argument(help="Screening id.", min=1, max=ID_MAX)]
NoteOpt = Annotated[str, typer.Option("--note", help="Why (recorded).")]
ShaOpt = Annotated[
    str | None,
    typer.Option("--sha256", help="The code's sha256 (or a prefix) as you reviewed it."),
]
ApproveRulesetOpt = Annotated[
    str | None,
    typer.Option(
        "--ruleset",
        "-r",
        help="The screening's rule set as a file, when its name alone does not find it.",
    ),
]
RulesetVersionOpt = Annotated[
    str | None,
    typer.Option(
        "--ruleset-version", help="The rule-set version shown with the code you reviewed."
    ),
]


@app.command("list")
def list_queue(
    all_states: Annotated[
        bool, typer.Option("--all", help="Every reviewed or held screening, not just open ones.")
    ] = False,
    limit: Annotated[int, typer.Option("--limit", min=1)] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of a table.")] = False,
    db: DbOpt = None,
) -> None:
    """The queue: screenings waiting for a person (oldest first)."""
    from airlock.audit.queries import ScreeningFilter

    with handled(), open_store(db) as store:
        if all_states:
            f = ScreeningFilter(review_states=list(REVIEW_STATES))
            rows = store.list_screenings(f, limit=limit)
        else:
            rows = store.review_queue(limit=limit)
    if as_json:
        print_json([dump(r) for r in rows])
        return
    print_table(
        None,
        ["id", "when (UTC)", "agent", "verdict", "score", "review", "sha256"],
        [
            [
                r.id,
                stamp(r.created_at),
                r.agent_id,
                r.verdict,
                r.score,
                r.review_state,
                r.code_sha256[:12],
            ]
            for r in rows
        ],
    )


@app.command("show")
def show(record_id: IdArg, db: DbOpt = None) -> None:
    """Show a screening in the queue (same as `airlock show`)."""
    with handled(), open_store(db) as store:
        d = store.get(record_id)
    for line in detail_lines(d):
        say(line)


def _decide(
    record_id: int,
    state: str,
    note: str,
    token: str | None,
    db: str | None,
    expires: str | None = None,
    sha256: str | None = None,
    ruleset_version: str | None = None,
    ruleset: str | None = None,
) -> None:
    from airlock.audit.reviews import decide

    with handled(), open_store(db) as store:
        when = parse_when(expires, future=True) if expires else None
        out = decide(
            store, record_id, state, token=token, note=note, expires_at=when,
            expected_sha256=sha256, expected_ruleset_version=ruleset_version,
            ruleset=load_ruleset_or_exit(ruleset) if ruleset else None,
        )  # fmt: skip
    r = out.review
    say(f"screening {record_id}: {r.state} by {r.by} (review {r.id})")
    if out.execution is not None:
        e = out.execution
        say(f"ran: outcome {e.outcome}, exit code {e.exit_code} (run {e.id})")
        if e.stdout:
            say(e.stdout.rstrip("\n"))
        if e.stderr:
            say(e.stderr.rstrip("\n"), err=True)
        if e.error or e.refused:
            say(f"run {'refused' if e.refused else 'failed'}: {e.refused or e.error}", err=True)
    if out.alert_error:
        say(f"airlock: warning: {out.alert_error}", err=True)


@app.command("approve")
def approve(
    record_id: IdArg,
    note: NoteOpt = "",
    sha256: ShaOpt = None,
    ruleset_version: RulesetVersionOpt = None,
    ruleset: ApproveRulesetOpt = None,
    token: TokenOpt = None,
    db: DbOpt = None,
) -> None:
    """Approve held code and run it under its recorded limits (exactly the screened code;
    screened again first if its rule set has a new version, and not run if now blocked)."""
    _decide(record_id, "approved", note, token, db, sha256=sha256, ruleset_version=ruleset_version)


@app.command("deny")
def deny(record_id: IdArg, note: NoteOpt = "", token: TokenOpt = None, db: DbOpt = None) -> None:
    """Deny it: it never runs."""
    _decide(record_id, "denied", note, token, db)


@app.command("false-positive")
def false_positive(
    record_id: IdArg, note: NoteOpt = "", token: TokenOpt = None, db: DbOpt = None
) -> None:
    """Mark the findings as a false positive (counts against the rules that fired)."""
    _decide(record_id, "false-positive", note, token, db)


@app.command("accept-risk")
def accept_risk(
    record_id: IdArg,
    expires: Annotated[str, typer.Option("--expires", help="Until when: 2026-12-31 or 30d.")],
    note: NoteOpt = "",
    token: TokenOpt = None,
    db: DbOpt = None,
) -> None:
    """Accept the risk until an expiry; afterwards it returns to the queue."""
    _decide(record_id, "accepted-risk", note, token, db, expires)
