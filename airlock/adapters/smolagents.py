"""A smolagents `PythonExecutor` that runs a CodeAgent's actions through Airlock, in one session.

    from smolagents import CodeAgent
    from airlock.adapters.smolagents import AirlockExecutor

    agent = CodeAgent(tools=[], model=model, executor=AirlockExecutor(agent_id="team-a"))
    agent.run("What is the 10th Fibonacci number?")
    agent.cleanup()  # ends the session

Every code action is screened, gated, recorded and run in one `executor.Session`, so a
later step sees the variables and imports of earlier ones. A blocked or held action is
not run: the agent reads why, with its own lines, and can try again. `final_answer(x)`
ends the run with `x` (carried back as JSON; anything else as its repr). The agent's
tools are defined in the session from their source, as smolagents' remote executors do;
that code is the host program's, so it runs unscreened (nothing the model wrote is in it).
"""

from __future__ import annotations

import ast
import json
from typing import TYPE_CHECKING, Any

from smolagents.local_python_executor import CodeOutput, PythonExecutor
from smolagents.tools import Tool, get_tools_definition_code

from airlock.adapters.common import reply_text, run_code

if TYPE_CHECKING:
    from airlock.audit.store import Store
    from airlock.executor import Limits, Session

FINAL = "_AirlockFinalAnswer"
# final_answer keeps its argument in the session and stops the action; the executor then
# reads it back as JSON (never unpickled, never evaluated)
FINAL_ANSWER = f"""
class {FINAL}(BaseException):
    pass

def final_answer(answer=None):
    global _airlock_final_answer
    _airlock_final_answer = answer
    raise {FINAL}()
"""
READ_FINAL = "__import__('json').dumps(_airlock_final_answer, default=repr)"


class AirlockRefused(RuntimeError):
    """An action Airlock did not run, or that failed; the message is what the agent reads."""


class AirlockExecutor(PythonExecutor):
    """Screened, confined, recorded and stateful execution for smolagents' CodeAgent."""

    def __init__(
        self,
        agent_id: str,
        *,
        limits: Limits | None = None,
        store: Store | None = None,
        session: Session | None = None,
    ) -> None:
        from airlock.executor import Session

        self.agent_id, self.limits, self.store = agent_id, limits, store
        self.session = session or Session(limits=limits)
        self.state: dict[str, Any] = {}  # smolagents reads "_print_outputs" here on errors

    def send_tools(self, tools: dict[str, Tool]) -> None:
        """Define the tools in the session (final_answer as Airlock's own)."""
        others = {name: t for name, t in tools.items() if name != "final_answer"}
        code = FINAL_ANSWER + ("\n" + get_tools_definition_code(others) if others else "")
        self._trusted(code, "the agent's tools could not be defined")

    def send_variables(self, variables: dict[str, Any]) -> None:
        """Put the agent's state variables (JSON-serialisable ones) into the session."""
        if not variables:
            return
        data = json.dumps(variables, default=lambda _: None)
        self._trusted(
            f"globals().update(__import__('json').loads({data!r}))",
            "the agent's variables could not be sent",
        )

    def _trusted(self, code: str, what: str) -> None:
        result = self.session.run(code, timeout_s=60)
        if result.exit_code != 0:
            raise AirlockRefused(f"{what}: {result.killed_reason or result.stderr[-2000:]}")

    def __call__(self, code_action: str) -> CodeOutput:
        """Run one action; its value, its printed output and whether it was the answer."""
        outcome = run_code(
            code_action, agent_id=self.agent_id, limits=self.limits, store=self.store,
            session=self.session,
        )  # fmt: skip
        ran = None if isinstance(outcome, str) else outcome.result
        logs = ran.stdout if ran is not None else ""
        self.state["_print_outputs"] = logs
        if ran is not None and ran.exit_code == 1 and ran.stderr.rstrip().endswith(FINAL):
            return CodeOutput(output=self._final_answer(), logs=logs, is_final_answer=True)
        ok, text = reply_text(outcome)
        if not ok:
            raise AirlockRefused(text)
        value = ran.value if ran is not None else None
        return CodeOutput(output=value, logs=logs, is_final_answer=False)

    def _final_answer(self) -> Any:
        result = self.session.run(READ_FINAL, timeout_s=30)
        try:
            return json.loads(ast.literal_eval(result.value or "''"))
        except (ValueError, SyntaxError, TypeError):
            raise AirlockRefused(
                "final_answer was called but its value could not be read back"
            ) from None

    def cleanup(self) -> None:
        """End the session (smolagents calls this from `agent.cleanup()`)."""
        self.session.close()
