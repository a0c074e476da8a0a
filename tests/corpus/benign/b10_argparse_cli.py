# expect: allow
import argparse
import json
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description="Convert a JSON-lines file to pretty JSON.")
    parser.add_argument("input", type=Path)
    parser.add_argument("-o", "--output", type=Path, default=Path("out.json"))
    parser.add_argument("--indent", type=int, default=2)
    args = parser.parse_args()

    records = [json.loads(line) for line in args.input.read_text().splitlines() if line.strip()]
    args.output.write_text(json.dumps(records, indent=args.indent))
    print(f"wrote {len(records)} records to {args.output}")


if __name__ == "__main__":
    main()
