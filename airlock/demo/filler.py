"""`airlock demo`: fill a fresh store by sending a realistic mix of agent code through `audit.guard`.

Several agents and users send benign analysis code, risky and malicious
snippets, and code that runs into time and memory limits, spread over the past
two weeks; one agent turns bad in the last few days. Every snippet goes through
the real pipeline (scan → gate → run in the sandbox → record → alerts); the
only thing the demo changes is the time each screening is recorded at, so the
charts have a history. Afterwards a few reviewers' decisions and alert
acknowledgements are recorded the way the dashboard records them.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any

import yaml

from airlock.audit.store import Store

KINDS = ("benign", "risky", "malicious", "limits")
DEMO_LIMITS = {"timeout_s": 2.0, "cpu_s": 2, "memory_mb": 256}


@dataclass(frozen=True)
class Snippet:
    """One demo snippet (see airlock/demo/snippets/README.md)."""

    name: str
    kind: str
    code: str
    approve: bool = False


@dataclass(frozen=True)
class Agent:
    """A demo agent: who runs it and how its code is mixed (weights per kind)."""

    agent_id: str
    users: tuple[str, ...]
    mix: dict[str, float]
    turns_bad_days: int = 0  # in its last N days it sends mostly risky and malicious code


AGENTS: tuple[Agent, ...] = (
    Agent("etl-bot", ("alice",), {"benign": 85, "risky": 10, "limits": 5}),
    Agent("report-writer", ("bob", "carol"), {"benign": 90, "risky": 8, "limits": 2}),
    Agent(
        "research-assistant",
        ("carol",),
        {"benign": 80, "risky": 15, "limits": 5},
        turns_bad_days=3,
    ),
    Agent("notebook-copilot", ("dave", "alice"), {"benign": 70, "risky": 20, "limits": 10}),
    Agent("plugin-marketplace-7", ("erin",), {"benign": 35, "risky": 25, "malicious": 40}),
)


def load_snippets() -> dict[str, list[Snippet]]:
    """The shipped snippets by kind."""
    out: dict[str, list[Snippet]] = {k: [] for k in KINDS}
    folder = resources.files("airlock.demo") / "snippets"
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if not entry.name.endswith(".yaml"):
            continue
        for item in yaml.safe_load(entry.read_text(encoding="utf-8")) or []:
            snippet = Snippet(
                name=str(item["name"]),
                kind=str(item["kind"]),
                code=str(item["code"]),
                approve=bool(item.get("approve", False)),
            )
            if snippet.kind not in out:
                raise ValueError(
                    f"{entry.name}: snippet {snippet.name}: unknown kind {snippet.kind}"
                )
            out[snippet.kind].append(snippet)
    return out


@dataclass(frozen=True)
class Planned:
    """One screening the demo will send."""

    at: datetime
    agent: Agent
    user: str
    snippet: Snippet


def plan(
    count: int, *, days: int = 14, seed: int = 7, end: datetime | None = None
) -> list[Planned]:
    """`count` screenings spread over `days` ending now, oldest first (deterministic per seed)."""
    rng = random.Random(seed)
    snippets = load_snippets()
    end = end or datetime.now(UTC)
    start = end - timedelta(days=days)
    out: list[Planned] = []
    for _ in range(count):
        agent = rng.choice(AGENTS)
        # Working hours are busier: draw a day, then an hour weighted towards 8-18 UTC.
        day = rng.randrange(days)
        hour = rng.choices(range(24), weights=[1 if h < 7 or h > 19 else 4 for h in range(24)])[0]
        at = start + timedelta(
            days=day, hours=hour, minutes=rng.randrange(60), seconds=rng.random()
        )
        at = min(at, end - timedelta(seconds=1))
        mix = dict(agent.mix)
        if agent.turns_bad_days and at >= end - timedelta(days=agent.turns_bad_days):
            mix = {"benign": 30, "risky": 30, "malicious": 40}
        kinds = [k for k in mix if snippets[k]]
        kind = rng.choices(kinds, weights=[mix[k] for k in kinds])[0]
        out.append(Planned(at, agent, rng.choice(agent.users), rng.choice(snippets[kind])))
    return sorted(out, key=lambda p: p.at)


class _DemoStore(Store):
    """The real store; `record` takes the planned time instead of the clock's."""

    record_at: datetime | None = None

    def record(self, **kwargs: Any) -> Any:  # type: ignore[override]
        if self.record_at is not None and kwargs.get("created_at") is None:
            kwargs["created_at"] = self.record_at
        return super().record(**kwargs)


@dataclass
class DemoSummary:
    """What the demo recorded."""

    screenings: int
    decisions: Counter[str]
    verdicts: Counter[str]
    by_kind: Counter[str]
    alerts: dict[str, int]
    reviews: Counter[str]
    errors: list[str]
    seconds: float
    db: str


def run_demo(
    db: str | None,
    count: int,
    *,
    seed: int = 7,
    progress: Callable[[int, int], None] | None = None,
) -> DemoSummary:
    """Send `count` planned snippets through `audit.guard` into the store at `db`."""
    import time

    from airlock.audit.pipeline import guard
    from airlock.executor.models import Limits

    started = time.monotonic()
    store = _DemoStore(db)
    limits = Limits(**DEMO_LIMITS)
    decisions: Counter[str] = Counter()
    verdicts: Counter[str] = Counter()
    by_kind: Counter[str] = Counter()
    errors: list[str] = []
    try:
        # the demo's reviewers: pre-approved snippets run under one of their tokens, as an
        # approval must (an agent never approves its own code)
        tokens = {name: _reviewer_token(store, name) for name in ("alice", "bob")}
        planned = plan(count, seed=seed)
        for i, p in enumerate(planned, start=1):
            store.record_at = p.at.replace(tzinfo=UTC) if p.at.tzinfo is None else p.at
            result = guard(
                p.snippet.code,
                agent_id=p.agent.agent_id,
                user_id=p.user,
                session_id=f"{p.agent.agent_id}-{p.at:%Y%m%d}",
                limits=limits,
                approve=p.snippet.approve,
                token=tokens["alice"] if p.snippet.approve else None,
                store=store,
            )
            decisions[result.decision] += 1
            verdicts[result.verdict] += 1
            by_kind[p.snippet.kind] += 1
            if result.error and len(errors) < 5:
                errors.append(f"{p.snippet.name}: {result.error}")
            if progress is not None:
                progress(i, len(planned))
        store.record_at = None
        reviews = _review_some(store, random.Random(seed), tokens)
        alerts = dict(store.alert_counts())
    finally:
        store.close()
    return DemoSummary(
        screenings=sum(decisions.values()),
        decisions=decisions,
        verdicts=verdicts,
        by_kind=by_kind,
        alerts=alerts,
        reviews=reviews,
        errors=errors,
        seconds=time.monotonic() - started,
        db=store.display_url,
    )


def _reviewer_token(store: Store, name: str) -> str:
    """A fresh token for a demo reviewer (an older account of that name is revoked)."""
    from airlock.audit.errors import StoreError

    try:
        return store.add_reviewer(name)
    except StoreError:
        store.revoke_reviewer(name)
        return store.add_reviewer(name)


def _review_some(store: Store, rng: random.Random, tokens: dict[str, str]) -> Counter[str]:
    """Decide about part of the queue and acknowledge some alerts, as reviewers would."""
    from airlock.audit.reviews import decide

    done: Counter[str] = Counter()
    queue = store.review_queue(None, limit=500)
    rng.shuffle(queue)
    # Leave about half the queue open; decide the rest with a realistic spread.
    for screening in queue[: len(queue) // 2]:
        state = rng.choices(
            ["false-positive", "denied", "approved", "accepted-risk"], weights=[4, 3, 2, 1]
        )[0]
        expires = datetime.now(UTC) + timedelta(days=30) if state == "accepted-risk" else None
        try:
            decide(
                store,
                int(screening.id or 0),
                state,
                token=tokens[rng.choice(["alice", "bob"])],
                note=f"demo: {state} after a look at the code",
                expires_at=expires,
            )
            done[state] += 1
        except Exception:  # e.g. approving something that may not run; the demo goes on
            done["skipped"] += 1
    for alert in store.list_alerts(states=("open",), limit=200)[::3]:
        store.change_alert(int(alert.id or 0), "acknowledged", by="alice", note="demo: looking")
        done["alerts acknowledged"] += 1
    return done
