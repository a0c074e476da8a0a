"""`airlock audit`: verify the trail, sign checkpoints of its head, show the public key."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from airlock.cli.common import EXIT_USAGE, DbOpt, command_group, fail, handled, open_store

if TYPE_CHECKING:
    from airlock.audit.checkpoint import Checkpoint

app = command_group(
    help="Check the audit trail and anchor it outside the store.", no_args_is_help=True
)

KEY_HELP = (
    "Ed25519 key file (default $AIRLOCK_CHECKPOINT_KEY or checkpoint.key in the user config "
    "folder, created 0600 on first use). For verify, a PEM public key also works."
)
KeyOpt = Annotated[Path | None, typer.Option("--key", help=KEY_HELP)]


@app.command("verify")
def verify(
    db: DbOpt = None,
    checkpoint: Annotated[
        Path | None,
        typer.Option(
            "--checkpoint", help="Also hold the store to this signed checkpoint of its head."
        ),
    ] = None,
    key: KeyOpt = None,
) -> None:
    """The database's integrity check, then the hash chain, then the checkpoint if given:
    OK with the count, or the first failure (exit 1)."""
    from airlock.audit.checkpoint import CheckpointError, load, verifying_key

    trusted, cp = None, None
    if checkpoint is not None:
        try:
            cp, trusted = load(checkpoint), verifying_key(key)
        except CheckpointError as exc:
            fail(str(exc), EXIT_USAGE)
    with handled(), open_store(db) as store:
        report = store.verify(cp, trusted)
    typer.echo(report.line())
    if not report.ok:
        raise typer.Exit(1)


@app.command("checkpoint")
def checkpoint(
    db: DbOpt = None,
    key: KeyOpt = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write the checkpoint to this file (default: stdout)."),
    ] = None,
) -> None:
    """Sign the chain's head (sequence, hash, time) with a key kept outside the store.

    Keep checkpoints where the store's writers cannot reach them; `airlock audit verify
    --checkpoint FILE` then fails on any rewrite, truncation, rollback or emptying of the
    records up to the checkpoint.
    """
    from airlock.audit.checkpoint import CheckpointError, signing_key, take

    try:
        signer = signing_key(key)
    except CheckpointError as exc:
        fail(str(exc), EXIT_USAGE)
    with handled(), open_store(db) as store, store.reading() as session:
        try:
            cp = take(session, signer)
        except CheckpointError as exc:
            fail(str(exc))
    if out is None:
        typer.echo(cp.dumps())
        return
    with handled():
        _write(out, cp)
    typer.echo(f"checkpoint of seq {cp.seq} ({cp.time}) written to {out}")


@app.command("public-key")
def public_key(key: KeyOpt = None) -> None:
    """Print the checkpoint key's public half (PEM), for an auditor's `verify --key`."""
    from airlock.audit.checkpoint import CheckpointError, public_pem, signing_key

    try:
        typer.echo(public_pem(signing_key(key, create=False)), nl=False)
    except CheckpointError as exc:
        fail(str(exc), EXIT_USAGE)


def _write(path: Path, cp: Checkpoint) -> None:
    """Replace `path` atomically with the checkpoint (never half a file)."""
    import os
    import tempfile

    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=".checkpoint-", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(cp.dumps() + "\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
