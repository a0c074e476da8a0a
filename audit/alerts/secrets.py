"""Detectors for secrets-looking strings in code and program output.

Every search starts at a literal (a token prefix such as ``AKIA`` or ``ghp_``,
or a key-word stem such as ``passw``), which the regex engine finds with a
fast substring search; the token boundary is checked by a lookbehind placed
after that literal, and every quantifier is bounded and possessive. A scan is
therefore linear in the text (5 MB in well under a second) and no pattern can
backtrack catastrophically; a cap on examined candidates bounds hostile input.
Candidates then pass precision checks (placeholder words, character variety,
entropy, a decodable JWT header) so that look-alikes such as
``AKIAXXXXXXXXXXXXXXXX``, ``your-api-key-here``, UUIDs and hex digests do not
fire. Findings carry only a redacted form of the secret.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from airlock.audit.alerts.randomness import HEX_OR_UUID, char_classes, looks_random

# Examined candidates per detector and text; bounds the work on hostile input.
MAX_CANDIDATES = 10_000


@dataclass(frozen=True)
class SecretFinding:
    """One secrets-looking string: what it looks like, where, and a redacted form."""

    detector: str  # e.g. "aws-access-key-id"
    label: str  # e.g. "AWS access key id"
    line: int  # 1-based line of the match
    redacted: str  # never the secret itself
    private_key: bool = False


def redact(secret: str) -> str:
    """At most 4 leading characters (never more than a quarter) and the length."""
    shown = min(4, len(secret) // 4)
    return f"{secret[:shown]}… ({len(secret)} chars)"


_FOLD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_AWS_SECRET = re.compile(r"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
_LOWER_UPPER_DIGIT: tuple[Callable[[str], bool], ...] = (str.islower, str.isupper, str.isdigit)

# A scan yields the (start, end) spans of accepted secrets; `folded` is `text`
# with ASCII letters lower-cased (same length), for case-insensitive searches
# that keep a literal prefix and so stay fast.
Scan = Callable[[str, str], Iterator[tuple[int, int]]]


def _token_scan(pattern: str, *, min_entropy: float, prefix_len: int, lead: int = 0) -> Scan:
    """A token with a fixed prefix: the pattern starts with a literal (fast search)."""
    compiled = re.compile(pattern)

    def scan(text: str, _folded: str) -> Iterator[tuple[int, int]]:
        for examined, match in enumerate(compiled.finditer(text)):
            if examined >= MAX_CANDIDATES:
                return
            start, end = match.start() - lead, match.end()
            if looks_random(text[start + prefix_len : end], min_entropy=min_entropy):
                yield start, end

    return scan


_PRIVATE_KEY = re.compile(
    r"-----BEGIN (?:(?:RSA|EC|DSA|OPENSSH|PGP|ENCRYPTED) )?PRIVATE KEY(?: BLOCK)?-----"
)


def _private_key_scan(text: str, _folded: str) -> Iterator[tuple[int, int]]:
    """A private-key header, spanning to its END line when that follows within 20 kB."""
    end_marker = -2  # position of the next "-----END" (-1: none left; -2: not looked yet)
    for examined, match in enumerate(_PRIVATE_KEY.finditer(text)):
        if examined >= MAX_CANDIDATES:
            return
        end = match.end()
        if end_marker != -1 and end_marker < end:
            end_marker = text.find("-----END", end)  # searched once per marker: linear
        if 0 <= end_marker <= end + 20_000:
            close = text.find("-----", end_marker + 8, end_marker + 100)
            end = close + 5 if close >= 0 else end_marker + 8
        yield match.start(), end


def _aws_secret_scan(text: str, folded: str) -> Iterator[tuple[int, int]]:
    """A 40-character key within 100 characters after "aws" on the same line."""
    scanned_until = 0
    for examined, aws in enumerate(re.finditer("aws", folded)):
        if examined >= MAX_CANDIDATES:
            return
        first = max(aws.end(), scanned_until)
        last_start = aws.end() + 100
        line_end = text.find("\n", first, last_start + 41)
        endpos = min(len(text), last_start + 41) if line_end < 0 else line_end
        for match in _AWS_SECRET.finditer(text, first, endpos):
            start, end = match.span()
            if start > last_start or (end < len(text) and re.match(r"[A-Za-z0-9/+=]", text[end])):
                continue
            value = text[start:end]
            if char_classes(value) >= 3 and looks_random(value, min_entropy=3.8):
                yield start, end
        scanned_until = max(scanned_until, last_start + 1)


def _jwt_scan(text: str, folded: str) -> Iterator[tuple[int, int]]:
    pattern = re.compile(
        r"eyJ(?<![A-Za-z0-9_-]eyJ)[A-Za-z0-9_-]{8,4000}+\.eyJ[A-Za-z0-9_-]{8,8000}+"
        r"\.[A-Za-z0-9_-]{16,1000}+(?![A-Za-z0-9_.-])"
    )
    for examined, match in enumerate(pattern.finditer(text)):
        if examined >= MAX_CANDIDATES:
            return
        header = match.group(0).split(".", 1)[0]
        try:
            decoded = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
        except (binascii.Error, ValueError, UnicodeDecodeError):
            continue
        if isinstance(decoded, dict) and ("alg" in decoded or "typ" in decoded):
            yield match.span()


_KEYWORDS = (
    r"(?:passw(?:or)?d|pwd|passphrase|api[_-]?key|apikey|secret[_-]?key|client[_-]?secret"
    r"|access[_-]?token|auth[_-]?token|private[_-]?key)"
)
# Literal stems of those key words: str.find on each is far cheaper than trying
# the alternation at every position of a long text.
_STEMS = (
    *("passw", "passphrase", "pwd", "apikey", "api_key", "api-key"),
    *("secret_key", "secret-key", "secretkey", "client_secret", "client-secret", "clientsecret"),
    *("access_token", "access-token", "accesstoken", "auth_token", "auth-token", "authtoken"),
    *("private_key", "private-key", "privatekey"),
)
_ASSIGNMENT = re.compile(
    _KEYWORDS + r"[\"']?[ \t]{0,8}[:=][ \t]{0,8}"
    r"(?:([\"'])([^\"'\s\\]{8,200}+)\1|([a-z0-9_+/~-]{16,200}+={0,2})(?=[\s&;,]|$))"
)


# One literal-prefixed pattern per stem, with the word-boundary check after the
# literal so that the fast literal search still applies.
_STEM_PATTERNS = tuple(re.compile(f"{re.escape(s)}(?<![a-z0-9]{re.escape(s)})") for s in _STEMS)


def _stem_positions(folded: str) -> list[int]:
    positions: list[int] = []
    for pattern in _STEM_PATTERNS:
        for match in pattern.finditer(folded):
            positions.append(match.start())
            if len(positions) >= MAX_CANDIDATES:
                return sorted(positions)
    return sorted(positions)


def _assignment_scan(text: str, folded: str) -> Iterator[tuple[int, int]]:
    """`password = "…"`, `api_key=…` with a high-entropy value (names are case-insensitive)."""
    for position in _stem_positions(folded):
        match = _ASSIGNMENT.match(folded, position)
        if match is None:
            continue
        group = 2 if match.group(2) is not None else 3
        start, end = match.span(group)
        value = text[start:end]
        if HEX_OR_UUID.fullmatch(value) or char_classes(value) < 2:
            continue
        # A bare value is usually a name (API_KEY_FROM_ENV); random tokens mix all three.
        if group == 3 and not all(any(t(c) for c in value) for t in _LOWER_UPPER_DIGIT):
            continue
        # Short values cannot reach 3 bits per character; scale the bar with the length.
        if looks_random(value, min_entropy=min(3.0, 0.8 * math.log2(len(value)))):
            yield start, end


@dataclass(frozen=True)
class _Detector:
    name: str
    label: str
    scan: Scan
    private_key: bool = False


DETECTORS: tuple[_Detector, ...] = (
    _Detector("private-key", "private key", _private_key_scan, private_key=True),
    _Detector(
        "aws-access-key-id",
        "AWS access key id",
        _token_scan(
            r"A(?:KI|SI)A(?<![A-Za-z0-9]....)[A-Z0-9]{16}(?![A-Za-z0-9])",
            min_entropy=2.4,
            prefix_len=4,
        ),
    ),
    _Detector("aws-secret-access-key", "AWS secret access key", _aws_secret_scan),
    _Detector(
        "github-token",
        "GitHub token",
        _token_scan(
            r"g(?:h[pousr]_(?<![A-Za-z0-9_]....)[A-Za-z0-9]{36,251}+"
            r"|ithub_pat_(?<![A-Za-z0-9_]github_pat_)[A-Za-z0-9_]{50,244}+)(?![A-Za-z0-9_])",
            min_entropy=3.5,
            prefix_len=4,
        ),
    ),
    _Detector(
        "slack-token",
        "Slack token",
        _token_scan(
            r"xox[abpr]-(?<![A-Za-z0-9-]xox.-)[0-9]{8,14}+-[A-Za-z0-9-]{8,250}+(?![A-Za-z0-9-])",
            min_entropy=3.0,
            prefix_len=5,
        ),
    ),
    _Detector(
        "google-api-key",
        "Google API key",
        _token_scan(
            r"AIza(?<![A-Za-z0-9_-]AIza)[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])",
            min_entropy=3.5,
            prefix_len=4,
        ),
    ),
    _Detector(
        "stripe-live-key",
        "Stripe live secret key",
        _token_scan(
            r"k_live_(?<=(?<![A-Za-z0-9_])[sr]k_live_)[0-9A-Za-z]{24,99}+(?![A-Za-z0-9_])",
            min_entropy=3.2,
            prefix_len=8,
            lead=1,
        ),
    ),
    _Detector("jwt", "JSON Web Token", _jwt_scan),
    _Detector("credential-assignment", "hard-coded credential", _assignment_scan),
)

DETECTOR_NAMES: tuple[str, ...] = tuple(d.name for d in DETECTORS)


def _redacted(detector: _Detector, secret: str) -> str:
    if detector.private_key:  # the header names the kind and is not itself secret
        header = secret.split("-----", 2)[1] if secret.count("-----") >= 2 else "PRIVATE KEY"
        return f"{header.removeprefix('BEGIN ')} block ({len(secret)} chars)"
    return redact(secret)


def find_secrets(
    text: str, *, detectors: tuple[str, ...] | None = None, limit: int = 20
) -> list[SecretFinding]:
    """Secrets-looking strings in `text`, at most `limit`, in detector then text order."""
    folded = text.translate(_FOLD)
    found: list[SecretFinding] = []
    seen: set[str] = set()
    for detector in DETECTORS:
        if detectors is not None and detector.name not in detectors:
            continue
        for start, end in detector.scan(text, folded):
            secret = text[start:end]
            if secret in seen:
                continue
            seen.add(secret)
            found.append(
                SecretFinding(
                    detector=detector.name,
                    label=detector.label,
                    line=text.count("\n", 0, start) + 1,
                    redacted=_redacted(detector, secret),
                    private_key=detector.private_key,
                )
            )
            if len(found) >= limit:
                return found
    return found
