"""Build a labelled corpus from real public code, split into a development and a held-out part.

The corpus is not committed: third-party code stays in its own repositories. This script
rebuilds it, byte for byte, from local git mirrors of those repositories at the commits
listed in `SOURCES`, into `artifacts/public_corpus/{dev,heldout}/{malicious,benign,risky}/`
(ignored by git), with a `manifest.json` naming every snippet's repository, path, commit,
SHA-256 and label. A third part, `fresh/` (with its own `fresh/manifest.json`), comes from
the other sources of `FRESH_SOURCES` and is held out whole: see `fresh_malicious` and
`fresh_programs`. A fourth, `fresh2/`, and a fifth, `fresh3/`, are built by the same rules
from the sources of `FRESH2_SOURCES` and `FRESH3_SOURCES`, each in none of the other parts,
and are held out whole too (`FRESH_PARTS`).

Labels and how they are given (the rule, not a judgement per file):

- **malicious**: every Python snippet an offensive-security reference presents as an
  attack payload: the Python fenced blocks and `python -c '…'` one-liners of
  PayloadsAllTheThings' reverse-shell and Python-deserialisation pages, the Python blocks of
  a pyjail bypass reference, the payload files and malicious-package demos of
  `xathrya/malpython`, and the Python files of three real PyPI malware samples.
- **packages**: whole malicious packages PyPI removed, from the `pypi_malregistry` archive
  (one version per package name, in the order of the SHA-256 of the archive's path: the
  first 600 archives are the development part, the next ones the held-out part):
  every Python file of the sdist or wheel, judged together — a package is blocked when any
  of its files is. Packages whose files call nothing but packaging scaffolding (placeholders
  that squat a name) are left out, as for single snippets.
- **benign** / **risky**: programs of public collections (TheAlgorithms/Python,
  geekcomputers/Python) and HumanEval reference solutions (prompt + canonical solution).
  A program is *risky* when it starts programs, talks to the network, or captures the
  keyboard, screen or clipboard (by its imports and calls, `RISKY_*`); it is *benign* when
  it does none of that and none of the things whose label would be a judgement call
  (`AMBIGUOUS_*`: eval/exec, pickle, ctypes, deletion, environment reads, opening a
  browser); ambiguous programs and files Python 3.11 cannot parse are left out.

The split is by the snippet's SHA-256 (first hex digit < 8 → held-out), so it is stable
and independent of the order files are found in. Sources whose use would be measuring on
the issue's own held-out material (the pyjailbreaker gadgets, GuardDog's rule tests) are
deliberately not used.

    .venv/bin/python benchmarks/public_corpus.py --mirrors /work/.mirror
"""

from __future__ import annotations

import argparse
import ast
import gzip
import hashlib
import io
import json
import random
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "artifacts" / "public_corpus"

SOURCES = {
    "swisskyrepo/PayloadsAllTheThings": "f9fa51417886ac11476cb62db2dff21773dc570b",
    "kiwamizamurai/cctf": "bd54a49909649f18f37a18db1d388a9512c64dac",
    "xathrya/malpython": "c7b5815653769d6d99faa4cb6b87c27ab4ac2906",
    "t0d4/CHASE-AIware25": "42887ad28e4f05bd8672119eeac3fd4ec7edb99a",
    "TheAlgorithms/Python": "f5988cc09713315817df6a7e327e258013a94440",
    "geekcomputers/Python": "bfd7138f6205e73ba53b583198285952d5fd19a2",
    "openai/human-eval": "6d43fb980f9fee3c892a914eda09951f772ad10d",
    "lxyeternal/pypi_malregistry": "b11283f05ebce901fe9fc5cd1a8e84d8f54bd937",
    # a mirror of HackTricks (the upstream repository is too large to clone here)
    "gl0r10us520999/hacktricks": "2db13998bc1e40aa0e0c8c789a0f7808af835833",
}
HACKTRICKS_PAGES = (
    "generic-methodologies-and-resources/python/bypass-python-sandboxes/README.md",
    "generic-methodologies-and-resources/python/bypass-python-sandboxes/load_name-load_const-opcode-oob-read.md",
    "generic-methodologies-and-resources/python/class-pollution-pythons-prototype-pollution.md",
    "generic-methodologies-and-resources/python/python-internal-read-gadgets.md",
    "pentesting-web/deserialization/python-yaml-deserialization.md",
)
# The fresh part: sources none of the rules were written looking at (measured once, unseen).
FRESH_SOURCES = {
    "malwaredllc/byob": "b4946908b8a3691f75a7e15ffe6883ef509afc91",
    "sweetsoftware/Ares": "886afe27daac7ef5d1b269eb6dc93b639b6cd2cd",
    "n1nj4sec/pupy": "97c697cf73714f60df1555a6e730874fae6c030f",
    "xp4xbox/Python-Backdoor": "b5ef97a2997bf7d564f2284c42bb330c42f77dbd",
    "0xRose/Rose-Stealer_old": "6e11dab89d6102c0165f1d327e0403ae4d83c855",
    "JorianWoltjer/practical-ctf": "60e134914093b26965228367ed4baa9193855134",
    "Shirajuki/shirajuki.github.io": "be3b83187693984c94f4cecc08475ff08da804a9",
    "jonsth131/ctf.support": "efda136e45ded31c4a852c3b3d786c1aebf4c7b7",
    "jeff-160/The-Definitive-Guide-to-Pyjails": "b2079bcca2cf9fe52576f4fbbf2344dcc78d4d9f",
    "keon/algorithms": "a1bf1f39f95b59ed0bb348d6148c7e097e10481e",
    "OmkarPathak/Python-Programs": "ed96a4f7b2ddcad5be6c6a0f13cff89975731b77",
    "realpython/materials": "7ecc7c477823e8f0a5ea3573b91c1d06c8ac4853",
    "avinashkranjan/Amazing-Python-Scripts": "b60259ec8028477ba13a5d79c7d9de930c6be3f0",
}
# The implant side of remote-access tools, botnets and a stealer (what runs on the victim's machine;
# their servers, builders and web front-ends are left out), as (kept prefixes, left out).
# pupy's vendored third-party libraries (scapy patches, VideoCapture, secretstorage, scandir,
# error-code tables, a PNG writer) are not part of the implant's own code.
FRESH_IMPLANTS = {
    "malwaredllc/byob": (
        ("byob/modules/", "byob/core/payloads.py", "byob/core/stagers.py", "byob/core/loader.py"),
        (),
    ),
    "sweetsoftware/Ares": (("agent/agent.py",), ()),
    "n1nj4sec/pupy": (
        ("pupy/packages/", "pupy/scriptlets/", "pupy/pupy/"),
        (
            "pupy/packages/patches/",
            "pupy/packages/src/",
            "/secretstorage/",
            "/scandir.py",
            "/winerror.py",
            "/png.py",
        ),
    ),
    "xp4xbox/Python-Backdoor": (("src/client/", "src/main_client.py"), ()),
    "0xRose/Rose-Stealer_old": (("resources/source/",), ()),
}
FRESH_IMPLANT_FILES = 30  # files kept per tool (seeded sample; pupy has well over a hundred)
# Cheat-sheet and write-up pages whose Python blocks are sandbox-escape and deserialisation
# payloads.
FRESH_PAGES = {
    "JorianWoltjer/practical-ctf": ("languages/python.md",),
    "Shirajuki/shirajuki.github.io": ("src/content/blog/pyjail-cheatsheet/index.md",),
    "jonsth131/ctf.support": (
        "content/web/python/pickle.md",
        "content/web/python/yaml-deserialization.md",
    ),
    "jeff-160/The-Definitive-Guide-to-Pyjails": ("README.md",),
}
# Program collections, as {repository: folders taken} ("" is the whole repository).
FRESH_PROGRAMS = {
    "keon/algorithms": ("",),
    "OmkarPathak/Python-Programs": ("",),
    "realpython/materials": ("",),
    "avinashkranjan/Amazing-Python-Scripts": ("",),
}
# The second fresh part, held out whole like the first (which has since been studied), from
# sources in none of the parts above, built by the same rules.
FRESH2_SOURCES = {
    "nathanlopez/Stitch": "8e22e91c94237959c02d521aab58dc7e3d994cea",
    "mategol/PySilon-malware": "2b151992c651294d8fa126ccb2d04a4b743798d9",
    "Marten4n6/EvilOSX": "033a662030e99b3704a1505244ebc1e6e59fba57",
    "MythicAgents/Medusa": "9f70e425b91e5780db483207751590ff17052a64",
    "addi00000/empyrean": "73858ba7b00adba3e8b1a4209a68c6d71aeaafe8",
    "Blank-c/Blank-Grabber": "b2bb7d1e1d27ef74666574d96ba838da75822a70",
    "salvatore-abello/python-ctf-cheatsheet": "98d7f53591d2a43ed839113fc221412a48c65042",
    "Python-World/python-mini-projects": "e0cfd4b0fe5e0bb4d443daba594e83332d5fb720",
    "hastagAB/Awesome-Python-Scripts": "f0ea440d412b9b079e3346600f24c74a8ea96386",
    "DhanushNehru/Python-Scripts": "126454b1ba5f80808617a62360e735c3e868ff4b",
    "faif/python-patterns": "74151cfec27663a968f44185adada7c2a1f38165",
    "networkx/networkx": "cfc6b79fc53f583aa15a79b2187ae30bd4f480ed",
}
# Stitch's payload commands and UAC elevation (its vendored creddump, mss and pyxhook, and
# its server, are left out); PySilon's client and the code blocks its builder splices into
# it; EvilOSX's bot, its loaders and the modules it runs on the bot (launchers are generated
# by the server); Medusa's agent commands; empyrean's and Blank Grabber's stealer code (builders
# and GUIs left out).
FRESH2_IMPLANTS = {
    "nathanlopez/Stitch": (("PyLib/", "Elevation/elevate.py"), ()),
    "mategol/PySilon-malware": (("source.py", "resources/"), ()),
    "Marten4n6/EvilOSX": (("bot/", "server/modules/bot/"), ("bot/launchers/",)),
    "MythicAgents/Medusa": (("Payload_Type/medusa/medusa/agent_code/",), ()),
    "addi00000/empyrean": (("src/",), ()),
    "Blank-c/Blank-Grabber": (
        ("Blank Grabber/Components/stub.py", "Blank Grabber/Components/loader.py"),
        (),
    ),
}
FRESH2_PAGES = {
    "salvatore-abello/python-ctf-cheatsheet": (
        "pyjails/README.md",
        "internals/README.md",
        "internals/pwning-python/README.md",
        "libraries/Jinja2/README.md",
        "libraries/multiprocessing/README.md",
        "libraries/pickle/README.md",
        "libraries/sys/README.md",
        "libraries/uncompyle6/README.md",
    ),
}
FRESH2_PROGRAMS = {
    "Python-World/python-mini-projects": ("",),
    "hastagAB/Awesome-Python-Scripts": ("",),
    "DhanushNehru/Python-Scripts": ("",),
    "faif/python-patterns": ("patterns/",),
    "networkx/networkx": ("examples/",),  # its gallery
}
# The third fresh part, held out whole (fresh and fresh2 have since been studied), from sources
# in none of the parts above, built by the same rules.
FRESH3_SOURCES = {
    "AlessandroZ/LaZagne": "858ff6f95f5176ae3c3c50a3ffc86723bf500a99",
    "trinhtuann/Telegram-RAT": "12a2f0d7131d928334085ddde7e1c4cc2bec3540",
    "Smug246/Luna-Grabber": "a9fc1a61543248a99d63a267f7f86b56c3aa259d",
    "BC-SECURITY/Empire": "ca5b77497f82011646422c38dfe67b9b8ebdd85f",
    "Y4hL/PyDoor": "b8f276aca91cf155722f1117c4ae0c341d18e680",
    "tarcisio-marinho/GonnaCry": "1fdb1e1fec9e5736bd437db6438a186d913d628b",
    "jiegec/ctf-writeups": "daee99a52ef4f10ccbdb3d0fb9e5bed66ed61166",
    "ctf-wiki/ctf-wiki": "b80b319c80902d789625b1af1f01dc27e230daa4",
    "larymak/Python-project-Scripts": "b0e44c612e0fd8a68cc59e7ec664527487d14c8c",
    "Mrinank-Bhowmick/python-beginner-projects": "59f55d977821460d14bbe8083ad80e7891f282eb",
    "neetcode-gh/leetcode": "9907b7fed441fa55083c0751e208b7197101dbba",
    "scikit-image/scikit-image": "cd0a3d22b9f359f05618d75d5c7a29b91b4951ca",
    "pyqtgraph/pyqtgraph": "1e0c0fa5e60b0be9ec026fb851715d7f5997b929",
}
# LaZagne's credential modules and their plumbing (its vendored crypto, memorpy, keepass,
# creddump7 and chainbreaker libraries and PyInstaller hooks are left out); the Telegram RAT's
# bot and command modules (its updater is left out); Luna Grabber's stealer and the options
# its builder bundles (builder and tools left out); Empire's Python agent, stagers and the
# module sources it runs on the agent (the server and the module wrappers that build them are
# left out); PyDoor's client; GonnaCry's ransomware (the attacker's key generator, and a
# variables file absent from the mirror, are left out; its server and build script too).
FRESH3_IMPLANTS = {
    "AlessandroZ/LaZagne": (
        ("Windows/", "Linux/", "Mac/"),
        (
            "/crypto/",
            "/lib/",
            "/libkeepass/",
            "/creddump7/",
            "/chainbreaker_module/",
            "hook-sys.py",
        ),
    ),
    "trinhtuann/Telegram-RAT": (("RAT.py", "API.py", "Core/"), ()),
    "Smug246/Luna-Grabber": (("luna.py", "loader.py", "options/"), ()),
    "BC-SECURITY/Empire": (
        ("empire/server/data/agent/", "empire/server/data/module_source/python/"),
        (),
    ),
    "Y4hL/PyDoor": (("client/",), ()),
    "tarcisio-marinho/GonnaCry": (("src/GonnaCry/",), ("generate_keys.py", "variables.py")),
}
# Python-jail and pickle write-ups of one author's CTF collection (the pages on jailCTF's
# challenges are left out), and the Python-sandbox page of CTF Wiki (its zh-tw copy is left out).
FRESH3_PAGES = {
    "jiegec/ctf-writeups": (
        "docs/2025-09-20-crewctf-2025/heapjail.md",
        "docs/2025-12-13-seccon-ctf-2025-quals/excepython.md",
        "docs/2025-12-19-hkcert-ctf-2025-quals/easyJail.md",
        "docs/2025-12-20-tsg-ctf-2025/safe-pickle.md",
        "docs/misc/pyjail/b01lers-ctf-2023-blacklisted.md",
        "docs/misc/pyjail/crewctf-2025-pyfuck.md",
        "docs/misc/pyjail/dicectf-2024-quals-unipickle.md",
        "docs/misc/pyjail/gdg-algiers-2022-type-it.md",
        "docs/misc/pyjail/hacklu-ctf-2025-fangelse.md",
        "docs/misc/pyjail/hitcon-2022-picklection.md",
        "docs/misc/pyjail/hxp-39c3-ctf-sponsored.md",
        "docs/misc/pyjail/imaginaryctf-2024-calc.md",
        "docs/misc/pyjail/imaginaryctf-2024-ok-nice.md",
        "docs/misc/pyjail/imaginaryctf-round-23-stackless-jail.md",
        "docs/misc/pyjail/lactf-2025-farquaad.md",
        "docs/misc/pyjail/ntua-h4ck-2024-snekbox.md",
        "docs/misc/pyjail/seccon-2024-quals-1linepyjail.md",
        "docs/misc/pyjail/secconctf-14-final-increasing.md",
        "docs/misc/pyjail/sekai-ctf-2023-just-another-pickle-jail.md",
        "docs/misc/pyjail/tbtl-ctf-2024-squeezing-tightly-on-arm.md",
        "docs/misc/pyjail/tcp1p-ctf-2023-pymagic.md",
        "docs/misc/pyjail/tcp1p-ctf-2024-functional.md",
        "docs/misc/pyjail/tcp1p-ctf-2024-typically-not-a-revenge.md",
        "docs/misc/pyjail/uiuctf-2024-astea.md",
        "docs/misc/pyjail/unicode-bypass.md",
        "docs/misc/pyjail/uoftctf-2024-jail-zero.md",
        "docs/puppeteer/week1/easy-pyjail-1.md",
    ),
    "ctf-wiki/ctf-wiki": ("docs/zh/docs/pwn/sandbox/python/python-sandbox-escape.md",),
}
FRESH3_PROGRAMS = {
    "larymak/Python-project-Scripts": ("",),
    "Mrinank-Bhowmick/python-beginner-projects": ("",),
    "neetcode-gh/leetcode": ("python/",),  # exercise solutions
    "scikit-image/scikit-image": ("doc/examples/",),  # its gallery
    "pyqtgraph/pyqtgraph": ("pyqtgraph/examples/",),
}
# Each held-out-whole part: (implants, write-up pages, program collections).
FRESH_PARTS = {
    "fresh": (FRESH_IMPLANTS, FRESH_PAGES, FRESH_PROGRAMS),
    "fresh2": (FRESH2_IMPLANTS, FRESH2_PAGES, FRESH2_PROGRAMS),
    "fresh3": (FRESH3_IMPLANTS, FRESH3_PAGES, FRESH3_PROGRAMS),
}
# The commit each source is read at, whatever part it belongs to.
PINNED = {**SOURCES, **FRESH_SOURCES, **FRESH2_SOURCES, **FRESH3_SOURCES}
# An implant file is kept when it runs code or programs (`REACHES_EXEC`) or imports a way to
# reach the network, native code, the registry or the keyboard/screen (by text: many of these
# files are Python 2); helpers that do none of that (argument parsing, constants) are left out.
CAPABILITY = re.compile(
    r"^\s*(?:import|from)\s+(?:socket|ctypes|winreg|_winreg|urllib|urllib2|requests|"
    r"http\.client|httplib|smtplib|ftplib|paramiko|pynput|pyHook|pythoncom|win32\w*|"
    r"pyautogui|pyperclip|mss|keyboard)\b|\bImageGrab\b",
    re.M,
)
# A write-up block is an attack payload when it names a way to run code or a program;
# the rest of such pages (class listings, `dis` output, the victim's code) is left out.
REACHES_EXEC = re.compile(
    r"\b(system|popen|Popen|exec|eval|execfile|__import__|import_module|load_module|spawn\w*|"
    r"getoutput|getstatusoutput|check_output|subprocess|breakpoint|pty|fork_exec|bash)\b|/bin/sh"
)
PACKAGE_FILES = 40  # Python files kept per package (the largest library clones have hundreds)
PACKAGE_FILE_BYTES = 200_000
DEV_PACKAGES = 600  # archives, in hash order, of the development part

RISKY_MODULES = frozenset(
    [
        "subprocess",
        "socket",
        "requests",
        "urllib.request",
        "urllib2",
        "http.client",
        "httpx",
        "aiohttp",
        "smtplib",
        "ftplib",
        "telnetlib",
        "paramiko",
        "pynput",
        "pyautogui",
        "keyboard",
        "pyperclip",
        "mss",
        "PIL.ImageGrab",
        "urllib3",
        "websocket",
        "selenium",
        "mechanize",
        "tweepy",
        "twilio",
        "pysftp",
    ]
)
RISKY_CALLS = frozenset({"os.system", "os.popen", "urllib.request.urlopen", "os.startfile"})
AMBIGUOUS_NAMES = frozenset(
    [
        "eval",
        "exec",
        "compile",
        "__import__",
        "pickle",
        "marshal",
        "shelve",
        "ctypes",
        "os.remove",
        "os.unlink",
        "os.rmdir",
        "shutil.rmtree",
        "os.environ",
        "os.getenv",
        "webbrowser",
        "dill",
        "importlib",
        "os.kill",
        "signal",
        "multiprocessing",
        "threading",
    ]
)
# Calls that are demonstration scaffolding, not an attack: a snippet calling nothing else
# (a comment-only block, `print("payload ran")`, a bare `setup()`) is left out.
SCAFFOLD = frozenset({"print", "setup", "find_packages", "register", "format", "open"})
PY_BLOCK = re.compile(r"```(?:python|py|python3)\s*\n(.*?)```", re.S)
PY_C = re.compile(r"""python[0-9.]*\s+-c\s+(['"])(.+?)\1\s*$""", re.M)


@dataclass
class Snippet:
    label: str
    repo: str
    path: str
    commit: str
    text: str
    note: str = ""

    @property
    def sha(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8", "surrogatepass")).hexdigest()


class Mirror:
    def __init__(self, base: Path, repo: str) -> None:
        self.repo = repo
        self.git = base / repo.replace("/", "+") / "repo"
        self.commit = PINNED.get(repo) or self._run("rev-parse", "HEAD").decode().strip()

    def _run(self, *args: str) -> bytes:
        return subprocess.run(
            ["git", "--git-dir", str(self.git), *args], check=True, capture_output=True
        ).stdout

    def files(self) -> list[str]:
        return self._run("ls-tree", "-r", "--name-only", self.commit).decode().splitlines()

    def read(self, path: str) -> bytes:
        return self._run("show", f"{self.commit}:{path}")


def _imports_and_calls(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                names.add(a.name)
                names.add(a.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.add(node.module.split(".")[0])
            for a in node.names:
                names.add(f"{node.module}.{a.name}")
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            names.add(f"{node.value.id}.{node.attr}")
        elif isinstance(node, ast.Name):
            names.add(node.id)
    return names


def program_label(text: str) -> str | None:
    """benign, risky, or None (unparsable or ambiguous: left out)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return None
    names = _imports_and_calls(tree)
    if names & RISKY_MODULES or names & RISKY_CALLS:
        return "risky"
    if names & AMBIGUOUS_NAMES:
        return None
    return "benign"


def is_attack(text: str) -> bool:
    """False for snippets that parse and call nothing but `SCAFFOLD` (nothing to detect)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return True
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            name = (
                f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
            )
            if name not in SCAFFOLD:
                return True
    return False


def malicious(mirrors: Path) -> list[Snippet]:
    """Attack payloads; on the deserialisation page a block without a `__reduce__` is the
    victim's own loading code, labelled risky."""
    out: list[Snippet] = []
    m = Mirror(mirrors, "swisskyrepo/PayloadsAllTheThings")
    for page in (
        "Methodology and Resources/Reverse Shell Cheatsheet.md",
        "Insecure Deserialization/Python.md",
    ):
        md = m.read(page).decode()
        for i, block in enumerate(PY_BLOCK.findall(md)):
            victim = "Deserialization" in page and "__reduce__" not in block
            label = "risky" if victim else "malicious"
            out.append(Snippet(label, m.repo, page, m.commit, block, f"block {i}"))
        for i, (_, code) in enumerate(PY_C.findall(md)):
            out.append(Snippet("malicious", m.repo, page, m.commit, code + "\n", f"python -c {i}"))
    m = Mirror(mirrors, "kiwamizamurai/cctf")
    for page in (
        ".claude/skills/pyjail/reference/bypass.md",
        ".claude/skills/pyjail/reference/payloads.md",
    ):
        md = m.read(page).decode()
        for i, block in enumerate(PY_BLOCK.findall(md)):
            out.append(Snippet("malicious", m.repo, page, m.commit, block, f"block {i}"))
    m = Mirror(mirrors, "gl0r10us520999/hacktricks")
    for page in HACKTRICKS_PAGES:
        md = m.read(page).decode()
        for i, block in enumerate(PY_BLOCK.findall(md)):
            if REACHES_EXEC.search(block):
                out.append(Snippet("malicious", m.repo, page, m.commit, block, f"block {i}"))
    m = Mirror(mirrors, "xathrya/malpython")
    for path in m.files():
        if not path.endswith(".py") or path.endswith(("greet.py", "server.py")):
            continue
        text = m.read(path).decode("utf-8", "replace")
        if path.endswith("__init__.py") and len(text.strip()) < 40:
            continue
        out.append(Snippet("malicious", m.repo, path, m.commit, text))
    m = Mirror(mirrors, "t0d4/CHASE-AIware25")
    for path in m.files():
        if not path.endswith(".tar.gz"):
            continue
        with tarfile.open(fileobj=io.BytesIO(m.read(path))) as tar:
            for member in tar.getmembers():
                if member.name.endswith(".py"):
                    data = tar.extractfile(member)
                    if data is None:
                        continue
                    text = data.read().decode("utf-8", "replace")
                    if len(text.strip()) < 40:
                        continue
                    out.append(
                        Snippet("malicious", m.repo, f"{path}!{member.name}", m.commit, text)
                    )
    return out


def _archive_files(blob: bytes) -> list[tuple[str, bytes]]:
    """The Python files of an sdist or wheel (either format, whatever the file is named)."""
    out: list[tuple[str, bytes]] = []
    try:
        if blob[:2] == b"PK":
            with zipfile.ZipFile(io.BytesIO(blob)) as z:
                for info in z.infolist():
                    if info.filename.endswith(".py") and info.file_size <= PACKAGE_FILE_BYTES:
                        out.append((info.filename, z.read(info)))
        else:
            with tarfile.open(fileobj=io.BytesIO(blob)) as tar:
                for member in tar.getmembers():
                    keep = member.isfile() and member.name.endswith(".py")
                    if keep and member.size <= PACKAGE_FILE_BYTES:
                        data = tar.extractfile(member)
                        if data is not None:
                            out.append((member.name, data.read()))
    except (tarfile.TarError, zipfile.BadZipFile, OSError, EOFError, ValueError):
        return []
    return sorted(out)[:PACKAGE_FILES]


def packages(mirrors: Path, count: int) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(part, archive path, [(file, text)]) for malicious packages: the first `DEV_PACKAGES`
    archives in SHA-256 order of their paths are the development part (rules were written
    looking at them), the next ones, up to `count` kept, the held-out part."""
    m = Mirror(mirrors, "lxyeternal/pypi_malregistry")
    first: dict[str, str] = {}
    for path in m.files():
        if path.endswith((".tar.gz", ".whl", ".zip")):
            first.setdefault(path.split("/")[0].lower(), path)
    chosen = sorted(first.values(), key=lambda p: hashlib.sha256(p.encode()).hexdigest())
    out = []
    for i, path in enumerate(chosen):
        if len(out) >= count:
            break
        try:
            blob = m.read(path)
        except subprocess.CalledProcessError:
            continue  # listed in the tree, but the archive itself is not in the mirror
        files = [(n, b.decode("utf-8", "replace")) for n, b in _archive_files(blob)]
        if not any(is_attack(text) for _, text in files):
            continue
        out.append(("dev" if i < DEV_PACKAGES else "heldout", path, files))
    return out


def programs(mirrors: Path, per_repo: int, seed: int) -> list[Snippet]:
    out: list[Snippet] = []
    rng = random.Random(seed)
    for repo in ("TheAlgorithms/Python", "geekcomputers/Python"):
        m = Mirror(mirrors, repo)
        paths = sorted(p for p in m.files() if p.endswith(".py") and "/test" not in p)
        rng.shuffle(paths)
        taken = {"benign": 0, "risky": 0}
        for path in paths:
            try:
                text = m.read(path).decode("utf-8")
            except UnicodeDecodeError:
                continue
            if len(text) > 60_000 or not text.strip():
                continue
            label = program_label(text)
            if label is None or taken[label] >= per_repo:
                continue
            taken[label] += 1
            out.append(Snippet(label, m.repo, path, m.commit, text))
    m = Mirror(mirrors, "openai/human-eval")
    raw = gzip.decompress(m.read("data/HumanEval.jsonl.gz")).decode()
    for line in raw.splitlines():
        task = json.loads(line)
        text = task["prompt"] + task["canonical_solution"]
        label = program_label(text) or "benign"
        out.append(
            Snippet(
                label,
                m.repo,
                f"data/HumanEval.jsonl.gz#{task['task_id']}",
                m.commit,
                text,
                "humaneval",
            )
        )
    return out


def _parses(text: str) -> bool:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    return True


def fresh_malicious(
    mirrors: Path,
    seed: int,
    implants: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = FRESH_IMPLANTS,
    pages: dict[str, tuple[str, ...]] = FRESH_PAGES,
) -> list[Snippet]:
    """Implant files of malware tools and the payload blocks of write-up pages (five and five
    for the fresh part): a block is kept when it names a way to run code or a program
    (`REACHES_EXEC`) and Python 3.11 parses it (disassembly listings and pickle opcode dumps
    are left out)."""
    out: list[Snippet] = []
    rng = random.Random(seed)
    for repo, (keep, drop) in implants.items():
        m = Mirror(mirrors, repo)
        paths = sorted(
            p
            for p in m.files()
            if p.endswith(".py") and p.startswith(keep) and not any(d in p for d in drop)
        )
        rng.shuffle(paths)
        taken = 0
        for path in paths:
            if taken >= FRESH_IMPLANT_FILES:
                break
            text = m.read(path).decode("utf-8", "replace")
            if len(text.strip()) < 40 or len(text) > PACKAGE_FILE_BYTES:
                continue
            if not (REACHES_EXEC.search(text) or CAPABILITY.search(text)):
                continue
            taken += 1
            out.append(Snippet("malicious", m.repo, path, m.commit, text, "implant"))
    for repo, repo_pages in pages.items():
        m = Mirror(mirrors, repo)
        for page in repo_pages:
            md = m.read(page).decode()
            for i, block in enumerate(PY_BLOCK.findall(md)):
                if REACHES_EXEC.search(block) and _parses(block):
                    out.append(Snippet("malicious", m.repo, page, m.commit, block, f"block {i}"))
    return out


def fresh_programs(
    mirrors: Path,
    per_repo: int,
    seed: int,
    collections: dict[str, tuple[str, ...]] = FRESH_PROGRAMS,
) -> list[Snippet]:
    """Programs of the folders of collections (four whole repositories for the fresh part),
    labelled as in `programs` (tests and hidden folders such as `.github/` are left out)."""
    out: list[Snippet] = []
    rng = random.Random(seed)
    for repo, folders in collections.items():
        m = Mirror(mirrors, repo)
        paths = sorted(
            p
            for p in m.files()
            if p.endswith(".py")
            and p.startswith(folders)
            and not any(q.startswith((".", "test")) for q in p.split("/"))
        )
        rng.shuffle(paths)
        taken = {"benign": 0, "risky": 0}
        for path in paths:
            if min(taken.values()) >= per_repo:
                break
            try:
                text = m.read(path).decode("utf-8")
            except (UnicodeDecodeError, subprocess.CalledProcessError):
                continue  # not text, or listed in the tree but absent from the mirror
            if len(text) > 60_000 or not text.strip():
                continue
            label = program_label(text)
            if label is None or taken[label] >= per_repo:
                continue
            taken[label] += 1
            out.append(Snippet(label, m.repo, path, m.commit, text))
    return out


def write_snippets(
    snippets: list[Snippet],
    parts: tuple[str, ...],
    part_of: Callable[[Snippet], str],
    seen: set[str],
    manifest: list[dict[str, str]],
    counts: dict[str, int],
) -> None:
    """Empty the label folders of `parts`, then write each new attack or program snippet
    into the part `part_of` gives it, recording it in `manifest` and `counts`; `seen`
    keeps every part disjoint from the ones written before."""
    for part in parts:
        for label in ("malicious", "benign", "risky"):
            d = OUT / part / label
            d.mkdir(parents=True, exist_ok=True)
            for old in d.glob("*.py"):
                old.unlink()
    for s in snippets:
        if s.sha in seen or not s.text.strip():
            continue
        if s.label == "malicious" and not is_attack(s.text):
            continue
        seen.add(s.sha)
        part = part_of(s)
        stem = re.sub(r"[^A-Za-z0-9]+", "_", f"{s.repo.split('/')[0]}_{Path(s.path).stem}")[:60]
        name = f"{stem}_{s.sha[:8]}.py"
        (OUT / part / s.label / name).write_text(s.text, encoding="utf-8", errors="surrogatepass")
        manifest.append(
            {
                "file": f"{part}/{s.label}/{name}",
                "label": s.label,
                "repo": s.repo,
                "path": s.path,
                "commit": s.commit,
                "sha256": s.sha,
                "note": s.note,
            }
        )
        counts[f"{part}/{s.label}"] = counts.get(f"{part}/{s.label}", 0) + 1


def build_fresh(
    mirrors: Path, per_repo: int, seed: int, seen: set[str], part: str = "fresh"
) -> dict[str, int]:
    """A part of `FRESH_PARTS`, all held out, with its own `<part>/manifest.json`; a snippet
    already in a part built before it (same SHA-256) is left out."""
    implants, pages, collections = FRESH_PARTS[part]
    snippets = fresh_malicious(mirrors, seed, implants, pages) + fresh_programs(
        mirrors, per_repo, seed, collections
    )
    manifest: list[dict[str, str]] = []
    counts: dict[str, int] = {}
    write_snippets(snippets, (part,), lambda s: part, seen, manifest, counts)
    (OUT / part / "manifest.json").write_text(
        json.dumps(manifest, indent=1) + "\n", encoding="utf-8"
    )
    return counts


def build(
    mirrors: Path, per_repo: int, seed: int, package_count: int, fresh_per_repo: int
) -> dict[str, int]:
    snippets = malicious(mirrors) + programs(mirrors, per_repo, seed)
    seen: set[str] = set()
    manifest: list[dict[str, str]] = []
    counts: dict[str, int] = {}
    write_snippets(
        snippets,
        ("dev", "heldout"),
        lambda s: "heldout" if int(s.sha[0], 16) < 8 else "dev",
        seen,
        manifest,
        counts,
    )
    for part in ("dev", "heldout"):
        shutil.rmtree(OUT / part / "packages", ignore_errors=True)
    if package_count:
        m = Mirror(mirrors, "lxyeternal/pypi_malregistry")
        for part, path, files in packages(mirrors, package_count):
            sha = hashlib.sha256(path.encode()).hexdigest()
            stem = re.sub(r"[^A-Za-z0-9]+", "_", path.split("/")[0])[:40] + f"_{sha[:8]}"
            for name, text in files:
                rel = re.sub(r"[^A-Za-z0-9_.]+", "_", name)[-120:]
                dest = OUT / part / "packages" / stem / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_text(text, encoding="utf-8", errors="surrogatepass")
            manifest.append(
                {
                    "file": f"{part}/packages/{stem}",
                    "label": "malicious",
                    "repo": m.repo,
                    "path": path,
                    "commit": m.commit,
                    "sha256": sha,
                    "note": f"{len(files)} Python files",
                }
            )
            counts[f"{part}/packages"] = counts.get(f"{part}/packages", 0) + 1
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    for part in FRESH_PARTS:
        counts.update(build_fresh(mirrors, fresh_per_repo, seed, seen, part))
    return counts


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--mirrors", type=Path, required=True, help="folder of owner+name/repo git dirs"
    )
    ap.add_argument("--per-repo", type=int, default=120, help="programs per label per collection")
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--packages", type=int, default=800, help="malicious packages (0: none)")
    ap.add_argument(
        "--fresh-per-repo",
        type=int,
        default=50,
        help="programs per label per collection of each fresh part",
    )
    args = ap.parse_args()
    counts = build(args.mirrors, args.per_repo, args.seed, args.packages, args.fresh_per_repo)
    for key in sorted(counts):
        print(f"{key:20} {counts[key]:5}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
