# expect: allow
import json
from pathlib import Path

DEFAULTS = {"retries": 3, "timeout": 10, "features": {"beta": False}}


def deep_merge(base: dict, override: dict) -> dict:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


user = json.loads(Path("config.json").read_text()) if Path("config.json").exists() else {}
merged = deep_merge(DEFAULTS, user)
Path("effective_config.json").write_text(json.dumps(merged, indent=2))
