# expect: allow
import json
import tempfile
from pathlib import Path

with tempfile.TemporaryDirectory() as tmp:
    scratch = Path(tmp) / "partial.json"
    scratch.write_text(json.dumps({"step": 1}))
    state = json.loads(scratch.read_text())
    state["step"] += 1
print("final state:", state)
