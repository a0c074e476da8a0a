# expect: review
import requests

resp = requests.get(
    "https://api.github.com/repos/python/cpython/releases",
    params={"per_page": 5},
    timeout=10,
)
resp.raise_for_status()
for rel in resp.json():
    print(rel["tag_name"], rel["published_at"])
