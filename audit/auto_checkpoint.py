"""Automatic checkpoints: every N chained records, a signed head goes to the alert sink.

With ``$AIRLOCK_CHECKPOINT_EVERY=N`` set, the pipeline asks after each recorded screening
whether the chain has crossed another multiple of N records since the last automatic
checkpoint; if so it signs the head (``checkpoint.take``, which verifies the whole chain
first) and records a low-severity ``chain-checkpoint`` alert whose detail is the
checkpoint's JSON line. That alert travels the durable outbox like any other, so the
checkpoint reaches the webhook or JSON-lines sink, outside the store's reach. A chain that
no longer verifies is never signed: a critical ``chain-broken`` alert is raised instead.

An auditor keeps the latest line and checks the store against it::

    jq -r 'select(.rule_id=="chain-checkpoint") | .detail' alerts.jsonl | tail -1 > cp.json
    airlock audit verify --checkpoint cp.json
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from sqlalchemy import select

from airlock.audit.events import AlertDraft
from airlock.audit.store import Store
from airlock.audit.tables import Alert, ChainHead

ENV_EVERY = "AIRLOCK_CHECKPOINT_EVERY"
RULE_ID = "chain-checkpoint"
BROKEN_RULE_ID = "chain-broken"
MAX_EVERY = 10**9


class CheckpointSettingError(ValueError):
    """$AIRLOCK_CHECKPOINT_EVERY is not a positive whole number."""


def every(environ: Mapping[str, str] | None = None) -> int | None:
    """N from $AIRLOCK_CHECKPOINT_EVERY, or None when automatic checkpoints are off."""
    raw = (os.environ if environ is None else environ).get(ENV_EVERY, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_EVERY:
        raise CheckpointSettingError(
            f"{ENV_EVERY} must be a whole number of records from 1 to {MAX_EVERY}, not {raw[:40]!r}"
        )
    return int(raw)


def due(store: Store, event_id: int, environ: Mapping[str, str] | None = None) -> AlertDraft | None:
    """The checkpoint (or chain-broken) alert due now, or None.

    Due when the head has reached a multiple of N that no automatic checkpoint covers yet;
    the dedup key names that multiple, so concurrent writers record it once.
    """
    n = every(environ)
    if n is None:
        return None
    from airlock.audit.checkpoint import CheckpointError, signing_key, take

    with store.reading() as session:
        head = session.get(ChainHead, 1)
        seq = head.seq if head else 0
        if seq < n:
            return None
        mark = seq // n
        key = f"{RULE_ID}:{n}:{mark}"
        seen = session.execute(
            select(Alert.id).where(Alert.dedup_key == key).limit(1)  # type: ignore[arg-type]
        ).first()
        if seen is not None:
            return None
        try:
            cp = take(session, signing_key())
        except CheckpointError as exc:
            return AlertDraft(
                rule_id=BROKEN_RULE_ID,
                severity="critical",
                title="The audit chain does not verify; no checkpoint was signed",
                detail=str(exc),
                event_ids=[event_id],
                dedup_key=f"{BROKEN_RULE_ID}:{mark}",
            )
    return AlertDraft(
        rule_id=RULE_ID,
        severity="low",
        title=f"Signed checkpoint of the audit chain at record {cp.seq}",
        detail=cp.dumps(),
        event_ids=[event_id],
        dedup_key=key,
    )
