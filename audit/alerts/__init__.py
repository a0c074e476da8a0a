"""Alerts over recorded events: YAML rules, the engine, secret detectors and delivery.

`evaluate(event, history)` proposes `AlertDraft`s for one recorded event;
`deliver(alerts, Delivery(...))` sends stored alerts to a webhook and/or a
JSON-lines log and reports a `DeliveryStatus` per target.
"""

from __future__ import annotations

from airlock.audit.alerts.deliver import (
    Delivery,
    DeliveryConfigError,
    DeliveryStatus,
    alert_payload,
    deliver,
)
from airlock.audit.alerts.engine import evaluate
from airlock.audit.alerts.rules import (
    AlertRule,
    AlertRules,
    AlertRulesError,
    active_alert_rules,
    default_alert_rules,
    load_alert_rules,
)
from airlock.audit.alerts.secrets import SecretFinding, find_secrets, redact

__all__ = [
    "AlertRule",
    "AlertRules",
    "AlertRulesError",
    "Delivery",
    "DeliveryConfigError",
    "DeliveryStatus",
    "SecretFinding",
    "active_alert_rules",
    "alert_payload",
    "default_alert_rules",
    "deliver",
    "evaluate",
    "find_secrets",
    "load_alert_rules",
    "redact",
]
