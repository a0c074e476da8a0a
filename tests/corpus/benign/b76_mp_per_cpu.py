# expect: allow
import multiprocessing as mp
import os


def count_primes(lo: int, hi: int, out) -> None:
    out.put(sum(1 for n in range(lo, hi) if n > 1 and all(n % d for d in range(2, int(n**0.5) + 1))))


if __name__ == "__main__":
    q = mp.Queue()
    n = os.cpu_count() or 2
    step = 100_000 // n
    procs = [mp.Process(target=count_primes, args=(i * step, (i + 1) * step, q)) for i in range(n)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    print(sum(q.get() for _ in procs))
