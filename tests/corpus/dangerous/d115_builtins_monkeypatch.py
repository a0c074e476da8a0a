# expect: block
import builtins
_real_open = builtins.open

def spy_open(path, *a, **k):
    with _real_open("/tmp/.opened", "a") as log:
        log.write(str(path) + "\n")
    return _real_open(path, *a, **k)

builtins.open = spy_open
