# expect: review
# An optional plugin imported by name and, separately, one HTTP GET: review, not block.
import importlib

import requests


def load_plugin(name):
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


fast_json = load_plugin("orjson")
resp = requests.get("https://api.github.com/repos/python/cpython", timeout=10)
print(resp.json()["stargazers_count"])
