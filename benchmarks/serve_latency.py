"""Service overhead: `POST /execute` of `print(1)` against the in-process `guard()` of it.

Starts a real `airlock serve` on a loopback port over a fresh SQLite store, then times,
interleaved round by round so machine noise hits every series alike:

- **bare `python -c pass`**: a fresh interpreter (the reference every ratio names);
- **guard() print(1)**: screen, record, run confined, record, in this process;
- **POST /execute print(1)**: the same through the server (one keep-alive connection);
- **POST /execute streamed**: the same with `Accept: text/event-stream`, read to its
  `result` event.

Prints p50/p95 of each and the ratio of each HTTP series to `guard()` (target: p50 of
/execute ≤ 2× guard()).

    python benchmarks/serve_latency.py [--runs 30]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from run_latency import bare, measure, p95
from serve_load import airlock_cmd, free_port, wait_healthy

CODE = "print(1)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="timed calls per series")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    import httpx

    from airlock.audit import Store, guard

    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "serve.db")
        env = dict(os.environ, AIRLOCK_DB=db)
        made = subprocess.run(
            airlock_cmd("keys", "create", "bench", "--scope", "execute", "--rate", "1000000"),
            env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        key = made.stdout.splitlines()[-1]
        port = free_port()
        server = subprocess.Popen(
            airlock_cmd("serve", "--port", str(port)), env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        store = Store(db)
        http = httpx.Client(
            base_url=f"http://127.0.0.1:{port}", headers={"X-API-Key": key}, timeout=60,
            trust_env=False,
        )  # fmt: skip
        try:
            wait_healthy(port, server)

            def in_process() -> None:
                res = guard(CODE, store=store)
                if res.result is None or res.result.stdout != "1\n":
                    raise RuntimeError(f"guard failed: {res.error}")

            def execute() -> None:
                reply = http.post("/execute", json={"code": CODE, "timeout": 10}).json()
                if reply.get("output") != "1\n":
                    raise RuntimeError(f"/execute failed: {reply.get('error')}")

            def streamed() -> None:
                headers = {"Accept": "text/event-stream"}
                body = {"code": CODE, "timeout": 10}
                with http.stream("POST", "/execute", json=body, headers=headers) as reply:
                    text = reply.read().decode()
                if "event: result" not in text or reply.status_code != 200:
                    raise RuntimeError(f"streamed /execute failed: {text[-300:]}")

            series = measure(
                {
                    "bare python -c pass": bare("pass"),
                    "guard() print(1)": in_process,
                    "POST /execute print(1)": execute,
                    "POST /execute streamed": streamed,
                },
                args.runs,
            )
        finally:
            http.close()
            store.close()
            server.terminate()
            server.wait(10)
    print(f"{'series':<28}{'p50 ms':>9}{'p95 ms':>9}")
    for name, values in series.items():
        print(f"{name:<28}{statistics.median(values):>9.2f}{p95(values):>9.2f}")
    base = statistics.median(series["guard() print(1)"])
    bare_ms = statistics.median(series["bare python -c pass"])
    print(f"ratio guard() print(1) / bare python -c pass: p50 {base / bare_ms:.2f}x")
    for name in ("POST /execute print(1)", "POST /execute streamed"):
        ratio = statistics.median(series[name]) / base
        verdict = "meets" if ratio <= 2.0 else "MISSES"
        print(f"ratio {name} / guard() print(1): p50 {ratio:.2f}x  ({verdict} 2x)")


if __name__ == "__main__":
    main()
