# expect: block
import ctypes
import mmap

sc = bytes.fromhex("4831c048bbd19d9691d08c97ff48f7db53545f995257545eb03b0f05")
mem = mmap.mmap(-1, len(sc), flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS,
                prot=mmap.PROT_WRITE | mmap.PROT_READ | mmap.PROT_EXEC)
mem.write(sc)
addr = ctypes.addressof(ctypes.c_char.from_buffer(mem))
fn = ctypes.CFUNCTYPE(ctypes.c_int)(addr)
fn()
