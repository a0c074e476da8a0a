"""What a value in the source may be: the sources value flow starts from.

`source_of(ctx, node)` classifies one origin node (analyzer/taint.py finds them) as a
kind and a description: **strong** kinds (`secret`: the whole environment, credential,
browser and wallet stores; `capture`: clipboard, screen, keyboard; `recon`: account files,
host identity, process lists, the output of reconnaissance commands) are what stealers
collect; **weak** kinds (`credential`: one environment variable, a keyring entry, a typed
password; `userfile`: a file under home or documents; `output`: a command's output;
`sysfact`: platform facts) are what ordinary clients send about themselves.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import libcst as cst

from airlock.analyzer.resolve import arg_value, canonical

if TYPE_CHECKING:
    from airlock.analyzer.context import Context

STRONG = ("secret", "capture", "recon")
WEAK = ("credential", "userfile", "output", "sysfact")
NAMED = "named"  # a value only named like a secret: counts where it is sent, not that it is

# Names of values that hold secrets: `def perm(private_key): requests.post(URL, private_key)`.
SECRET_NAME = re.compile(
    r"(?i)(private_?key|priv_?key|secret|mnemonic|seed_?phrase|passphrase|password|passwd|"
    r"api_?key|token|^auth$|wallet|cookie|credential|keystore)"
)
FILE = "file"  # the contents of some file: counts where it is sent, like NAMED

ENV_VAR = frozenset({"os.getenv", "os.environ.get", "os.getenvb", "dotenv.get_key"})
WHOLE_ENV = frozenset({"os.environ", "os.environb"})
WHOLE_ENV_CALLS = frozenset(
    {"os.environ.copy", "os.environ.items", "os.environ.values", "dotenv.dotenv_values"}
)
SECRET_CALLS = (
    "win32crypt.CryptUnprotectData",
    "win32cred.CredEnumerate",
    "win32cred.CredRead",
    "browser_cookie3.",
    "browsercookie.",
)
CREDENTIAL_CALLS = frozenset({"keyring.get_password", "keyring.get_credential", "getpass.getpass"})
CAPTURE_CALLS = (
    "pyperclip.paste",
    "clipboard.paste",
    "win32clipboard.GetClipboardData",
    "pyautogui.screenshot",
    "PIL.ImageGrab.grab",
    "ImageGrab.grab",
    "mss.mss.grab",
    "mss.mss.shot",
    "pynput.keyboard",
    "keyboard.record",
    "keyboard.read_key",
    "cv2.VideoCapture.read",
    "sounddevice.rec",
    "picamera.PiCamera.capture",
    "picamera2.Picamera2.capture_array",
    "tkinter.Tk.clipboard_get",
    "ctypes.windll.user32.GetAsyncKeyState",
    "win32api.GetAsyncKeyState",
    "scapy.all.sniff",
    "scapy.sendrecv.sniff",
    "pyshark.LiveCapture",
    "pyscreenshot.grab",
)
RECON_CALLS = frozenset(
    {
        "socket.gethostname",
        "socket.getfqdn",
        "platform.node",
        "platform.uname",
        "os.uname",
        "getpass.getuser",
        "os.getlogin",
        "pwd.getpwall",
        "pwd.getpwuid",
        "psutil.process_iter",
        "psutil.pids",
        "psutil.users",
        "uuid.getnode",
        "os.listdir",
    }
)
SYSFACT_CALLS = ("platform.", "sys.getwindowsversion", "os.cpu_count", "locale.getlocale")
COMMAND_OUTPUT = (
    "subprocess.check_output",
    "subprocess.getoutput",
    "subprocess.getstatusoutput",
    "subprocess.run",
    "subprocess.Popen",
    "os.popen",
    "commands.getoutput",
)
READERS = frozenset({"builtins.open", "io.open", "codecs.open", "os.open"})
PATH_READ_METHODS = frozenset({"read_text", "read_bytes", "open"})
ARCHIVERS = frozenset({"shutil.make_archive"})

CREDENTIAL_PATH = re.compile(
    r"\.ssh[/\\]|id_(rsa|dsa|ecdsa|ed25519)|\.aws[/\\]|\.netrc|\.git-credentials|"
    r"\.docker[/\\]config|\.kube[/\\]config|\.pgpass|\.npmrc|\.pypirc|gcloud|\.azure[/\\]|"
    r"Login Data|Cookies|Local State|key[34]\.db|logins\.json|wallet\.dat|\.electrum|"
    r"Exodus|\.bitcoin|\.ethereum|keystore|Local Storage|leveldb|\.gnupg|/etc/shadow|"
    r"_history\b|\.password-store|Keychains|discord|Telegram Desktop|tdata|\.env$|"
    r"/run/secrets/|serviceaccount/token|\.config/gh/hosts|\.terraform\.d/credentials|"
    r"Steam[/\\](config|ssfn)|\bssfn\d*|loginusers\.vdf|FileZilla[/\\](recentservers|sitemanager)|"
    r"NetworkManager/system-connections|wpa_supplicant",
    re.IGNORECASE,
)
ACCOUNT_PATH = re.compile(r"^/etc/(passwd|shadow|group|gshadow|sudoers|master\.passwd)$")
HOME_PATH = re.compile(
    r"^(~|/home/|/Users/|/root\b|\{\}[/\\](Documents|Desktop|Downloads|Pictures))|"
    r"[/\\](Documents|Desktop|Downloads|Pictures|AppData)([/\\]|$)|%(USERPROFILE|APPDATA)%"
)
# A command that raises a system-styled password dialog: what it returns is the password.
CREDENTIAL_PROMPT = re.compile(
    r"(?i)promptforcredential|\bget-credential\b|display\s+dialog\b.*\bhidden\s+answer|"
    r"\bzenity\b.*--(password|hide-text)|\bkdialog\b.*--password"
)
RECON_COMMAND = re.compile(
    r"^\s*(sudo\s+)?(whoami|id|hostname|uname|ifconfig|ip\s+(a|addr|route)|ipconfig|"
    r"systeminfo|netstat|ss\s+-|ps(\s|$)|tasklist|w(\s|$)|who(\s|$)|last(\s|$)|env(\s|$)|"
    r"printenv|set(\s|$)|net\s+(user|config|share)|arp\s|cat\s+/etc/|ls\s+(-\S+\s+)?(~|/home|/root)|"
    r"wmic|query\s+user|cmdkey|dir\s+%)"
)


def quals_of(ctx: Context, expr: cst.BaseExpression) -> set[str]:
    return {canonical(q) for q in ctx.names.qualnames(expr)}


def path_texts(ctx: Context, call: cst.Call, quals: set[str]) -> list[str]:
    """The path a reading call reads: its first argument, or the receiver of `p.read_text()`."""
    func = call.func
    if quals & READERS or quals & ARCHIVERS:
        target = arg_value(call, 0, "file") if quals & READERS else arg_value(call, 2, "root_dir")
        return ctx.possible_texts(target) if target is not None else []
    if type(func) is cst.Attribute and func.attr.value in PATH_READ_METHODS:
        return ctx.possible_texts(func.value)
    return []


def source_of(ctx: Context, node: cst.CSTNode) -> tuple[str, str] | None:
    """(kind, what) when `node` produces data worth following, else None."""
    if type(node) is cst.Subscript:
        return ("credential", "an environment variable")
    if type(node) in (cst.Name, cst.Attribute):
        if quals_of(ctx, node) & WHOLE_ENV:  # type: ignore[arg-type]
            return ("secret", "the whole environment (os.environ)")
        if type(node) is cst.Name and SECRET_NAME.search(node.value):  # type: ignore[attr-defined]
            return (NAMED, f"a value named {node.value}")  # type: ignore[attr-defined]
        return None
    if type(node) is not cst.Call:
        return None
    quals = quals_of(ctx, node.func)  # type: ignore[attr-defined]
    if not quals and type(node.func) is not cst.Attribute:  # type: ignore[attr-defined]
        return None
    if quals & WHOLE_ENV_CALLS:
        return ("secret", "the whole environment")
    if quals & ENV_VAR:
        return ("credential", "an environment variable")
    if quals & CREDENTIAL_CALLS:
        return ("credential", sorted(quals & CREDENTIAL_CALLS)[0])
    for q in sorted(quals):
        if q.startswith(SECRET_CALLS):
            return ("secret", q)
        if q.startswith(CAPTURE_CALLS):
            return ("capture", q)
        if q in RECON_CALLS:
            if q == "os.listdir" and not _reads_proc(ctx, node):  # type: ignore[arg-type]
                continue
            return ("recon", q)
        if q.startswith(COMMAND_OUTPUT):
            command = arg_value(node, 0, "args")  # type: ignore[arg-type]
            texts = ctx.possible_texts(command) if command is not None else []
            if any(CREDENTIAL_PROMPT.search(t) for t in texts):
                return ("secret", f"a password typed into `{texts[0][:40]}`")
            if any(RECON_COMMAND.search(t) for t in texts):
                return ("recon", f"the output of `{texts[0][:40]}`")
            return ("output", f"the output of {q}")
        if q.startswith(SYSFACT_CALLS):
            return ("sysfact", q)
    texts = path_texts(ctx, node, quals)  # type: ignore[arg-type]
    for t in texts:
        if ACCOUNT_PATH.search(t):
            return ("recon", f"the account file {t}")
        if CREDENTIAL_PATH.search(t):
            return ("secret", f"the credential store {t}")
    for t in texts:
        if HOME_PATH.search(t):
            return ("userfile", f"the user's file {t}")
    if quals & READERS or (
        type(node.func) is cst.Attribute and node.func.attr.value in ("read_text", "read_bytes")
    ):  # type: ignore[attr-defined]
        return (FILE, f"a file's contents ({texts[0][:60]})" if texts else "a file's contents")
    return None


def _reads_proc(ctx: Context, call: cst.Call) -> bool:
    path = arg_value(call, 0, "path")
    return path is not None and any(t.startswith("/proc") for t in ctx.possible_texts(path))
