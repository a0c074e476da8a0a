# expect: allow
from enum import Enum, auto


class State(Enum):
    IDLE = auto()
    RUNNING = auto()
    DONE = auto()
    FAILED = auto()


TRANSITIONS = {
    (State.IDLE, "start"): State.RUNNING,
    (State.RUNNING, "finish"): State.DONE,
    (State.RUNNING, "error"): State.FAILED,
    (State.FAILED, "retry"): State.RUNNING,
}


def step(state: State, event: str) -> State:
    return TRANSITIONS.get((state, event), state)


s = State.IDLE
for ev in ["start", "error", "retry", "finish"]:
    s = step(s, ev)
    print(ev, "->", s.name)
