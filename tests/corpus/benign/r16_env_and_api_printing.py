# expect: review
import os

import requests

base = os.environ.get("STATUS_API", "https://status.example.com")
print(f"checking {base} as {os.environ.get('USER', 'agent')}")
resp = requests.get(base + "/api/v2/summary.json", timeout=10)
print(repr(os.environ.get("REGION")), resp.json()["status"]["description"])
