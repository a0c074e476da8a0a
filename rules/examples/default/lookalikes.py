# Near misses that must stay silent: ordinary agent code that looks like something worse.
import ast
import base64
import hashlib
import io
import json
import platform
import random
import re
from pathlib import Path


def eval_model(weights: list[float]) -> float:
    return sum(weights) / len(weights)


class Handlers:
    def on_start(self) -> str:
        return "started"

    def dispatch(self, event: str) -> str:
        # ok: AIR-OBF-004, AIR-OBF-010, AIR-ESC-002
        return getattr(self, f"on_{event}")()


# ok: AIR-EXEC-001
accuracy = eval_model([0.9, 0.8])
# ok: AIR-EXEC-001, AIR-OBF-008
config = ast.literal_eval("{'lr': 0.01, 'epochs': 3}")
# ok: AIR-EXEC-001
WORD = re.compile(r"\w+")
# ok: AIR-PROC-001, AIR-PROC-003
system_name = platform.system()
png = io.BytesIO(b"\x89PNG fake bytes drawn by matplotlib")
# ok: AIR-EXEC-002, AIR-OBF-005, AIR-DESER-010
data_uri = "data:image/png;base64," + base64.b64encode(png.getvalue()).decode()
# ok: AIR-OBF-006
cache_key = hashlib.md5(json.dumps(config, sort_keys=True).encode()).hexdigest()
# ok: AIR-RES-004
sample = [random.random() for _ in range(1000)]
# ok: AIR-FS-001, AIR-FS-009
Path("out").mkdir(exist_ok=True)
# ok: AIR-FS-001, AIR-FS-009
Path("out/summary.json").write_text(json.dumps({"accuracy": accuracy}))
# ok: AIR-DESER-001, AIR-DESER-002
parsed = json.loads('{"a": 1}')
# ok: AIR-ESC-005
is_number = isinstance(accuracy, (int, float))
# ok: AIR-PERS-001, AIR-SEC-004
label = "profile settings"


# Listing names is not reaching them.
# ok: AIR-ESC-002
print(sorted(__builtins__.__dict__))
# ok: AIR-ESC-002
public = [k for k in __builtins__.__dict__ if not k.startswith("_")]
# ruleid: AIR-ESC-002
runner = __builtins__.__dict__["ev" + "al"]

# eval of arithmetic the script writes itself.
for a in range(3):
    for op in ["+", "-", "*"]:
        # ok: AIR-EXEC-001
        print(eval(f"{a} {op} 2"))
# ruleid: AIR-EXEC-001
eval(input("expression: "))
# ruleid: AIR-EXEC-001
eval("__import__('os').getcwd()")

# The script's own module.
# ok: AIR-OBF-003
me = __import__(__name__)
