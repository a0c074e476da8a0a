"""Make `import analyzer` mean the package, not this test folder of the same name.

pytest puts `tests/` on sys.path (rootdir conftest), where `tests/analyzer/` looks
like a namespace package named `analyzer` that shadows the editable install. The
repository root goes first on sys.path, and a shadowing namespace module is dropped.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
_loaded = sys.modules.get("analyzer")
if _loaded is not None and getattr(_loaded, "__file__", None) is None:
    for _name in [n for n in sys.modules if n == "analyzer" or n.startswith("analyzer.")]:
        del sys.modules[_name]
