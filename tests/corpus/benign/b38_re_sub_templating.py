# expect: allow
import re

TEMPLATE = "Dear {{name}}, your order {{order_id}} ships on {{date}}."
PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


def render(template: str, values: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


print(render(TEMPLATE, {"name": "Ada", "order_id": "A-42", "date": "2026-12-01"}))
