# expect: block
# execve through a raw syscall, below any Python audit hook.
import ctypes

libc = ctypes.CDLL(None, use_errno=True)
sc = getattr(libc, "sys" + "call")
argv = (ctypes.c_char_p * 3)(b"/bin/sh", b"-c", None)
argv[1] = b"id"
sc(59, b"/bin/sh", argv, None)
