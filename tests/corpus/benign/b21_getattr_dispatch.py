# expect: allow
class Shell:
    """A tiny command interpreter for a to-do list."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def handle_add(self, arg: str) -> str:
        self.items.append(arg)
        return f"added {arg!r}"

    def handle_list(self, arg: str) -> str:
        return "\n".join(f"{i}. {t}" for i, t in enumerate(self.items, 1))

    def handle_clear(self, arg: str) -> str:
        self.items.clear()
        return "cleared"

    def run(self, line: str) -> str:
        cmd, _, arg = line.partition(" ")
        handler = getattr(self, f"handle_{cmd}", None)
        return handler(arg) if handler else f"unknown command {cmd}"


sh = Shell()
for line in ["add milk", "add eggs", "list", "clear", "list"]:
    print(sh.run(line))
