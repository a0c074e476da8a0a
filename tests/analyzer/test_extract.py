"""Python code blocks of an LLM reply: which fences count, and screening the whole reply."""

from __future__ import annotations

import ast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airlock.analyzer.extract import extract_code, fenced_blocks, python_blocks

REPLY = """Here is the script:

```python
import json
print(json.dumps({"a": 1}))
```

Install it first:

```bash
pip install requests
```

And the config:

```json
{"debug": true}
```

1. Then run:

   ```py
   def main():
       return 42
   ```

~~~python3
x = [i * i for i in range(3)]
~~~
"""


def test_tagged_fences_in_order_with_list_indentation_removed() -> None:
    assert extract_code(REPLY) == [
        'import json\nprint(json.dumps({"a": 1}))\n',
        "def main():\n    return 42\n",
        "x = [i * i for i in range(3)]\n",
    ]


def test_start_lines_point_into_the_reply() -> None:
    lines = REPLY.splitlines()
    for block in python_blocks(REPLY):
        assert lines[block.start_line - 1].strip() == block.code.splitlines()[0].strip()


@pytest.mark.parametrize(
    ("fence", "expected"),
    [
        ("```\nimport os\nos.listdir('.')\n```", ["import os\nos.listdir('.')\n"]),
        ("```\nprint('hi')\n```", ["print('hi')\n"]),
        ("```\nls\n```", []),  # a bare name is a shell command, not a program
        ('```\n{"a": [1, 2]}\n```', []),  # JSON parses as Python but does nothing
        ("```\npip install requests\n```", []),
        ("```bash\nprint('hi')\n```", []),  # tagged bash: not Python even if it parses
        ("```sh\nexec('x')\n```", []),
        ("```Python\nx = 1\n```", ["x = 1\n"]),
        ('```{.python title="a.py"}\nx = 1\n```', ["x = 1\n"]),
        ("````python\n```\nx = 1\n````", ["```\nx = 1\n"]),  # a longer fence holds a shorter one
        ("```python\nimport os\nos.system('id')", ["import os\nos.system('id')\n"]),  # unterminated
        ("```python\ndef f(:\n```", ["def f(:\n"]),  # broken Python is still Python: scan decides
        ("```pycon\n>>> import os\n>>> os.getcwd()\n'/tmp'\n```", ["import os\nos.getcwd()\n"]),
        ("no fences here", []),
        ("```python\n```", [""]),
    ],
)
def test_which_fences_are_python(fence: str, expected: list[str]) -> None:
    assert extract_code(fence) == expected


def test_bytes_input_and_crlf() -> None:
    assert extract_code(b"```py\r\nx = 1\r\n```\r\n") == ["x = 1\n"]


def test_other_languages_are_still_seen_as_blocks() -> None:
    assert [b.language for b in fenced_blocks(REPLY)] == ["python", "bash", "json", "py", "python3"]


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_extract_never_raises(text: str) -> None:
    for code in extract_code(text):
        assert isinstance(code, str)


_identifiers = st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True).filter(
    lambda s: s not in {"if", "in", "is", "or", "as", "def", "for", "and", "not", "del", "try"}
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(_identifiers, st.integers() | st.text(max_size=20)), min_size=1, max_size=8),
    st.sampled_from(["```python", "~~~py", "```python3", "  ```py", "```"]),
    st.text(alphabet=st.characters(blacklist_characters="`~"), max_size=40),
)
def test_a_python_block_round_trips(
    assignments: list[tuple[str, object]], opener: str, prose: str
) -> None:
    code = "".join(f"{name} = {value!r}\nprint({name})\n" for name, value in assignments)
    ast.parse(code)
    indent = opener[: len(opener) - len(opener.lstrip())]
    fence = opener.strip()[:3]
    body = "".join(indent + line + "\n" for line in code.splitlines())
    reply = f"{prose}\n{opener}\n{body}{indent}{fence}\n{prose}\n"
    assert code in extract_code(reply)


def test_scan_reply_screens_each_block_and_all_together() -> None:
    from airlock.analyzer.extract import scan_reply
    from airlock.analyzer.models import Verdict

    reply = (
        "First the imports:\n\n```python\nimport base64\n```\n\n"
        'Then run it:\n\n```python\nexec(base64.b64decode("cHJpbnQoMSk="))\n```\n\n'
        "```bash\nrm -rf /\n```\n"
    )
    screened = scan_reply(reply)
    assert len(screened.blocks) == len(screened.reports) == 2
    assert screened.start_lines == [4, 10]
    assert screened.combined.verdict is Verdict.block  # the import meets its use when joined
    assert screened.verdict is Verdict.block


def test_scan_reply_of_harmless_and_empty_replies() -> None:
    from airlock.analyzer.extract import scan_reply
    from airlock.analyzer.models import Verdict

    assert scan_reply("```python\nprint(sum([1, 2]))\n```\n").verdict is Verdict.allow
    empty = scan_reply("Nothing to run here.")
    assert empty.blocks == [] and empty.verdict is Verdict.allow
