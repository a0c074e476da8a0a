"""`airlock run FILE|-`: screen agent-written Python, then run it in the confined executor.

The analyzer's verdict gates the run (`block` never runs, `review` runs only with
`--approve`); `--no-gate` skips the scan for sandbox-only use. Confinement never depends
on the verdict. The program's stdout and stderr go to ours, then one summary line goes
to stderr. With `--json`, stdout carries one JSON object instead: the ExecutionResult's
fields plus `verdict`, `score`, `decision` and `error`.
"""

from __future__ import annotations

import base64
import json
import math
import sys
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

if TYPE_CHECKING:
    from analyzer.models import Report
    from executor.models import ExecutionResult, Limits

EXIT_USAGE = 2
EXIT_BLOCKED = 3
EXIT_REVIEW = 4
EXIT_REFUSED = 5
EXIT_SANDBOX_FAILURE = 70
EXIT_TIMEOUT = 124
EXIT_KILLED = 137

EXIT_CODES_HELP = f"""
Exit status: the program's own exit code when it ran to completion; otherwise
{EXIT_USAGE} usage error (missing file, bad --file, unknown rule set),
{EXIT_BLOCKED} blocked by the analyzer (never ran),
{EXIT_REVIEW} verdict is review and --approve was not given (did not run),
{EXIT_REFUSED} refused: a required isolation layer is unavailable (see --allow-degraded),
{EXIT_SANDBOX_FAILURE} the sandbox itself failed,
{EXIT_TIMEOUT} timed out (wall clock),
{EXIT_KILLED} killed: memory limit, another limit or a signal.
"""

RUN_HELP = """Screen a Python file (or - for stdin), then run it in the confined executor.

A block verdict never runs; a review verdict runs only with --approve; --no-gate skips
the scan. The program's output goes to stdout/stderr, then one summary line to stderr."""

Decision = Literal["ran", "blocked", "held_for_review", "refused", "error"]


class Network(StrEnum):
    none = "none"
    loopback = "loopback"


@dataclass
class Outcome:
    """What the gate decided and, if the code ran, what happened."""

    decision: Decision
    report: Report | None = None
    result: ExecutionResult | None = None
    error: str | None = None
    usage_error: bool = False


def register(app: typer.Typer) -> None:
    """Attach this module's commands to the `airlock` app."""
    app.command("run", help=RUN_HELP + "\n\n" + EXIT_CODES_HELP)(run)


def screen_and_run(
    code: str,
    *,
    ruleset: str,
    gate: bool,
    approve: bool,
    limits: Limits,
    files: dict[str, Path],
    allow_degraded: bool,
) -> Outcome:
    """Scan (unless ``gate`` is off), let the verdict decide, run if allowed. Never raises."""
    from executor import run as execute

    report = None
    if gate:
        from analyzer import scan

        report = scan(code, ruleset=ruleset)
        if report.verdict == "block":
            return Outcome("blocked", report)
        if report.verdict == "review" and not approve:
            return Outcome("held_for_review", report)
    try:
        result = execute(code, limits=limits, files=files, allow_degraded=allow_degraded)
    except ValueError as exc:  # invalid input file names or contents
        return Outcome("error", report, error=str(exc), usage_error=True)
    except Exception as exc:
        return Outcome("error", report, error=f"{type(exc).__name__}: {exc}")
    return Outcome("refused" if result.refused else "ran", report, result)


def exit_code_for(outcome: Outcome) -> int:
    """The documented exit status for an outcome (see EXIT_CODES_HELP)."""
    result = outcome.result
    if outcome.decision == "blocked":
        return EXIT_BLOCKED
    if outcome.decision == "held_for_review":
        return EXIT_REVIEW
    if outcome.decision == "refused":
        return EXIT_REFUSED
    if outcome.decision == "error" or result is None:
        return EXIT_USAGE if outcome.usage_error else EXIT_SANDBOX_FAILURE
    if result.timed_out:
        return EXIT_TIMEOUT
    if result.memory_exceeded or result.signal is not None:
        return EXIT_KILLED
    if result.exit_code is None:
        reason = result.killed_reason or ""
        return EXIT_SANDBOX_FAILURE if reason.startswith("sandbox failure") else EXIT_KILLED
    return result.exit_code & 0xFF


def run(
    source: Annotated[str, typer.Argument(metavar="FILE|-", help="A Python file, or - for stdin.")],
    approve: Annotated[
        bool, typer.Option("--approve", help="Run code whose verdict is review.")
    ] = False,
    no_gate: Annotated[
        bool, typer.Option("--no-gate", help="Skip the scan (sandbox-only use).")
    ] = False,
    ruleset: Annotated[
        str, typer.Option("--ruleset", "-r", help="A shipped rule set's name or a YAML file.")
    ] = "default",
    timeout: Annotated[
        float | None, typer.Option("--timeout", min=0.001, help="Wall-clock seconds.")
    ] = None,
    memory_mb: Annotated[
        int | None, typer.Option("--memory-mb", min=1, help="Memory limit in MB.")
    ] = None,
    network: Annotated[
        Network, typer.Option("--network", help="none, or a private loopback only.")
    ] = Network.none,
    file: Annotated[
        list[str] | None,
        typer.Option("--file", metavar="NAME=PATH", help="An input file (repeatable)."),
    ] = None,
    allow_degraded: Annotated[
        bool,
        typer.Option("--allow-degraded", help="Run even if a required layer is unavailable."),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Screen a Python file, then run it confined."""
    try:
        code_out = _command(
            source, approve, no_gate, ruleset, timeout, memory_mb, network, file or [],
            allow_degraded, as_json,
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
    network: Network,
    file: list[str],
    allow_degraded: bool,
    as_json: bool,
) -> int:
    code = _read_source(source)
    files = _parse_files(file)
    limits = _limits(timeout, memory_mb, network)
    if not no_gate:
        _check_ruleset(ruleset)
    try:
        outcome = screen_and_run(
            code,
            ruleset=ruleset,
            gate=not no_gate,
            approve=approve,
            limits=limits,
            files=files,
            allow_degraded=allow_degraded,
        )
    except Exception as exc:  # the scan itself failed: fail closed, never a traceback
        outcome = Outcome("error", error=f"{type(exc).__name__}: {exc}")
    code_out = exit_code_for(outcome)
    if as_json:
        _write(sys.stdout, json.dumps(_as_json(outcome), ensure_ascii=True) + "\n")
    elif outcome.result is not None:
        _write(sys.stdout, outcome.result.stdout)
        _write(sys.stderr, outcome.result.stderr)
    _write(sys.stderr, summary(outcome, code_out) + "\n")
    return code_out


def summary(outcome: Outcome, code: int) -> str:
    """One line: verdict, what happened, exit status, wall time, layers."""
    parts = ["airlock:"]
    if outcome.report is not None:
        parts.append(f"verdict={outcome.report.verdict} score={outcome.report.score}")
    else:
        parts.append("verdict=not-screened")
    parts.append(f"decision={outcome.decision}")
    result = outcome.result
    if outcome.decision in ("blocked", "held_for_review") and outcome.report is not None:
        reasons = "; ".join(r.text for r in outcome.report.reasons[:3])
        if reasons:
            parts.append(f"reasons={reasons!r}")
        if outcome.decision == "held_for_review":
            parts.append("(re-run with --approve to run it)")
    if result is not None:
        if result.refused:
            parts.append(f"refused={result.refused!r} (see --allow-degraded)")
        else:
            parts.append(f"exit={code} wall={result.wall_s:.2f}s")
            flags = [
                name
                for name, on in (
                    ("timed-out", result.timed_out),
                    ("memory-exceeded", result.memory_exceeded),
                    ("stdout-truncated", result.stdout_truncated),
                    ("stderr-truncated", result.stderr_truncated),
                    ("DEGRADED", result.degraded),
                )
                if on
            ]
            if result.signal is not None:
                flags.append(f"signal={result.signal}")
            if result.killed_reason:
                flags.append(f"killed={result.killed_reason!r}")
            parts += flags
        active = [layer.name for layer in result.layers if layer.status == "active"]
        others = [str(layer) for layer in result.layers if layer.status != "active"]
        parts.append(f"layers={len(active)}/{len(result.layers)} active")
        if others:
            parts.append("(" + "; ".join(others) + ")")
    if outcome.error:
        parts.append(f"error={outcome.error!r}")
    return " ".join(parts).replace("\n", " ")


def _fail(message: str) -> typer.Exit:
    typer.echo(f"airlock: error: {message}", err=True)
    return typer.Exit(EXIT_USAGE)


def _read_source(source: str) -> str:
    try:
        raw = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    except OSError as exc:
        raise _fail(f"cannot read {source}: {exc.strerror or exc}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _fail(f"{source} is not UTF-8 text (byte {exc.start})") from None


def _parse_files(specs: list[str]) -> dict[str, Path]:
    files: dict[str, Path] = {}
    for spec in specs:
        name, sep, path = spec.partition("=")
        if not sep or not name or not path:
            raise _fail(f"--file expects NAME=PATH, got {spec!r}")
        try:
            readable = Path(path).is_file()
        except (OSError, ValueError):
            readable = False
        if not readable:
            raise _fail(f"--file {name}: {path} is not a readable file")
        if name in files:
            raise _fail(f"--file {name} given twice")
        files[name] = Path(path)
    return files


def _limits(timeout: float | None, memory_mb: int | None, network: Network) -> Limits:
    from executor import Limits

    values: dict[str, Any] = {"network": network.value}
    if timeout is not None:
        values["timeout_s"] = timeout
        values["cpu_s"] = max(Limits().cpu_s, math.ceil(timeout))
    if memory_mb is not None:
        values["memory_mb"] = memory_mb
    return Limits(**values)


def _check_ruleset(name: str) -> None:
    from analyzer import load_ruleset

    try:
        load_ruleset(name)
    except Exception as exc:  # RuleSetError, YAML and validation errors alike
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise _fail(f"bad rule set {name!r}: {first}") from None


def _as_json(outcome: Outcome) -> dict[str, Any]:
    from executor import ExecutionResult

    result = outcome.result or ExecutionResult()
    try:
        data = result.model_dump(mode="json")
    except ValueError:  # undecodable bytes or names: fall back to base64 / escaped text
        data = _plain(result.model_dump(mode="python"))
    report = outcome.report
    data.update(
        verdict=str(report.verdict) if report else None,
        score=report.score if report else None,
        reasons=[r.text for r in report.reasons] if report else [],
        decision=outcome.decision,
        error=outcome.error,
    )
    return data


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _write(stream: Any, text: str) -> None:
    if not text:
        return
    if not hasattr(stream, "buffer"):
        stream.write(text)
        return
    try:
        stream.buffer.write(text.encode("utf-8", "surrogateescape"))
        stream.flush()
    except UnicodeEncodeError:
        stream.buffer.write(text.encode("utf-8", "replace"))
        stream.flush()
    except BrokenPipeError:
        pass
