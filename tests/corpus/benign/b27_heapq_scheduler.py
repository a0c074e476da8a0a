# expect: allow
import heapq
from dataclasses import dataclass, field


@dataclass(order=True)
class Task:
    due: int
    name: str = field(compare=False)
    minutes: int = field(compare=False)


tasks = [Task(3, "report", 60), Task(1, "email", 10), Task(2, "review", 30)]
heapq.heapify(tasks)
clock = 0
while tasks:
    t = heapq.heappop(tasks)
    clock += t.minutes
    print(f"{t.name:<8} done at {clock:>4} min (due slot {t.due})")
