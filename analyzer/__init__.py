"""Airlock's static analyzer: parse agent-written Python once, find what is dangerous, decide."""

from analyzer.extract import extract_code
from analyzer.models import Confidence, Finding, Reason, Report, Severity, Verdict
from analyzer.ruleset import Policy, Rule, RuleSet, RuleSetError, load_ruleset
from analyzer.scan import scan

__all__ = [
    "Confidence",
    "Finding",
    "Policy",
    "Reason",
    "Report",
    "Rule",
    "RuleSet",
    "RuleSetError",
    "Severity",
    "Verdict",
    "extract_code",
    "load_ruleset",
    "scan",
]
