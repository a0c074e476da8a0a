# expect: review
from pathlib import Path
import json

cfg_dir = Path.home() / ".config" / "mytool"
cfg_dir.mkdir(parents=True, exist_ok=True)
(cfg_dir / "settings.json").write_text(json.dumps({"theme": "dark"}))
