# expect: allow
import json

SCHEMA = {"name": str, "age": int, "tags": list}


def validate(record: dict) -> list[str]:
    errors = []
    for key, typ in SCHEMA.items():
        if key not in record:
            errors.append(f"missing {key}")
        elif not isinstance(record[key], typ):
            errors.append(f"{key}: expected {typ.__name__}, got {type(record[key]).__name__}")
    return errors


with open("people.json") as fh:
    people = json.load(fh)
for i, person in enumerate(people):
    for err in validate(person):
        print(f"record {i}: {err}")
