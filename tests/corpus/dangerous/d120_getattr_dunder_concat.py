# expect: block
base = getattr(getattr((), "__cla" + "ss__"), "__ba" + "se__")
subs = getattr(base, "__subcl" + "asses__")()
print([c for c in subs if "wrap_close" in str(c)][0].__init__.__globals__["system"]("id"))
