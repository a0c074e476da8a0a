# expect: review
# Exporter plugins live in ./exporters/<format>.py; the format comes from the command line.
import argparse
import importlib
import json

parser = argparse.ArgumentParser()
parser.add_argument("--format", default="csv", choices=["csv", "markdown", "html"])
args = parser.parse_args()

exporter = importlib.import_module(f"exporters.{args.format}")
with open("results.json") as fh:
    rows = json.load(fh)
exporter.write(rows, f"results.{args.format}")
