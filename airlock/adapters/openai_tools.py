"""OpenAI-style function calling: the tool's schema and the handler of its calls.

    from airlock.adapters.openai_tools import TOOL, handle_tool_call

    response = client.chat.completions.create(model=..., messages=messages, tools=[TOOL])
    for call in response.choices[0].message.tool_calls or []:
        messages.append(handle_tool_call(call, agent_id="bot-1"))

Works with the `openai` package's objects or the same shapes as plain dicts.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from airlock.adapters.common import reply_text, run_code

if TYPE_CHECKING:
    from airlock.audit.store import Store
    from airlock.executor.models import Limits

NAME = "run_python"
TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": NAME,
        "description": (
            "Run Python in a confined sandbox and return what it prints. Each call starts "
            "fresh. Code Airlock blocks or holds for review does not run; the reply says why."
        ),
        "parameters": {
            "type": "object",
            "properties": {"code": {"type": "string", "description": "Python source to run."}},
            "required": ["code"],
            "additionalProperties": False,
        },
    },
}


def handle_tool_call(
    call: Any, *, agent_id: str, limits: Limits | None = None, store: Store | None = None
) -> dict[str, Any]:
    """The `role: tool` message answering one tool call (any other tool is refused)."""
    call_id, name, arguments = _parts(call)
    if name != NAME:
        return _answer(call_id, {"success": False, "error": f"unknown tool {name!r}"})
    try:
        args = json.loads(arguments or "{}")
    except ValueError as exc:
        return _answer(call_id, {"success": False, "error": f"arguments are not JSON: {exc}"})
    code = args.get("code") if isinstance(args, dict) else None
    if not isinstance(code, str):
        return _answer(call_id, {"success": False, "error": "the 'code' argument must be a string"})
    result = run_code(code, agent_id=agent_id, limits=limits, store=store)
    ok, text = reply_text(result)
    body: dict[str, Any] = {"success": ok, "output" if ok else "error": text}
    if not isinstance(result, str):
        body["record_id"] = result.record_id
    return _answer(call_id, body)


def _parts(call: Any) -> tuple[str, str, str]:
    if isinstance(call, dict):
        fn = call.get("function") or {}
        return str(call.get("id", "")), str(fn.get("name", "")), str(fn.get("arguments", ""))
    return str(call.id), str(call.function.name), str(call.function.arguments)


def _answer(call_id: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"role": "tool", "tool_call_id": call_id, "content": json.dumps(body)}
