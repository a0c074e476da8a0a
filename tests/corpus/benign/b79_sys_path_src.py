# expect: allow
import sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent / "src"))
import mypkg  # noqa: E402
print(mypkg.__name__)
