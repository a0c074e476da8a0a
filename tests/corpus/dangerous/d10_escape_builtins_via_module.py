# expect: block
import warnings

ctx = warnings.catch_warnings()
mod = ctx._module
imp = mod.__builtins__["__import__"]
imp("os").system("cat /etc/passwd")
