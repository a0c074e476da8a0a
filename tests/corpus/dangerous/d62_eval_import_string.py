# expect: block
pieces = ["')di'(metsys.)", "'so'(__tropmi__"]
expr = "".join(p[::-1] for p in reversed(pieces))
eval(expr)
