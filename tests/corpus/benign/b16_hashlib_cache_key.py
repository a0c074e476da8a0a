# expect: allow
import hashlib
import json
from pathlib import Path

CACHE = Path(".cache")
CACHE.mkdir(exist_ok=True)


def cache_key(params: dict) -> str:
    blob = json.dumps(params, sort_keys=True).encode()
    return hashlib.md5(blob).hexdigest()


def expensive(params: dict) -> dict:
    path = CACHE / f"{cache_key(params)}.json"
    if path.exists():
        return json.loads(path.read_text())
    result = {"sum": sum(params.get("values", []))}
    path.write_text(json.dumps(result))
    return result


print(expensive({"values": [1, 2, 3]}))
