"""The shipped rule sets, as YAML data files in this folder."""

from pathlib import Path

RULES_DIR: Path = Path(__file__).resolve().parent
