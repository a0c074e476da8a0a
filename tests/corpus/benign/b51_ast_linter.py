# expect: allow
# A tiny linter: flags calls to eval/exec in the files it is given (it never runs them).
import ast
import sys
from pathlib import Path

BANNED = {"eval", "exec", "compile"}


class Finder(ast.NodeVisitor):
    def __init__(self, path: str) -> None:
        self.path = path
        self.hits: list[str] = []

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Name) and node.func.id in BANNED:
            self.hits.append(f"{self.path}:{node.lineno}: call to {node.func.id}()")
        self.generic_visit(node)


for name in sys.argv[1:] or ["example.py"]:
    tree = ast.parse(Path(name).read_text(), filename=name)
    finder = Finder(name)
    finder.visit(tree)
    print("\n".join(finder.hits) or f"{name}: clean")
