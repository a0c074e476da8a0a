"""The reply of `/execute`: the remote-sandbox contract's fields plus Airlock's."""

from __future__ import annotations

from typing import Any


def execute_reply(outcome: Any) -> dict[str, Any]:
    """`{"success", "output", "error"}`, stderr, files, value, display, verdict and record
    id (`GuardResult.as_dict`), with the gate's decision, the exit code and the outcome."""
    from airlock.audit.convert import outcome_of

    reply = outcome.as_dict()  # the contract's fields plus stderr and files (standard base64)
    result = outcome.result
    reply["decision"] = outcome.decision
    reply["exit_code"] = result.exit_code if result else None
    reply["outcome"] = outcome_of(result) if result else None
    return reply
