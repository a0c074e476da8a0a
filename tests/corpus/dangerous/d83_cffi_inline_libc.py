# expect: block
from cffi import FFI

ffi = FFI()
ffi.cdef("int setuid(int uid); int system(const char *cmd);")
C = ffi.dlopen(None)
C.setuid(0)
C.system(b"/bin/sh -c 'id > /tmp/root'")
