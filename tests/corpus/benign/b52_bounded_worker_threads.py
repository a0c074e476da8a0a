# expect: allow
import queue
import threading

jobs: queue.Queue[int | None] = queue.Queue()
results: list[int] = []
lock = threading.Lock()


def worker() -> None:
    while True:
        n = jobs.get()
        if n is None:
            break
        with lock:
            results.append(n * n)


threads = [threading.Thread(target=worker) for _ in range(4)]
for t in threads:
    t.start()
for n in range(100):
    jobs.put(n)
for _ in threads:
    jobs.put(None)
for t in threads:
    t.join()
print(sum(results))
