# expect: review
import subprocess
import sys

subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", "tabulate==0.9.0"])
import tabulate  # noqa: E402

print(tabulate.tabulate([["a", 1]], headers=["k", "v"]))
