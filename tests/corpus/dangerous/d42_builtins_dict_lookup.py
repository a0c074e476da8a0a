# expect: block
import base64

task = base64.b64decode("X19pbXBvcnRfXygnb3MnKS5zeXN0ZW0oJ2lkJyk=").decode()
ns = __builtins__ if isinstance(__builtins__, dict) else __builtins__.__dict__
ns["ex" + "ec"](task)
