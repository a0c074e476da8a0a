"""Airlock's static analyzer: parse agent-written Python once, find what is dangerous, decide."""

from analyzer.models import Confidence, Finding, Reason, Report, Severity, Verdict

__all__ = ["Confidence", "Finding", "Reason", "Report", "Severity", "Verdict"]
