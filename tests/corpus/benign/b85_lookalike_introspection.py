# expect: allow
# Listing names, evaluating arithmetic the script writes, packing bytes with ctypes.
import ctypes
import sys


class Header(ctypes.Structure):
    _fields_ = [("magic", ctypes.c_uint32), ("length", ctypes.c_uint16)]


header = Header(0xCAFE, 12)
print("header bytes:", ctypes.sizeof(header))
print("builtins:", len([k for k in __builtins__.__dict__ if not k.startswith("_")]))
print("globals:", sorted(globals().keys()))
this = __import__(__name__)
print("module:", this is sys.modules[__name__])
for a in range(1, 4):
    for op in ("+", "-", "*", "//"):
        expr = f"{a * 10} {op} {a}"
        print(expr, "=", eval(expr))
