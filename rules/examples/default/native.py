# Annotated examples for native-code rules (default set).
# ruleid: AIR-NAT-001
import ctypes
# ok: AIR-NAT-001
import json
import cffi
import mmap

# ruleid: AIR-NAT-002
libc = ctypes.CDLL("libc.so.6")
# ruleid: AIR-NAT-002
loaded = ctypes.cdll.LoadLibrary("libm.so.6")
# ok: AIR-NAT-002
size = ctypes.sizeof(ctypes.c_int)

# ruleid: AIR-NAT-003
ctypes.CDLL(None).syscall(39)
# ok: AIR-NAT-003
libc.strlen(b"abc")

# ruleid: AIR-NAT-009
libc.system(b"id")
# ruleid: AIR-NAT-009
ctypes.CDLL(None).setuid(0)
# ruleid: AIR-NAT-009
ctypes.cdll.LoadLibrary("libc.so.6").ptrace(16, 1, 0, 0)
# ok: AIR-NAT-009
libc.printf(b"%d\n", 3)

# ruleid: AIR-NAT-004
ctypes.memmove(id(libc) + 24, b"\x00" * 8, 8)
# ruleid: AIR-NAT-004
ctypes.pythonapi.Py_IncRef(ctypes.py_object(libc))
# ok: AIR-NAT-004
buf = ctypes.create_string_buffer(16)

# ruleid: AIR-NAT-005
region = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
# ok: AIR-NAT-005
plain = mmap.PROT_READ

# ruleid: AIR-NAT-006
ffi = cffi.FFI()
# ok: AIR-NAT-006
page = mmap.PAGESIZE

# ruleid: AIR-NAT-007
ext = "/tmp/payload.so"
# ok: AIR-NAT-007
doc = "solutions.txt"

# ruleid: AIR-NAT-008
ffi.cdef("int setuid(int uid); int system(const char *cmd);")
# ok: AIR-NAT-008
ffi.cdef("double cos(double x);")

# Methods of objects built by a resolved constructor are not resolved yet.
# todoruleid: AIR-NAT-002
lib = ffi.dlopen(None)
