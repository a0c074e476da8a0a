# expect: review
# The environment is read, and an unrelated status request is made; nothing flows between them.
import os

import requests

env = os.environ.copy()
print(len(env), "variables")
status = requests.get("https://www.githubstatus.com/api/v2/status.json", timeout=5)
print(status.json()["status"]["description"])
