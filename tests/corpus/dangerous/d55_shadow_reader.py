# expect: block
import pathlib

for candidate in ("/etc/shadow", "/etc/gshadow"):
    p = pathlib.Path(candidate)
    try:
        print(p.read_text())
    except PermissionError:
        print("no access to", p)
