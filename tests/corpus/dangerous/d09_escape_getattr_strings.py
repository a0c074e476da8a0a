# expect: block
# No dunder written as an attribute: every step goes through getattr with built names.
u = "_" * 2
base = getattr(getattr((), u + "class" + u), u + "base" + u)
every = getattr(base, u + "sub" + "classes" + u)()
wrap = [c for c in every if c.__name__ == "_wrap_close"][0]
g = getattr(getattr(wrap, u + "init" + u), u + "glo" + "bals" + u)
g["sys" + "tem"]("id")
