"""Airlock for agent frameworks: each adapter screens, runs confined and records every
piece of code through `guard`, as the identity its host program gives it.

- `airlock.adapters.autogen.AirlockCodeExecutor`: an AutoGen `CodeExecutor`
  (`pip install 'airlock[autogen]'`).
- `airlock.adapters.langchain.AirlockPythonTool`: a LangChain tool
  (`pip install 'airlock[langchain]'`).
- `airlock.adapters.openai_tools`: the OpenAI function-calling schema and its handler
  (no extra needed).

The agent never chooses the identity recorded or the limits; blocked and held code does
not run, and the reply names the agent's own lines that caused it.
"""
