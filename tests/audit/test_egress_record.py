"""An allow-list run through the pipeline: the proxy's attempts are recorded with the run,
covered by the ledger's hash, shown by `airlock show`, and a refused one raises the
egress-denied alert (a run with only allowed attempts raises none)."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from airlock.audit import GatePolicy, Store, guard
from airlock.audit.db import make_engine, resolve_url
from airlock.cli import app
from airlock.executor.models import Limits


class _Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"hi")

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def web() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def _fetch(*urls: str) -> str:
    return (
        "import urllib.request, urllib.error\n"
        f"for url in {list(urls)!r}:\n"
        "    try:\n"
        "        print(urllib.request.urlopen(url, timeout=20).read().decode())\n"
        "    except urllib.error.HTTPError as exc:\n"
        "        print(exc.code)\n"
    )


def _guard(store: Store, code: str, port: int):  # type: ignore[no-untyped-def]
    limits = Limits(network=f"allow:127.0.0.1:{port}", timeout_s=30)
    res = guard(code, store=store, limits=limits, policy=GatePolicy(auto_approve_below=101))
    if res.decision == "refused":
        pytest.skip(f"the executor refused to run here: {res.result.refused}")
    assert res.decision == "ran", res
    return res


def test_attempts_are_recorded_hashed_shown_and_a_denied_one_alerts(
    sqlite_url: str, web: int
) -> None:
    code = _fetch(f"http://127.0.0.1:{web}/a", f"http://127.0.0.2:{web}/b")
    with Store(sqlite_url) as store:
        res = _guard(store, code, web)
        assert res.result.stdout == "hi\n403\n"
        [ex] = store.get(res.record_id).executions
        assert ex.egress_count == 2
        by_host = {a["host"]: a for a in ex.egress}
        assert by_host["127.0.0.1"]["allowed"] and by_host["127.0.0.1"]["bytes_in"] > 2
        assert by_host["127.0.0.2"]["reason"] == "not on the allow-list"
        [alert] = [a for a in store.list_alerts() if a.rule_id == "egress-denied"]
        assert f"127.0.0.2:{web}: not on the allow-list" in alert.detail
        assert store.verify().ok
    shown = CliRunner().invoke(app, ["show", str(res.record_id), "--db", sqlite_url])
    assert shown.exit_code == 0, shown.output
    assert f"egress: 2 attempt(s) through the proxy (allow:127.0.0.1:{web})" in shown.output
    assert f"allowed GET 127.0.0.1:{web} via 127.0.0.1" in shown.output
    assert f"DENIED GET 127.0.0.2:{web}" in shown.output and "not on the allow-list" in shown.output
    engine = make_engine(resolve_url(sqlite_url))  # the record cannot be quietly rewritten
    with engine.begin() as conn:
        conn.execute(text("UPDATE executions SET egress = '[]' WHERE id = :i"), {"i": ex.id})
    engine.dispose()
    with Store(sqlite_url) as store:
        assert not store.verify().ok


def test_only_allowed_attempts_raise_no_egress_alert(sqlite_url: str, web: int) -> None:
    with Store(sqlite_url) as store:
        res = _guard(store, _fetch(f"http://127.0.0.1:{web}/a"), web)
        assert res.result.stdout == "hi\n"
        assert [a for a in store.list_alerts() if a.rule_id == "egress-denied"] == []
        [ex] = store.get(res.record_id).executions
        assert ex.egress_count == 1 and ex.egress[0]["allowed"]


def test_runs_without_an_allow_list_record_no_egress(sqlite_url: str) -> None:
    with Store(sqlite_url) as store:
        res = guard("print(1)", store=store, limits=Limits(timeout_s=10))
        if res.decision == "refused":
            pytest.skip(f"the executor refused to run here: {res.result.refused}")
        [ex] = store.get(res.record_id).executions
        assert ex.egress is None and ex.egress_count == 0
    shown = CliRunner().invoke(app, ["show", str(res.record_id), "--db", sqlite_url])
    assert "egress" not in shown.output


def test_an_approved_held_run_keeps_its_allow_list(sqlite_url: str, web: int) -> None:
    """Held for review, then approved: it runs under the allow-list it was screened with
    (read back from the record), and the approval's run records its attempts."""
    from airlock.audit.reviews import decide

    code = "import subprocess\n" + _fetch(f"http://127.0.0.1:{web}/held")  # review: a process
    limits = Limits(network=f"allow:127.0.0.1:{web}", timeout_s=30)
    with Store(sqlite_url) as store:
        token = store.add_reviewer("alice")
        held = guard(code, store=store, limits=limits)
        assert held.decision == "held_for_review", held
        assert store.get(held.record_id).screening.limits["network"] == str(limits.network)
        out = decide(store, held.record_id, "approved", token=token)
        if out.result is not None and out.result.refused:
            pytest.skip(f"the executor refused to run here: {out.result.refused}")
        assert out.result is not None and out.result.stdout == "hi\n"
        assert out.result.limits.network == limits.network
        [ex] = store.get(held.record_id).executions
        assert ex.trigger == "review" and ex.egress_count == 1 and ex.egress[0]["allowed"]
