"""An AutoGen `CodeExecutor` that runs every code block through Airlock.

    from autogen_agentchat.agents import CodeExecutorAgent
    from airlock.adapters.autogen import AirlockCodeExecutor

    agent = CodeExecutorAgent("runner", code_executor=AirlockCodeExecutor(agent_id="team-a"))

Blocks run in order, each screened and recorded on its own; the first that is blocked,
held or fails stops the rest (as AutoGen's own executors do). Only Python is accepted.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from autogen_core import CancellationToken
from autogen_core.code_executor import CodeBlock, CodeExecutor, CodeResult

from airlock.adapters.common import reply_text, run_code

if TYPE_CHECKING:
    from airlock.audit.store import Store
    from airlock.executor.models import Limits

PYTHON = ("python", "py", "python3")


class AirlockCodeExecutor(CodeExecutor):
    """Screened, confined, recorded execution for AutoGen agents."""

    def __init__(
        self, agent_id: str, *, limits: Limits | None = None, store: Store | None = None
    ) -> None:
        self.agent_id, self.limits, self.store = agent_id, limits, store

    async def execute_code_blocks(
        self, code_blocks: list[CodeBlock], cancellation_token: CancellationToken
    ) -> CodeResult:
        """Run each Python block through Airlock; stop at the first that does not succeed."""
        outputs: list[str] = []
        for block in code_blocks:
            if block.language.strip().lower() not in PYTHON:
                outputs.append(f"language {block.language!r} is not supported (python only)")
                return CodeResult(exit_code=1, output="\n".join(outputs))
            task = asyncio.ensure_future(
                asyncio.to_thread(
                    run_code,
                    block.code,
                    agent_id=self.agent_id,
                    limits=self.limits,
                    store=self.store,
                )
            )
            cancellation_token.link_future(task)
            result = await task
            ok, text = reply_text(result)
            outputs.append(text)
            if not ok:
                ran = None if isinstance(result, str) else result.result
                code = ran.exit_code if ran is not None and ran.exit_code else 1
                return CodeResult(exit_code=code, output="\n".join(outputs))
        return CodeResult(exit_code=0, output="\n".join(outputs))

    async def start(self) -> None:
        """Nothing to start: every run is a fresh sandbox."""

    async def stop(self) -> None:
        """Nothing to stop."""

    async def restart(self) -> None:
        """Nothing carries over between runs, so a restart changes nothing."""
