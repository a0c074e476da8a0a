"""A writer process for the concurrency tests: `python audit_worker.py URL COUNT TAG MODE`.

MODE "append" records COUNT screenings straight into the store; "guard" sends
COUNT snippets through the real pipeline (scan, gate, run for every 25th, record, alerts); "forever" appends until killed,
printing each committed id.
"""

from __future__ import annotations

import sys

from airlock.analyzer.models import Finding, Report
from airlock.audit.store import Store


def main() -> None:
    url, count, tag, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    with Store(url) as store:
        if mode == "guard":
            from airlock.audit import guard
            from airlock.executor.models import Limits

            runs = "print(1 + 1)"
            held = ["import os\nos.system('rm -rf /')", "import subprocess\nsubprocess.run(['ls'])"]
            for i in range(count):  # every 25th runs in the sandbox; the rest are gated
                code = runs if i % 25 == 0 else held[i % 2]
                guard(
                    code + f"\n# {tag}-{i}",
                    agent_id=tag,
                    store=store,
                    limits=Limits(timeout_s=5),
                )
            return
        rep = Report(
            verdict="block",
            score=80,
            findings=[
                Finding(rule_id="R1", title="t", severity="high", confidence="high", message="m")
            ],
        )
        i = 0
        while mode == "forever" or i < count:
            row = store.record(code=f"{tag}-{i}", report=rep, gate_decision="blocked", agent_id=tag)
            if mode == "forever":
                print(row.id, flush=True)
            i += 1


if __name__ == "__main__":
    main()
