# expect: allow
import sys
this = sys.modules[__name__]
print(this.__name__, "json" in sys.modules)
