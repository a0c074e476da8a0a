# Annotated examples for the rules only the strict set has.
# ruleid: AIR-NET-101
import requests
# ruleid: AIR-NET-101
from urllib.request import urlopen
# ok: AIR-NET-101
import urllib.parse
# ruleid: AIR-PROC-101
import subprocess
# ok: AIR-PROC-101
import json
# ruleid: AIR-DESER-101
import pickle
# ok: AIR-DESER-101
import csv
# ruleid: AIR-NAT-101
import mmap
# ok: AIR-NAT-101
import math
import importlib
import os
import shutil
from pathlib import Path

# ruleid: AIR-SEC-101
token = os.environ["API_TOKEN"]
# ruleid: AIR-SEC-101
has_home = "HOME" in os.environ
# ok: AIR-SEC-101
cwd = os.getcwd()

# ruleid: AIR-FS-101
passwd = open("/etc/passwd").read()
# ruleid: AIR-FS-101
cfg = Path("/etc/app/config.toml")
# ok: AIR-FS-101
local = open("data/input.csv").read()

# ruleid: AIR-FS-102
rc = os.path.expanduser("~/.config/tool.toml")
# ruleid: AIR-FS-102
home = Path.home()
# ok: AIR-FS-102
here = Path.cwd()

target = input()
# ruleid: AIR-FS-103
shutil.rmtree(target)
# ok: AIR-FS-103
shutil.rmtree("build")

# ruleid: AIR-EXEC-101
mod = importlib.import_module("json")
# ok: AIR-EXEC-101
spec = importlib.util.find_spec


class Config:
    pass


field = input()
# ruleid: AIR-OBF-101
setattr(Config, field, 1)
# ok: AIR-OBF-101
setattr(Config, "debug", True)
