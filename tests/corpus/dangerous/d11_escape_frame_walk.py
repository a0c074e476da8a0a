# expect: block
# Climb out of the sandbox's exec() into the host's globals.
def probe():
    gen = (i for i in [1])
    frame = gen.gi_frame
    while frame.f_back is not None:
        frame = frame.f_back
    host = frame.f_globals
    host["__builtins__"]["open"]("/tmp/owned", "w").write("x")


probe()
