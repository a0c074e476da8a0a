# expect: block
def g():
    yield 1

gen = g()
frame = gen.gi_frame
outer = frame.f_back or frame
bi = outer.f_globals["__builtins__"]
bi.exec("print(open('/etc/passwd').read())")
