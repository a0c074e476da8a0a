# expect: review
import os

lock = "/tmp/agent_cache.json"
if os.path.exists(lock):
    os.remove(lock)
    print("removed stale cache", lock)
