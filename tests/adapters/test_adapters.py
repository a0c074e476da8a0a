"""Each adapter inside its real framework (from PyPI), driven by a scripted model or
message, running code through the real pipeline into a real SQLite store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest

from airlock.audit.store import Store

BLOCKED = "import base64\nexec(base64.b64decode('cHJpbnQoMSk='))\n"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(str(tmp_path / "store.db")) as s:
        yield s


def _agents(store: Store) -> list[str | None]:
    return [s.agent_id for s in store.list_screenings()]


def test_autogen_code_executor_agent_runs_python_blocks_through_airlock(store: Store) -> None:
    from autogen_agentchat.agents import CodeExecutorAgent
    from autogen_agentchat.messages import TextMessage
    from autogen_core import CancellationToken

    from airlock.adapters.autogen import AirlockCodeExecutor

    agent = CodeExecutorAgent("runner", code_executor=AirlockCodeExecutor("team-a", store=store))

    async def ask(text: str) -> str:
        reply = await agent.on_messages(
            [TextMessage(content=text, source="assistant")], CancellationToken()
        )
        return str(reply.chat_message.content)

    ran = anyio.run(ask, "Here:\n```python\nprint(sum(range(10)))\n```")
    assert ran.strip() == "45"
    refused = anyio.run(ask, f"```python\n{BLOCKED}```")
    assert "blocked by Airlock" in refused and "line 2: exec(base64.b64decode(" in refused
    assert _agents(store) == ["team-a", "team-a"]


def test_autogen_refuses_other_languages_without_running_them(store: Store) -> None:
    from autogen_core import CancellationToken
    from autogen_core.code_executor import CodeBlock

    from airlock.adapters.autogen import AirlockCodeExecutor

    executor = AirlockCodeExecutor("team-a", store=store)
    result = anyio.run(
        executor.execute_code_blocks, [CodeBlock("rm -rf /", "bash")], CancellationToken()
    )
    assert result.exit_code == 1 and "python only" in result.output and _agents(store) == []


def test_langchain_tool_answers_a_scripted_models_tool_call(store: Store) -> None:
    from langchain_core.language_models.fake_chat_models import FakeMessagesListChatModel
    from langchain_core.messages import AIMessage, ToolMessage

    from airlock.adapters.langchain import AirlockPythonTool

    tool = AirlockPythonTool(agent_id="research-bot", store=store)
    model = FakeMessagesListChatModel(
        responses=[
            AIMessage(
                content="",
                tool_calls=[{"name": "python", "args": {"code": "print(2 ** 10)"}, "id": "c1"}],
            ),
            AIMessage(
                content="", tool_calls=[{"name": "python", "args": {"code": BLOCKED}, "id": "c2"}]
            ),
        ]
    )
    answers = []
    for _ in range(2):
        call = model.invoke("go").tool_calls[0]
        message = tool.invoke(call)
        assert isinstance(message, ToolMessage) and message.tool_call_id == call["id"]
        answers.append(message.content)
    assert answers[0] == "1024\n"
    assert answers[1].startswith("ERROR: blocked by Airlock") and "line 2:" in answers[1]
    assert set(_agents(store)) == {"research-bot"}


def test_openai_tool_calls_from_a_scripted_completion(store: Store) -> None:
    from openai.types.chat import ChatCompletion

    from airlock.adapters.openai_tools import TOOL, handle_tool_call

    assert TOOL["function"]["parameters"]["required"] == ["code"]
    completion = ChatCompletion.model_validate(
        {
            "id": "x", "object": "chat.completion", "created": 0, "model": "scripted",
            "choices": [{
                "index": 0, "finish_reason": "tool_calls",
                "message": {"role": "assistant", "content": None, "tool_calls": [
                    {"id": "a", "type": "function", "function": {"name": "run_python", "arguments": json.dumps({"code": "print('hi')"})}},
                    {"id": "b", "type": "function", "function": {"name": "run_python", "arguments": json.dumps({"code": BLOCKED})}},
                    {"id": "c", "type": "function", "function": {"name": "shell", "arguments": "{}"}},
                    {"id": "d", "type": "function", "function": {"name": "run_python", "arguments": "{oops"}},
                    {"id": "e", "type": "function", "function": {"name": "run_python", "arguments": json.dumps({"code": "print('\ud800')"})}},
                ]},
            }],
        }
    )  # fmt: skip
    calls = completion.choices[0].message.tool_calls
    answers = [handle_tool_call(c, agent_id="bot-1", store=store) for c in calls]
    bodies = [json.loads(a["content"]) for a in answers]
    assert [a["tool_call_id"] for a in answers] == ["a", "b", "c", "d", "e"]
    assert bodies[0]["success"] and bodies[0]["output"] == "hi\n"
    assert not bodies[1]["success"] and "line 2: exec(" in bodies[1]["error"]
    assert bodies[2] == {"success": False, "error": "unknown tool 'shell'"}
    assert not bodies[3]["success"] and "not JSON" in bodies[3]["error"]
    assert not bodies[4]["success"] and "lone surrogates" in bodies[4]["error"]  # no crash
    assert set(_agents(store)) == {"bot-1"}  # only the two run_python calls were recorded
    assert len(_agents(store)) == 2


def test_smolagents_code_agent_keeps_state_reads_blocks_and_answers(store: Store) -> None:
    from smol_tools import Doubler
    from smolagents import CodeAgent
    from smolagents.models import ChatMessage, MessageRole, Model

    from airlock.adapters.smolagents import AirlockExecutor

    steps = [
        "Thought: set it up.\n<code>\nx = 40\nprint('x is set')\n</code>",
        f"Thought: try something else.\n<code>\n{BLOCKED}</code>",
        "Thought: answer.\n<code>\nfinal_answer(double(x) + 2)\n</code>",
    ]
    seen: list[str] = []

    class Scripted(Model):
        def generate(self, messages, stop_sequences=None, **kwargs):  # type: ignore[no-untyped-def]
            seen.append(
                json.dumps([str(m.content if hasattr(m, "content") else m) for m in messages])
            )
            return ChatMessage(role=MessageRole.ASSISTANT, content=steps[len(seen) - 1])

    executor = AirlockExecutor("smol-agent", store=store)
    agent = CodeAgent(tools=[Doubler()], model=Scripted(), executor=executor, max_steps=5)
    try:
        answer = agent.run("What is double(40) + 2?")
    finally:
        agent.cleanup()
    assert answer == 82
    assert "x is set" in seen[1]  # the first action's output reached the model
    assert "blocked by Airlock" in seen[2] and "line 2: exec(base64.b64decode(" in seen[2]
    rows = store.list_screenings()
    mine = sorted((r for r in rows if r.agent_id == "smol-agent"), key=lambda r: r.id or 0)
    assert [r.gate_decision for r in mine] == ["ran", "blocked", "ran"]
    assert {r.session_id for r in mine} == {executor.session.id}
    assert [r.call_index for r in mine] == [1, 2, 3]
    assert not executor.session.alive  # cleanup ended it
