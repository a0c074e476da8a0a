# expect: allow
import random
import statistics


def simulate_queue(arrival_rate: float, service_rate: float, n: int, seed: int = 7) -> float:
    rng = random.Random(seed)
    clock = free_at = 0.0
    waits = []
    for _ in range(n):
        clock += rng.expovariate(arrival_rate)
        start = max(clock, free_at)
        waits.append(start - clock)
        free_at = start + rng.expovariate(service_rate)
    return statistics.mean(waits)


for rate in (0.5, 0.8, 0.95):
    print(rate, round(simulate_queue(rate, 1.0, 20000), 3))
