"""Agent task: "List the latest CPython releases." (expected: review — it calls an HTTP API)"""

import requests

resp = requests.get(
    "https://api.github.com/repos/python/cpython/releases",
    params={"per_page": 5},
    timeout=10,
)
resp.raise_for_status()
for release in resp.json():
    print(release["tag_name"], release["published_at"][:10])
