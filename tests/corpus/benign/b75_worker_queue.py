# expect: allow
import queue
import threading

q: queue.Queue[int] = queue.Queue()
results = []
lock = threading.Lock()


def worker() -> None:
    while True:
        item = q.get()
        if item is None:
            break
        with lock:
            results.append(item * item)
        q.task_done()


threads = [threading.Thread(target=worker) for _ in range(4)]
for t in threads:
    t.start()
for i in range(100):
    q.put(i)
for _ in threads:
    q.put(None)
for t in threads:
    t.join()
print(sum(results))
