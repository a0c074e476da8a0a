# expect: allow|review
import json
import os
import tempfile

path = os.path.join(tempfile.gettempdir(), "agent_results.json")
with open(path, "w") as f:
    json.dump({"ok": True}, f)
print(path)
