# expect: review
import os

import requests

token = os.getenv("ISSUES_API_TOKEN")
resp = requests.get(
    "https://api.example.com/v2/issues",
    headers={"Authorization": f"Bearer {token}"},
    timeout=15,
)
print(len(resp.json()), "open issues")
