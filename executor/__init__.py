"""Airlock's executor: run agent-written Python in a confined, short-lived subprocess."""

from executor.models import ExecutionResult, LayerStatus, Limits, OutputFile

__all__ = ["ExecutionResult", "LayerStatus", "Limits", "OutputFile"]
