# expect: review
from pathlib import Path

import requests

URL = "https://raw.githubusercontent.com/mwaskom/seaborn-data/master/iris.csv"
dest = Path("data") / "iris.csv"
dest.parent.mkdir(exist_ok=True)
resp = requests.get(URL, timeout=30)
resp.raise_for_status()
dest.write_bytes(resp.content)
print("saved", dest, len(resp.content), "bytes")
