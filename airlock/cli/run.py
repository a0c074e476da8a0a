"""`airlock run FILE|-`: screen agent-written Python, then run it in the confined executor.

The analyzer's verdict gates the run (`block` never runs, `review` runs only with
`--approve`); `--no-gate` skips the scan for sandbox-only use. Confinement never depends
on the verdict. The program's stdout and stderr go to ours as they are written (control
characters made visible on a terminal, and always on stderr), then one summary line goes
to stderr. With `--json`, stdout carries one JSON object instead: the ExecutionResult's
fields plus `verdict`, `score`, `decision` and `error`.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from airlock.cli.common import (
    RulesetOpt,
    TokenOpt,
    command_group,
    fail,
    load_ruleset_or_exit,
    visible,
)
from airlock.cli.run_outcome import (
    EXIT_AUTH,
    EXIT_CODES_HELP,
    EXIT_SANDBOX_FAILURE,
    EXIT_UNRECORDABLE,
    EXIT_USAGE,
    Outcome,
    exit_code_for,
    outcome_json,
    summary,
    write,
)

if TYPE_CHECKING:
    from airlock.executor.models import Limits

RUN_HELP = """Screen a Python file (or - for stdin), then run it in the confined executor.

A block verdict never runs; a review verdict runs only with --approve; --no-gate skips
the scan. The program's output goes to stdout/stderr, then one summary line to stderr."""


app = command_group()


def screen_and_run(
    code: str,
    *,
    ruleset: str,
    gate: bool,
    approve: bool,
    limits: Limits,
    files: dict[str, Path],
    allow_degraded: bool,
    db: str | None = None,
    agent: str | None = None,
    token: str | None = None,
    stdin: bytes | None = None,
    live: tuple[Callable[[bytes], object] | None, Callable[[bytes], object] | None] = (
        None,
        None,
    ),
) -> Outcome:
    """Scan (unless ``gate`` is off), let the verdict decide, run if allowed, record it.

    With the gate on, this is `audit.guard`: the screening, the decision and the run are
    recorded in the store (``db``, else $AIRLOCK_DB, else the user data dir), the decision
    before the program starts. Sandbox-only runs (``gate`` off) are not screened and not
    recorded. ``live`` receives stdout and stderr as they are written. Raises
    `StoreError` (nothing ran) and `AuthError` (``approve`` without a valid reviewer
    ``token``).
    """
    from airlock.executor import run as execute

    if gate:
        return _guarded(
            code, ruleset=ruleset, approve=approve, limits=limits, files=files,
            allow_degraded=allow_degraded, db=db, agent=agent, token=token, stdin=stdin,
            live=live,
        )  # fmt: skip
    report = None
    try:
        result = execute(
            code, limits=limits, files=files, allow_degraded=allow_degraded, stdin=stdin,
            on_stdout=live[0], on_stderr=live[1],
        )  # fmt: skip
    except ValueError as exc:  # invalid input file names or contents
        return Outcome("error", report, error=str(exc), usage_error=True)
    except Exception as exc:
        return Outcome("error", report, error=f"{type(exc).__name__}: {exc}")
    return Outcome("refused" if result.refused else "ran", report, result)


def _guarded(
    code: str,
    *,
    ruleset: str,
    approve: bool,
    limits: Limits,
    files: dict[str, Path],
    allow_degraded: bool,
    db: str | None,
    agent: str | None,
    token: str | None,
    stdin: bytes | None = None,
    live: tuple[Callable[[bytes], object] | None, Callable[[bytes], object] | None] = (
        None,
        None,
    ),
) -> Outcome:
    """screen → gate → record → run → record → alerts through `audit.guard`."""
    from airlock.audit.actor import default_user
    from airlock.audit.pipeline import GatePolicy, guard
    from airlock.audit.store import Store
    from airlock.executor.workfiles import load_inputs

    try:  # bad input files are a usage error, not a recorded failure
        inputs = load_inputs(files)
    except (ValueError, OSError) as exc:
        return Outcome("error", error=str(exc), usage_error=True)
    with Store(db) as store:
        if approve and not files:
            held = _resolve_held(store, code, token, ruleset)
            if held is not None:
                return held
        g = guard(
            code,
            agent_id=agent,
            user_id=default_user(),
            ruleset=ruleset,
            limits=limits,
            files=inputs,
            approve=approve,
            token=token,
            policy=GatePolicy(allow_degraded=allow_degraded),
            store=store,
            stdin=stdin,
            on_stdout=live[0],
            on_stderr=live[1],
        )
    return Outcome(
        g.decision, g.report, g.result, g.error, record_id=g.record_id, record_error=g.record_error
    )


def _resolve_held(store: Any, code: str, token: str | None, ruleset: str) -> Outcome | None:
    """`--approve` of code identical to an open held item, held under the same rule set,
    approves and runs that item (its exact code, under the limits it was screened with,
    checked against the rule set's current version) instead of adding a new record."""
    import hashlib

    from airlock.audit.queries import ScreeningFilter
    from airlock.audit.reviews import decide

    sha = hashlib.sha256(code.encode("utf-8", "surrogatepass")).hexdigest()
    f = ScreeningFilter(code_sha256=sha, review_states=["open"], gate_decisions=["held_for_review"])
    found = store.list_screenings(f, limit=1, order_by="id", descending=False)
    if not found:
        return None
    held, rules = found[0], load_ruleset_or_exit(ruleset)
    if held.ruleset != rules.name:
        return None
    out = decide(
        store, int(held.id or 0), "approved", token=token, expected_sha256=sha, ruleset=rules
    )
    result, ex = out.result, out.execution
    decision = "ran"
    if ex is not None and ex.outcome in ("refused", "error"):
        decision = ex.outcome
    return Outcome(
        decision,  # type: ignore[arg-type]
        None,
        result,
        ex.error if ex is not None else None,
        record_id=held.id,
        screened=(held.verdict, held.score),
    )


@app.command("run", help=RUN_HELP + "\n\n" + EXIT_CODES_HELP)
def run(
    source: Annotated[str, typer.Argument(metavar="FILE|-", help="A Python file, or - for stdin.")],
    approve: Annotated[
        bool, typer.Option("--approve", help="Run code whose verdict is review.")
    ] = False,
    no_gate: Annotated[
        bool, typer.Option("--no-gate", help="Skip the scan (sandbox-only use).")
    ] = False,
    ruleset: RulesetOpt = "default",
    timeout: Annotated[
        float | None,
        typer.Option("--timeout", min=0.001, max=86400, help="Wall-clock seconds (at most a day)."),
    ] = None,
    memory_mb: Annotated[
        int | None, typer.Option("--memory-mb", min=1, max=1 << 20, help="Memory limit in MB.")
    ] = None,
    network: Annotated[
        str,
        typer.Option(
            "--network",
            metavar="none|loopback|allow:HOST[:PORT],…",
            help="none; a private loopback only; or an egress allow-list: connections only "
            "to the listed hosts (a rule without a port allows 80 and 443, *.example.com "
            "names below it) through a proxy on the host, which resolves the names and "
            "records every attempt.",
        ),
    ] = "none",
    file: Annotated[
        list[str] | None,
        typer.Option("--file", metavar="NAME=PATH", help="An input file (repeatable)."),
    ] = None,
    allow_degraded: Annotated[
        bool,
        typer.Option("--allow-degraded", help="Run even if a required layer is unavailable."),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    db: Annotated[
        str | None,
        typer.Option("--db", help="Audit store: a SQLite path or URL (default $AIRLOCK_DB)."),
    ] = None,
    agent: Annotated[
        str | None, typer.Option("--agent", help="Agent id recorded with the screening.")
    ] = None,
    token: TokenOpt = None,
    pass_exit_code: Annotated[
        bool,
        typer.Option(
            "--pass-exit-code", help="Exit with the program's own code when it ran to completion."
        ),
    ] = False,
    output_dir: Annotated[
        Path | None,
        typer.Option(
            "--output-dir",
            metavar="DIR",
            help="Write the program's output files here (default: ./airlock-run-RECORD; "
            "with --json only when given).",
        ),
    ] = None,
    stdin: Annotated[
        str | None,
        typer.Option(
            "--stdin",
            metavar="PATH|-",
            help="Feed this file (or our stdin, when the code comes from a file) to the "
            "program's standard input, up to the limit of 16 MB; without it stdin is empty.",
        ),
    ] = None,
) -> None:
    """Screen a Python file, then run it confined."""
    try:
        code_out = _command(
            source, approve, no_gate, ruleset, timeout, memory_mb, network, file or [],
            allow_degraded, as_json, db, agent, token, pass_exit_code, output_dir, stdin,
        )  # fmt: skip
    except (typer.Exit, KeyboardInterrupt):
        raise
    except Exception as exc:  # never a traceback
        typer.echo(f"airlock: error: internal error: {type(exc).__name__}: {exc}", err=True)
        code_out = EXIT_SANDBOX_FAILURE
    raise typer.Exit(code_out)


def _command(
    source: str,
    approve: bool,
    no_gate: bool,
    ruleset: str,
    timeout: float | None,
    memory_mb: int | None,
    network: str,
    file: list[str],
    allow_degraded: bool,
    as_json: bool,
    db: str | None,
    agent: str | None,
    token: str | None = None,
    pass_exit_code: bool = False,
    output_dir: Path | None = None,
    stdin: str | None = None,
) -> int:
    from airlock.audit.errors import AuthError, StoreError, explain

    if stdin == "-" and source == "-":
        fail("--stdin - needs the code in a file: our stdin already carries the code", EXIT_USAGE)
    code = _read_source(source)
    files = _parse_files(file)
    limits = _limits(timeout, memory_mb, network)
    fed = None if stdin is None else _read_stdin(stdin, limits.max_stdin_bytes)
    if not no_gate:
        load_ruleset_or_exit(ruleset)
    from airlock.cli.live_output import LiveOutput

    out_live, err_live = LiveOutput(sys.stdout), LiveOutput(sys.stderr, always_safe=True)
    try:
        outcome = screen_and_run(
            code,
            ruleset=ruleset,
            gate=not no_gate,
            approve=approve,
            limits=limits,
            files=files,
            allow_degraded=allow_degraded,
            db=db,
            agent=agent,
            token=token,
            stdin=fed,
            live=(None, None) if as_json else (out_live, err_live),
        )
    except StoreError as exc:  # nothing runs that cannot be recorded
        fail(f"audit store: {explain(exc)} (not recorded, so not run)", EXIT_UNRECORDABLE)
    except AuthError as exc:
        fail(str(exc), EXIT_AUTH)
    except (TypeError, ValueError) as exc:  # the API's contract for bad text (surrogates…)
        fail(str(exc), EXIT_USAGE)
    except Exception as exc:  # the scan itself failed: fail closed, never a traceback
        outcome = Outcome("error", error=f"{type(exc).__name__}: {exc}")
    code_out = exit_code_for(outcome, pass_exit_code=pass_exit_code)
    note = _output_files(outcome, output_dir, as_json)
    if as_json:
        write(sys.stdout, json.dumps(outcome_json(outcome), ensure_ascii=True) + "\n")
    elif outcome.result is not None:
        out_live.finish()
        err_live.finish()
        if not out_live.received:  # not streamed (an approved held run): all of it now
            write(sys.stdout, _safe(sys.stdout, outcome.result.stdout))
        if not err_live.received:
            err = visible(outcome.result.stderr)  # shares the summary's stream: made safe
            write(sys.stderr, err + ("\n" if err and not err.endswith("\n") else ""))
        elif not err_live.ends_line:
            write(sys.stderr, "\n")  # the summary starts a line of its own
    if note:
        write(sys.stderr, visible(note, newlines=False) + "\n")
    write(sys.stderr, summary(outcome, code_out) + "\n")
    return code_out


def _output_files(outcome: Outcome, output_dir: Path | None, as_json: bool) -> str | None:
    """Write the run's output files (see executor.output_dir); one line saying what went
    where and what was left out, with each reason."""
    result = outcome.result
    if result is None or not (result.files or result.omitted_count):
        return None
    if output_dir is None and as_json:
        return None  # the JSON carries them
    from airlock.executor import output_dir as out

    target = output_dir or Path(f"airlock-run-{outcome.record_id or 'unrecorded'}")
    try:
        done = out.write(result.files, str(target))
    except OSError as exc:
        return f"airlock: files: not written to {target}: {exc.strerror or exc}"
    left = [f"{name} ({why})" for name, why in done.refused]
    left += [f"{o.name} ({o.reason})" for o in result.omitted]
    more = result.omitted_count - len(result.omitted)
    line = f"airlock: files: {len(done.written)} written to {target}"
    if left:
        line += f"; left out: {'; '.join(left)}" + (f"; and {more} more" if more else "")
    return line


def _safe(stream: Any, text: str) -> str:
    """The program's stdout as it may reach a terminal: escape sequences made visible
    (so that it cannot hide or rewrite what follows); raw into a file or a pipe (data)."""
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    return visible(text) if tty else text


def _read_stdin(source: str, limit: int) -> bytes:
    """What the program reads on stdin: a file's bytes or ours, at most `limit`."""
    try:
        if source == "-":
            data = sys.stdin.buffer.read(limit + 1)
        else:
            with open(source, "rb") as handle:
                data = handle.read(limit + 1)
    except OSError as exc:
        fail(f"cannot read --stdin {source}: {exc.strerror or exc}", EXIT_USAGE)
    if len(data) > limit:
        fail(f"--stdin {source} is larger than {limit} bytes", EXIT_USAGE)
    return data


def _read_source(source: str) -> str:
    try:
        raw = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    except OSError as exc:
        fail(f"cannot read {source}: {exc.strerror or exc}", EXIT_USAGE)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        fail(f"{source} is not UTF-8 text (byte {exc.start})", EXIT_USAGE)


def _parse_files(specs: list[str]) -> dict[str, Path]:
    files: dict[str, Path] = {}
    for spec in specs:
        name, sep, path = spec.partition("=")
        if not sep or not name or not path:
            fail(f"--file expects NAME=PATH, got {spec!r}", EXIT_USAGE)
        try:
            readable = Path(path).is_file()
        except (OSError, ValueError):
            readable = False
        if not readable:
            fail(f"--file {name}: {path} is not a readable file", EXIT_USAGE)
        if name in files:
            fail(f"--file {name} given twice", EXIT_USAGE)
        files[name] = Path(path)
    return files


def _limits(timeout: float | None, memory_mb: int | None, network: str) -> Limits:
    from airlock.executor import Limits

    values: dict[str, Any] = {}
    try:
        values["network"] = Limits(network=network).network
    except ValueError as exc:  # pydantic's ValidationError: keep the one line that matters
        errors = getattr(exc, "errors", None)
        why = errors()[0]["msg"].removeprefix("Value error, ") if errors else str(exc)
        fail(f"--network: {why}", EXIT_USAGE)
    if timeout is not None and not math.isfinite(timeout):
        fail(f"--timeout must be a finite number of seconds, not {timeout}", EXIT_USAGE)
    if timeout is not None:
        values["timeout_s"] = timeout
        values["cpu_s"] = max(Limits().cpu_s, math.ceil(timeout))
    if memory_mb is not None:
        values["memory_mb"] = memory_mb
    return Limits(**values)
