"""The bounded operations constant folding may apply, and the values it may produce.

Decoders (base64, hex, zlib, codecs, chr…), string methods and binary operators, each
guarded so that no intermediate exceeds `MAX_LEN` characters or `MAX_INT_BITS` bits:
`'a' * 10**9` and `'%1000000000s' % x` are refused (`NoFold`) before anything is
allocated.
"""

from __future__ import annotations

import ast
import base64
import binascii
import codecs
import re
import zlib
from collections.abc import Callable
from typing import Any

import libcst as cst

MAX_LEN = 100_000
MAX_DEPTH = 60
MAX_INT_BITS = 4096
MAX_ITEMS = 10_000


class NoFold(Exception):
    """The expression is not a bounded constant."""


NOFOLD = NoFold()


def check_size(value: Any) -> Any:
    if isinstance(value, (str, bytes, list, tuple)) and len(value) > MAX_LEN:
        raise NOFOLD
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise NOFOLD
    return value


def simple_string(node: cst.SimpleString) -> str | bytes:
    """Value of a string literal, without `ast.literal_eval` in the common case."""
    raw = node.value
    q = raw[-1]
    prefix_len = len(raw) - len(raw.lstrip("rRbBuU"))
    prefix = raw[:prefix_len].lower()
    quote = 3 if raw[prefix_len : prefix_len + 3] == q * 3 else 1
    body = raw[prefix_len + quote : len(raw) - quote]
    if "\\" not in body or "r" in prefix:
        if "b" in prefix:
            try:
                return body.encode("ascii")
            except UnicodeEncodeError:
                raise NOFOLD from None
        return body
    return ast.literal_eval(raw)


def _decode_b64(data: Any, altchars: Any = None, validate: Any = False) -> bytes:
    if isinstance(data, str):
        data = data.encode("ascii")
    return base64.b64decode(data)


DECODERS: dict[str, Callable[..., Any]] = {
    "base64.b64decode": _decode_b64,
    "base64.standard_b64decode": base64.standard_b64decode,
    "base64.urlsafe_b64decode": base64.urlsafe_b64decode,
    "base64.b32decode": base64.b32decode,
    "base64.b16decode": lambda d, casefold=False: base64.b16decode(d, casefold=True),
    "base64.b85decode": base64.b85decode,
    "base64.a85decode": base64.a85decode,
    "binascii.unhexlify": binascii.unhexlify,
    "binascii.a2b_hex": binascii.a2b_hex,
    "binascii.a2b_base64": binascii.a2b_base64,
    "builtins.bytes.fromhex": bytes.fromhex,
    "builtins.bytearray.fromhex": lambda s: bytes(bytearray.fromhex(s)),
    "builtins.chr": chr,
    "builtins.str": lambda *a: str(*a) if len(a) < 2 else str(a[0], *a[1:]),
    "builtins.bytes": lambda *a: bytes(*a) if a and not isinstance(a[0], int) else NOFOLD,
    "builtins.list": list,
    "builtins.tuple": tuple,
    "builtins.reversed": lambda s: list(reversed(s)),
    "builtins.ord": ord,
    "builtins.int": int,
    "builtins.len": len,
    "codecs.decode": lambda s, enc="utf-8", *_: codecs.decode(s, enc),
    "codecs.encode": lambda s, enc="utf-8", *_: codecs.encode(s, enc),
    "zlib.decompress": lambda d, *_: _bounded_inflate(d),
    "pathlib.Path": lambda *parts: (
        "/".join(parts) if all(isinstance(p, str) for p in parts) else NOFOLD
    ),
    "pathlib.PurePath": lambda *parts: (
        "/".join(parts) if all(isinstance(p, str) for p in parts) else NOFOLD
    ),
    "os.path.join": lambda *parts: (
        "/".join(parts) if all(isinstance(p, str) for p in parts) else NOFOLD
    ),
}
STR_METHODS = frozenset(
    [
        "join",
        "decode",
        "encode",
        "lower",
        "upper",
        "strip",
        "lstrip",
        "rstrip",
        "replace",
        "format",
        "title",
        "capitalize",
        "swapcase",
        "casefold",
        "split",
        "removeprefix",
        "removesuffix",
        "zfill",
        "center",
        "ljust",
        "rjust",
    ]
)
BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    cst.Add: lambda a, b: a + b,
    cst.Subtract: lambda a, b: a - b,
    cst.Modulo: lambda a, b: a % b,
    cst.BitXor: lambda a, b: a ^ b,
    cst.BitOr: lambda a, b: a | b,
    cst.BitAnd: lambda a, b: a & b,
    cst.FloorDivide: lambda a, b: a // b,
    cst.LeftShift: lambda a, b: multiply(a, power(2, b)) if isinstance(a, int) else NOFOLD,
    cst.RightShift: lambda a, b: a >> b,
}


def _bounded_inflate(data: Any) -> bytes:
    d = zlib.decompressobj()
    out = d.decompress(data, MAX_LEN + 1)
    if len(out) > MAX_LEN:
        raise NOFOLD
    return out


WIDE_FIELD = re.compile(r"\d{6,}")


def no_wide_fields(template: str | bytes, args: tuple[Any, ...]) -> None:
    """`'%1000000000s' % x` / `'{:>{}}'.format(x, 10**9)` would allocate the width."""
    text = template.decode("latin-1") if isinstance(template, bytes) else template
    if WIDE_FIELD.search(text):
        raise NOFOLD
    if any(isinstance(a, int) and abs(a) > MAX_LEN for a in args):
        raise NOFOLD


def multiply(a: Any, b: Any) -> Any:
    if isinstance(a, int) and isinstance(b, (str, bytes, list, tuple)):
        a, b = b, a
    if isinstance(a, (str, bytes, list, tuple)) and isinstance(b, int):
        if b > 0 and len(a) * b > MAX_LEN:
            raise NOFOLD
        return a * b
    if isinstance(a, int) and isinstance(b, int):
        if a.bit_length() + b.bit_length() > MAX_INT_BITS:
            raise NOFOLD
        return a * b
    raise NOFOLD


def power(a: Any, b: Any) -> Any:
    if not (isinstance(a, int) and isinstance(b, int)) or b < 0 or b > MAX_INT_BITS:
        raise NOFOLD
    if abs(a) > 1 and b * max(a.bit_length(), 1) > MAX_INT_BITS:
        raise NOFOLD
    return a**b
