"""Output files come back exactly, in standard base64 in JSON; what is left out is listed
with its reason; caches the runtime writes for itself do not come back."""

from __future__ import annotations

import base64
import json

import pytest
from executor_support import need

from airlock.executor import ExecutionResult, Limits, run

pytestmark = pytest.mark.timeout(60)

# bytes whose base64 holds '+' and '/', which URL-safe base64 spells '-' and '_'
PAYLOAD = bytes(range(256)) * 100  # 25,600 bytes, like the damaged PNG


def test_json_carries_standard_base64_that_b64decode_reads() -> None:
    r = run("open('blob.bin', 'wb').write(bytes(range(256)) * 100)")
    assert r.exit_code == 0, r.stderr
    text = json.loads(r.model_dump_json())["files"][0]["content"]
    assert base64.b64decode(text) == PAYLOAD and ("+" in text or "/" in text)
    restored = ExecutionResult.model_validate_json(r.model_dump_json())
    assert restored.files[0].content == PAYLOAD
    # control: the URL-safe spelling is what damaged files before
    assert len(base64.b64decode(base64.urlsafe_b64encode(PAYLOAD))) != len(PAYLOAD)


@need("filesystem")
def test_every_file_left_out_is_listed_with_its_reason() -> None:
    code = (
        "import os\n"
        "for i in range(5):\n    open(f'f{i}.txt', 'w').write(str(i))\n"
        "open('big.bin', 'wb').write(b'x' * 5000)\n"
        "os.symlink('/etc/passwd', 'link')\n"
        "os.mkfifo('pipe')\n"
    )
    r = run(code, limits=Limits(max_output_files=3, max_output_file_bytes=1000))
    assert r.exit_code == 0, r.stderr
    assert [f.name for f in r.files] == ["big.bin", "f0.txt", "f1.txt"]
    big = r.files[0]
    assert big.content is None and big.truncated and "max_output_file_bytes" in (big.reason or "")
    reasons = {o.name: o.reason for o in r.omitted}
    assert "symbolic link" in reasons["link"] and "regular file" in reasons["pipe"]
    assert {n for n, why in reasons.items() if "max_output_files" in why} == {
        "f2.txt",
        "f3.txt",
        "f4.txt",
    }
    assert r.omitted_count == len(r.omitted) == 5


@need("filesystem")
def test_runtime_caches_do_not_come_back() -> None:
    code = (
        "import os\n"
        "for var in ('XDG_CACHE_HOME', 'MPLCONFIGDIR'):\n"
        "    d = os.environ[var]; os.makedirs(os.path.join(d, 'fontconfig'), exist_ok=True)\n"
        "    open(os.path.join(d, 'fontconfig', 'cache-1'), 'w').write('fonts')\n"
        "print(os.path.exists('/etc/fonts/fonts.conf') or not os.path.exists('/etc/fonts'))\n"
        "os.makedirs('.cache', exist_ok=True); open('.cache/mine', 'w').write('kept')\n"
    )
    r = run(code)
    assert r.stdout == "True\n", r.stderr
    # control: a file the program itself puts under its workdir does come back
    assert [f.name for f in r.files] == [".cache/mine"]
