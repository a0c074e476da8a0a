# Annotated examples for obfuscation rules (default set).
import base64
import codecs
import importlib
import math
import subprocess

# ruleid: AIR-OBF-001
access_level = "user‮ ⁦# admin⁩ ⁦"
# ok: AIR-OBF-001
greeting = "שלום"

# ruleid: AIR-OBF-002
ｅｖａｌ("1 + 1")
# ok: AIR-OBF-002
café = "coffee"

modname = input()
# ruleid: AIR-OBF-003
mod = __import__(modname)
# ruleid: AIR-OBF-003
mod2 = importlib.import_module(bytes([111, 115]).decode() + input())
# ok: AIR-OBF-003
mod3 = importlib.import_module("json")

fn_name = input()
# ruleid: AIR-OBF-004
getattr(__builtins__, fn_name)("x")
# ruleid: AIR-OBF-004
getattr(math, fn_name)(2.0)


class Calculator:
    def handle_add(self, a: int, b: int) -> int:
        return a + b

    def dispatch(self, cmd: str, a: int, b: int) -> int:
        # ok: AIR-OBF-004
        return getattr(self, f"handle_{cmd}")(a, b)


# ruleid: AIR-OBF-005
BLOB = "pU3KGCUwux1tEyze1iN7LtkeP3IfyxlxF0SU1kk8nVw0YL4xIB5p/tqg7ui5mX9cfCmZ/a/lkyU81lSvTfrXFCegrrP+6SMvivIhH57kkcWxC+y1Vjv8Hm+TQn7LyP4pVeXNjkbcjtS3wnZNKlpNdncG+F2GkAJK1r2jQBvpyMvMyTX2zR9hImrhUziuGjQATTO6DSRqwEyBsbryPjv57vX3nytJNK+H9VILablLDZguhbtVtnKocmN6zXRm/LYODo/xhGOw5LK6KXA0dPBkrGj3APWwKz3GZvRb3qosyu3NK1FXQQ5N7krys09DCgc0R95jbA6AbJV7poTWQx+16tdCTQnhXQJMWEjyPR+m9zYdf2GNFTLnDiDipmaN5/R+hGflRtU+yOKhJXvbJWybPk+7SYFG73Awy/lTclLczq3XZLajL7sJrerhCcSplyA5dTUrh4sUXIpC2ITPTP2nLY4dXdkliQgthSpxIoc+6AWt1YlCFno4UoYZXGefnGmU5FuKsQmAEgcJYfN95Dbd/cmdbnWvZUfPsRtCBySC3FMcK8OQfJYX615QieQBhrqopX0Rnm+2XQCrwyrzjmZ/Ai6HLUnMFckLmZt3K0/Hpv1MkUoW20cIdSsPFUS4NcDnGQl9+ocB6SMvIfKBJod4aXbr/MMn9ZMXZSdLqYKbRAb2H/iJMm/6lJLt7u48Zp8r8giU6ifmicZrayYuSIa4Q485unb++MkMUQH75s+aSNWwwKE9qQCmrcs9ZAaUgb4hyccnuNuMGI80GpJMf4jfoWG/2w7MaCkZ"
# ok: AIR-OBF-005
SHORT = "aGVsbG8gd29ybGQ="

# ruleid: AIR-OBF-006
SHELLCODE = "d2e64692f8194157f1d4af90988285cf7a9af7c93d5552266afe70e7aae6da47627c2e59af2ea37abc84670ad3c4d36bc08aad1fff8eb8406e2f8a7fc4cce4dd9f0b4110d9f2fa0025c8efe57f37724f4d37ea2b14004077139b4180df3932249962c6857200059aeb8ea17cf3787e0ed29d1c0b63ffd729"
# ok: AIR-OBF-006
SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

# ruleid: AIR-OBF-007
attr = "__glo" + "bals__"
# ok: AIR-OBF-007
label = "globals"

# ruleid: AIR-OBF-008
subprocess.run(["python3", "-c", "import socket,os;print(1)"])
# ok: AIR-OBF-008
subprocess.run(["python3", "-c", "print(1)"])

# ruleid: AIR-OBF-009
word = codecs.decode("flfgrz", "rot13")
# ok: AIR-OBF-009
text = codecs.decode(b"abc", "utf-8")

import os
# ruleid: AIR-OBF-010
fn = getattr(os, "".join(["sy", "st", "em"]))
# ruleid: AIR-OBF-010
name = "metsys"[::-1]
# ok: AIR-OBF-010
word = "sys" + "tem of record"

import sys

# ok: AIR-OBF-004
this_module = sys.modules[__name__]

# ruleid: AIR-OBF-012
from pytransform import pyarmor_runtime  # noqa: E402

pyarmor_runtime()
# ruleid: AIR-OBF-011
__pyarmor__(__name__, __file__, b"PYARMOR\x00\x00\x03\x0b\x00U\r\r\n\x04\x00")  # noqa: F821
# ok: AIR-OBF-011, AIR-OBF-012
armor_rating = {"__name__": "plate", "armor": 3}

# ruleid: AIR-OBF-013
getattr(__import__("os"), "system")("id")
# ruleid: AIR-OBF-013
importlib.import_module("subprocess").run(["id"])
# ok: AIR-OBF-013
json_module = importlib.import_module("json")
