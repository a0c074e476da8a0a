# expect: allow
# "eval" and "exec" as plain strings and keys are ordinary data.
MODES = ("train", "eval", "test")
config = {"mode": "eval", "exec_time_limit": 30, "system_prompt": "You are helpful."}


class Runner:
    def __init__(self, mode: str) -> None:
        self.mode = mode

    def eval(self) -> str:
        return f"evaluating in {self.mode} mode"

    def compile(self) -> str:
        return "graph compiled"


r = Runner(config["mode"])
print(r.compile(), r.eval(), [m.upper() for m in MODES])
