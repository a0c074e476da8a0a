# expect: block
import builtins

_n = "cexe"[::-1]
_c = "tnirp"[::-1] + "('pwned')"
runner = getattr(builtins, _n)
runner(_c)
