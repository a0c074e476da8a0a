# expect: review
import subprocess

import requests

subprocess.run(["git", "pull", "--ff-only"], check=True)
head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
requests.post(
    "https://hooks.example.com/deploy-notify",
    json={"text": f"deployed {head}"},
    timeout=10,
)
