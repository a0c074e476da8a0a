"""One screening's detail (code, findings, gate decision, runs, reviews) as text or JSON data.

The lines carry untrusted text (code, outputs, ids, notes): print them with
`common.say`, which makes control characters visible."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from airlock.cli.common import stamp

if TYPE_CHECKING:
    from airlock.audit.queries import ScreeningDetail


def detail_data(d: ScreeningDetail) -> dict[str, Any]:
    """The screening with its findings, executions and reviews, JSON-ready."""
    return d.as_data()


def _egress_lines(e: Any) -> Iterator[str]:
    """An allow-list run's attempts, as the host-side proxy recorded them."""
    if e.egress is None:
        return
    network = (e.limits or {}).get("network", "?")
    yield f"  egress: {e.egress_count} attempt(s) through the proxy ({network})"
    for a in e.egress:
        host = str(a.get("host") or "?")
        host = f"[{host}]" if ":" in host else host
        word = "allowed" if a.get("allowed") else "DENIED"
        via = f" via {a.get('address')}" if a.get("address") else ""
        why = f": {a.get('reason')}" if a.get("reason") else ""
        yield (
            f"    {word} {a.get('method')} {host}:{a.get('port')}{via}"
            f"  out {a.get('bytes_out')} B  in {a.get('bytes_in')} B{why}"
        )
    if e.egress_count > len(e.egress):
        yield f"    … and {e.egress_count - len(e.egress)} more, not listed"


def detail_lines(d: ScreeningDetail) -> Iterator[str]:
    """The screening as lines of text, in the order a reviewer reads it."""
    s = d.screening
    yield (
        f"screening {s.id}  {stamp(s.created_at)} UTC  agent={s.agent_id or '-'}  user={s.user_id or '-'}  session={s.session_id or '-'}"
        + (f" call {s.call_index}" if s.call_index is not None else "")
    )
    yield f"verdict {s.verdict}  score {s.score}  gate {s.gate_decision}  outcome {s.outcome or '-'}  review {s.review_state or '-'}  ruleset {s.ruleset} {s.ruleset_version}".rstrip()
    yield f"sha256 {s.code_sha256}"
    if s.error:
        yield f"error: {s.error}"
    for reason in s.reasons or []:
        yield f"reason: {reason.get('text', '')}"
    yield "--- code ---" + (" (holds NUL bytes, shown as U+FFFD)" if s.code_b64 else "")
    yield s.code.rstrip("\n")
    yield "--- findings ---" if d.findings else "--- no findings ---"
    for f in d.findings:
        mark = " (suppressed)" if f.suppressed else ""
        yield f"  line {f.line}: {f.rule_id} [{f.severity}/{f.confidence}] {f.message}{mark}"
    for e in d.executions:
        approved = f", approved by {e.approved_by}" if e.approved_by else ""
        yield f"--- run {e.id} ({e.trigger}{approved}) ---"
        yield f"  outcome {e.outcome}  exit {e.exit_code}  signal {e.signal}  wall {e.wall_s:.3f}s  cpu {e.cpu_s:.3f}s"
        layers = ", ".join(f"{x.get('name')}={x.get('status')}" for x in e.layers or [])
        yield f"  layers: {layers or '-'}"
        if e.refused or e.error:
            yield f"  {'refused' if e.refused else 'error'}: {e.refused or e.error}"
        if e.stdout:
            yield "  stdout:" + (" (truncated)" if e.stdout_truncated else "")
            yield "    " + e.stdout.rstrip("\n").replace("\n", "\n    ")
        if e.stderr:
            yield "  stderr:" + (" (truncated)" if e.stderr_truncated else "")
            yield "    " + e.stderr.rstrip("\n").replace("\n", "\n    ")
        if e.value is not None:
            yield "  value: " + e.value.replace("\n", "\n    ")
        for item in e.display or []:
            yield f"  display: {item.get('mime')} ({item.get('size')} bytes, sha256 {item.get('sha256')})"
        for f in e.files or []:
            cut = ", truncated" if f.get("truncated") else ""
            yield f"  file: {f.get('name')} ({f.get('size')} bytes{cut})"
        yield from _egress_lines(e)
    for r in d.reviews:
        until = f" until {stamp(r.expires_at)}" if r.expires_at else ""
        yield f"--- review {r.id}: {r.state}{until} by {r.by} at {stamp(r.created_at)}: {r.note or '-'}"
