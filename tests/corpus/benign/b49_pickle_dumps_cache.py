# expect: allow
import pickle
from pathlib import Path

results = {"scores": [0.91, 0.88, 0.93], "params": {"lr": 0.01}}
Path("cache").mkdir(exist_ok=True)
Path("cache/results.pkl").write_bytes(pickle.dumps(results, protocol=pickle.HIGHEST_PROTOCOL))
print("saved", len(pickle.dumps(results)), "bytes")
