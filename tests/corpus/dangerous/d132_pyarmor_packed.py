# expect: block
# Pyarmor's runtime stub and its encrypted blob: nothing to read, everything to run.
from pytransform import pyarmor_runtime

pyarmor_runtime()
__pyarmor__(__name__, __file__, b"PYARMOR\x00\x00\x03\x0b\x00U\r\r\n\x04\x00\x00\x00\x01\x00\x00\x00@\x00\x00\x00a\x1d\x00\x00")
