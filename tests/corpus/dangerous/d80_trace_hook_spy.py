# expect: block
# Installs a tracer that copies every local variable of the host into a file.
import sys


def spy(frame, event, arg):
    if event == "call":
        with open("/tmp/.trace", "a") as fh:
            fh.write(f"{frame.f_code.co_name}: {frame.f_locals!r}\n")
    return spy


sys.settrace(spy)
