"""What every adapter shares: one call through `guard` and the text the agent reads back."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airlock.audit.pipeline import GuardResult
    from airlock.audit.store import Store
    from airlock.executor.models import Limits
    from airlock.executor.session import Session

MAX_LINES_SHOWN = 5


def run_code(
    code: object,
    *,
    agent_id: str,
    limits: Limits | None = None,
    store: Store | None = None,
    session_id: str | None = None,
    session: Session | None = None,
) -> GuardResult | str:
    """Screen, gate, run confined and record `code` as `agent_id` (set by the host program).

    Whatever the model sends, this returns: a `GuardResult`, or the one-line reason the
    code was not even screened (not text, lone surrogates, the store unavailable).
    """
    from airlock.audit.errors import StoreError
    from airlock.audit.pipeline import guard

    if not isinstance(code, str):
        return f"code must be a string, not {type(code).__name__}"
    try:
        return guard(
            code, agent_id=agent_id, limits=limits, store=store, session_id=session_id,
            session=session,
        )  # fmt: skip
    except (TypeError, ValueError) as exc:
        return f"not run: {exc}"
    except StoreError as exc:  # nothing runs that cannot be recorded first
        return f"not run: the audit store is unavailable ({exc})"


def reply_text(result: GuardResult | str) -> tuple[bool, str]:
    """(ran and exited 0, the text to hand back to the model)."""
    if isinstance(result, str):
        return False, result
    data = result.as_dict()
    if data["success"]:
        return True, data["output"]
    parts = [str(data["error"] or "failed")]
    if result.decision in ("blocked", "held_for_review") and result.report is not None:
        parts += [f"  {line}" for line in lines_behind(result)]
    if result.result is not None:
        if result.result.stdout:
            parts.append("stdout:\n" + result.result.stdout.rstrip("\n"))
        if result.result.stderr:
            parts.append("stderr:\n" + result.result.stderr.rstrip("\n")[-4000:])
    return False, "\n".join(parts)


def lines_behind(result: GuardResult) -> list[str]:
    """The agent's own lines behind a block or hold: `line N: <source> (RULE: message)`."""
    report = result.report
    if report is None:
        return []
    shown: list[str] = []
    seen: set[int] = set()
    for f in sorted(report.findings, key=lambda f: (-_weight(f), f.line)):
        if f.suppressed or f.line in seen:
            continue
        seen.add(f.line)
        source = (f.source_line or "").strip()[:120]
        shown.append(f"line {f.line}: {source} ({f.rule_id}: {f.message})")
        if len(shown) == MAX_LINES_SHOWN:
            break
    return sorted(shown, key=lambda s: int(s.split(":", 1)[0].split()[1]))


def _weight(finding: Any) -> int:
    return {"high": 3, "medium": 2, "low": 1}.get(str(getattr(finding.severity, "value", "")), 0)
