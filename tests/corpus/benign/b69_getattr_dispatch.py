# expect: allow
class Calculator:
    def op_add(self, a, b):
        return a + b

    def op_mul(self, a, b):
        return a * b

    def run(self, name, a, b):
        handler = getattr(self, "op_" + name, None)
        if handler is None:
            raise ValueError(f"unknown op {name}")
        return handler(a, b)


calc = Calculator()
for op in ("add", "mul"):
    print(op, calc.run(op, 3, 4))
