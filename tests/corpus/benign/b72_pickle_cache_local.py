# expect: allow|review
import pickle
from pathlib import Path

CACHE = Path("cache.pkl")


def expensive():
    return {i: i ** 2 for i in range(1000)}


if CACHE.exists():
    data = pickle.loads(CACHE.read_bytes())
else:
    data = expensive()
    CACHE.write_bytes(pickle.dumps(data))
print(len(data))
