"""A LangChain tool that runs Python through Airlock.

from airlock.adapters.langchain import AirlockPythonTool

tools = [AirlockPythonTool(agent_id="research-bot")]
"""

from __future__ import annotations

from typing import Any

from langchain_core.tools import BaseTool
from pydantic import BaseModel, ConfigDict, Field

from airlock.adapters.common import reply_text, run_code


class _Args(BaseModel):
    code: str = Field(description="Python source to run; print what you need to see.")


class AirlockPythonTool(BaseTool):
    """Runs Python screened, confined and recorded; returns its output or why it did not run."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    name: str = "python"
    description: str = (
        "Run Python code in a confined sandbox and return what it prints. Each call starts "
        "fresh (no state between calls). Code that Airlock blocks or holds for review does "
        "not run; the reply names the lines why."
    )
    args_schema: type[BaseModel] = _Args
    agent_id: str
    limits: Any = None
    store: Any = None

    def _run(self, code: str, **_: Any) -> str:
        ok, text = reply_text(
            run_code(code, agent_id=self.agent_id, limits=self.limits, store=self.store)
        )
        return text if ok else f"ERROR: {text}"
