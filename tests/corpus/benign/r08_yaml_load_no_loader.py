# expect: review
import yaml

with open("pipeline.yaml") as fh:
    spec = yaml.load(fh)
for step in spec.get("steps", []):
    print(step["name"])
