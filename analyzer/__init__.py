"""Airlock's static analyzer: parse agent-written Python once, find what is dangerous, decide."""

from airlock.analyzer.extract import extract_code
from airlock.analyzer.models import Confidence, Finding, Reason, Report, Severity, Verdict
from airlock.analyzer.ruleset import Policy, Rule, RuleSet, RuleSetError, load_ruleset
from airlock.analyzer.scan import scan

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
