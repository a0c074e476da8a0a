# expect: allow
import ast, operator
OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}
def ev(node):
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.BinOp):
        return OPS[type(node.op)](ev(node.left), ev(node.right))
    raise ValueError("unsupported")
while True:
    line = input("> ")
    if line in ("q", "quit"):
        break
    print(ev(ast.parse(line, mode="eval").body))
