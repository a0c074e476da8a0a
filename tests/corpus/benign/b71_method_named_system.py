# expect: allow
class Planet:
    def __init__(self, name: str, system: str) -> None:
        self.name = name
        self._system = system

    def system(self) -> str:
        return self._system

    def exec(self, command: str) -> str:
        return f"{self.name} acknowledges {command}"


earth = Planet("Earth", "Sol")
print(earth.system(), earth.exec("rotate"))
