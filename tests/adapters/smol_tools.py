"""A tool for the smolagents adapter test (module level: smolagents sends its source)."""

from smolagents import Tool


class Doubler(Tool):
    name = "double"
    description = "Doubles an integer."
    inputs = {"n": {"type": "integer", "description": "the number to double"}}  # noqa: RUF012
    output_type = "integer"

    def forward(self, n: int) -> int:
        return 2 * n
