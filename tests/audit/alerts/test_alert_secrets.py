"""The secret detectors: what fires, what looks close but must not, redaction, speed.

Secrets-looking test strings are assembled from parts at run time so that the
repository itself never holds one.
"""

from __future__ import annotations

import base64
import json
import random
import string
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airlock.audit.alerts import find_secrets, redact
from airlock.audit.alerts.randomness import char_classes, looks_random, shannon_entropy
from airlock.audit.alerts.secrets import DETECTOR_NAMES, MAX_CANDIDATES

RNG = random.Random(20260302)
ALNUM = string.ascii_letters + string.digits


def rand(n: int, alphabet: str = ALNUM, rng: random.Random = RNG) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def b64url(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def jwt(rng: random.Random = RNG) -> str:
    header = b64url({"alg": "HS256", "typ": "JWT"})
    return f"{header}.{b64url({'sub': rand(10, rng=rng), 'iat': 1700000000})}.{rand(43, rng=rng)}"


def aws_id(rng: random.Random = RNG) -> str:
    return "AKIA" + rand(16, string.ascii_uppercase + string.digits, rng)


def aws_secret(rng: random.Random = RNG) -> str:
    return rand(18, rng=rng) + "/" + rand(9, rng=rng) + "+" + rand(11, rng=rng)


BEGIN, END = "-----BEGIN ", "-----END "

POSITIVE = [
    ("private-key", f"{BEGIN}RSA PRIVATE KEY-----\nMIIEow{rand(64)}\n{END}RSA PRIVATE KEY-----\n"),
    ("private-key", f"key = '''{BEGIN}EC PRIVATE KEY-----\nMHcC{rand(40)}'''"),
    ("private-key", f"{BEGIN}OPENSSH PRIVATE KEY-----\nb3Bl{rand(70)}\n"),
    ("private-key", f"{BEGIN}PGP PRIVATE KEY BLOCK-----\n\nlQOY{rand(64)}\n"),
    ("private-key", f"{BEGIN}PRIVATE KEY-----\nMIIE{rand(64)}\n"),
    ("aws-access-key-id", f"client = boto3.client('s3', aws_access_key_id='{aws_id()}')"),
    ("aws-access-key-id", f"export AWS_ACCESS_KEY_ID={'ASIA' + rand(16, string.ascii_uppercase)}"),
    ("aws-secret-access-key", f"aws_secret_access_key = '{aws_secret()}'"),
    ("aws-secret-access-key", f"AWS_SECRET_ACCESS_KEY={aws_secret()}\n"),
    ("github-token", f"headers = {{'Authorization': 'token ghp_{rand(36)}'}}"),
    ("github-token", f"GH=gho_{rand(36)}"),
    ("github-token", f"ghs_{rand(36)}"),
    ("github-token", f"github_pat_{rand(22)}_{rand(59)}"),
    (
        "slack-token",
        f"SLACK = 'xoxb-{rand(12, string.digits)}-{rand(13, string.digits)}-{rand(24)}'",
    ),
    ("slack-token", f"xoxp-{rand(11, string.digits)}-{rand(11, string.digits)}-{rand(32)}"),
    ("google-api-key", f"url = 'https://maps.googleapis.com/?key=AIza{rand(35)}'"),
    ("stripe-live-key", f"stripe.api_key = 'sk_{'live'}_{rand(24)}'"),
    ("stripe-live-key", f"rk_{'live'}_{rand(40)}"),
    ("jwt", f"Authorization: Bearer {jwt()}"),
    ("credential-assignment", f'password = "{rand(12, ALNUM + "!@#%")}"'),
    ("credential-assignment", f"db.connect(user='app', passwd='{rand(14)}')"),
    ("credential-assignment", f'config = {{"api_key": "{rand(32)}"}}'),
    ("credential-assignment", f"API_KEY={rand(24)}\n"),
    ("credential-assignment", f"client_secret: '{rand(20)}'"),
    ("credential-assignment", f"curl https://x.test/?access_token={rand(30)}&x=1"),
]

NEGATIVE = [
    "AKIAXXXXXXXXXXXXXXXX",
    "AKIAIOSFODNN7EXAMPLE",  # the documentation example
    "key = 'AKIA1234'",  # too short
    "AKIA" + "1" * 16,  # no randomness
    "XAKIA" + rand(16, string.ascii_uppercase),  # part of a longer word
    "aws_secret_access_key = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'",
    f"data = '{aws_secret()}'",  # 40 characters, but nowhere near "aws"
    "aws commit 0123456789abcdef0123456789abcdef01234567",  # a git hash
    'api_key = "your-api-key-here"',
    "api_key = '<API_KEY>'",
    "password = 'hunter2'",  # short
    "password = 'password123'",
    "password = '********'",
    "password = os.environ['DB_PASSWORD']",
    "password = get_password_from_vault(name)",
    "api_key = API_KEY_SETTING_NAME_X1",
    "token = '123e4567-e89b-12d3-a456-426614174000'",
    'api_key = "123e4567-e89b-12d3-a456-426614174000"',
    "sha256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'",
    "api_key = 'e3b0c44298fc1c149afbf4c8996fb924'",  # an md5-style digest
    "password_hint = 'ask the admin'",
    f"{BEGIN}CERTIFICATE-----\nMIIB{rand(64)}\n{END}CERTIFICATE-----",
    f"{BEGIN}PUBLIC KEY-----\nMIIB{rand(64)}\n",
    f"{BEGIN}RSA PUBLIC KEY-----",
    "ghp_" + "x" * 36,
    "ghp_" + rand(20),  # too short
    "xoxb-your-token-here",
    f"sk_{'test'}_{rand(24)}",  # test-mode keys are not secrets worth an alert
    "AIza" + "X" * 35,
    "eyJhbGciOiJIUzI1NiJ9",  # one segment is not a token
    f"eyJ{rand(20)}.eyJ{rand(20)}.{rand(20)}",  # header is not JSON
    "version = '1.2.3'; url = 'https://example.com/path?page=2'",
]


@pytest.mark.parametrize(("detector", "text"), POSITIVE)
def test_detects(detector: str, text: str) -> None:
    found = find_secrets(text)
    assert [f.detector for f in found] == [detector], text


@pytest.mark.parametrize("text", NEGATIVE)
def test_near_misses_do_not_fire(text: str) -> None:
    assert find_secrets(text) == [], text


def test_findings_carry_line_and_redacted_form() -> None:
    key = aws_id()
    found = find_secrets(f"import boto3\n\nKEY = '{key}'\n")
    assert len(found) == 1
    assert found[0].line == 3
    assert found[0].redacted == f"AKIA… ({len(key)} chars)"
    assert key not in found[0].redacted


def test_private_key_redaction_names_the_kind_only() -> None:
    body = rand(64)
    found = find_secrets(f"{BEGIN}RSA PRIVATE KEY-----\n{body}\n{END}RSA PRIVATE KEY-----\n")
    assert found[0].private_key
    assert found[0].redacted.startswith("RSA PRIVATE KEY block (")
    assert body[:8] not in found[0].redacted


def test_detector_selection_and_limit() -> None:
    text = "\n".join(aws_id() for _ in range(30)) + f"\nghp_{rand(36)}"
    assert len(find_secrets(text)) == 20
    assert len(find_secrets(text, limit=3)) == 3
    only = find_secrets(text, detectors=("github-token",))
    assert [f.detector for f in only] == ["github-token"]
    assert set(DETECTOR_NAMES) >= {"private-key", "jwt", "credential-assignment"}


def test_randomness_checks() -> None:
    assert shannon_entropy("") == 0.0
    assert shannon_entropy("aaaa") == 0.0
    assert shannon_entropy("abcd") == 2.0
    assert looks_random(rand(32), min_entropy=4.0)
    assert not looks_random("Example" + rand(25), min_entropy=3.0)
    assert not looks_random(rand(10) + "zzzzzz" + rand(10), min_entropy=3.0)
    assert char_classes("aB3-") == 4


def test_redact_never_shows_more_than_a_quarter() -> None:
    assert redact("abcdefghijklmnopqrst") == "abcd… (20 chars)"
    assert redact("abcdefgh") == "ab… (8 chars)"
    assert redact("abc") == "… (3 chars)"


@pytest.mark.parametrize("make", [aws_id, aws_secret, jwt])
def test_random_keys_are_found(make) -> None:
    rng = random.Random(7)
    for _ in range(50):
        secret = make(rng)
        prefix = "aws_secret = " if make is aws_secret else "value = "
        found = find_secrets(f"{prefix}'{secret}'\n")
        assert len(found) == 1, secret
        assert secret not in found[0].redacted


_TOKENS = st.one_of(
    st.text(string.ascii_uppercase + string.digits, min_size=16, max_size=16).map(
        lambda s: "AKIA" + s
    ),
    st.text(ALNUM, min_size=36, max_size=40).map(lambda s: "ghp_" + s),
    st.text(ALNUM, min_size=35, max_size=35).map(lambda s: "AIza" + s),
    st.text(ALNUM, min_size=24, max_size=30).map(lambda s: "sk_" + "live_" + s),
    st.text(ALNUM + "!@#%", min_size=8, max_size=40).map(lambda s: f'password = "{s}"'),
)


@settings(max_examples=300, deadline=None)
@given(before=st.text(max_size=60), token=_TOKENS, after=st.text(max_size=60))
def test_redaction_never_leaks_the_secret(before: str, token: str, after: str) -> None:
    text = f"{before} {token} {after}"
    secret = token.split('"')[1] if token.startswith("password") else token
    for finding in find_secrets(text):
        assert secret not in finding.redacted
        assert len(finding.redacted) < len(secret) + 16


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_arbitrary_text_never_raises(text: str) -> None:
    for finding in find_secrets(text):
        assert finding.detector in DETECTOR_NAMES
        assert finding.line >= 1


def _adversarial_inputs() -> dict[str, str]:
    five_mb = 5_000_000
    printable = rand(100_000, string.printable)
    token = base64.b64encode(RNG.randbytes(five_mb * 3 // 4)).decode().rstrip("=")
    return {
        "random printable": (printable * (five_mb // len(printable)))[:five_mb],
        "one long base64 token": token,
        "repeated JWT prefix": "eyJ" * (five_mb // 3),
        "repeated assignment": "password=" * (five_mb // 9),
        "key words inside words": "xpwd" * (five_mb // 4),
        "assignment then spaces": "api_key" + " " * five_mb,
        "aws then hex": ("aws " + "0123456789abcdef" * 2 + "01234567\n") * (five_mb // 45),
        "placeholder AWS ids": ("AKIA" + "1" * 16 + " ") * (five_mb // 21),
        "private key headers": (BEGIN + "RSA PRIVATE KEY-----") * (five_mb // 31),
        "slack digits": "xoxb-" + "1" * five_mb,
        "quotes": ("password='" + "a" * 199 + "\n") * (five_mb // 211),
    }


def test_scanning_5_mb_stays_linear() -> None:
    """CPU seconds, not wall time (a loaded machine must not fail it): a linear scan of 5 MB
    takes a fraction of a second, a backtracking one hours, so the bound only separates those."""
    slowest = 0.0
    for name, text in _adversarial_inputs().items():
        start = time.process_time()
        find_secrets(text)
        elapsed = time.process_time() - start
        slowest = max(slowest, elapsed)
        assert elapsed < 10.0, f"{name}: {elapsed:.2f}s of CPU"
    print(f"slowest 5 MB scan: {slowest:.3f}s of CPU")


def test_candidate_cap_bounds_hostile_inputs() -> None:
    text = "password = 'aaaaaaaaaaaa'\n" * (MAX_CANDIDATES * 3)
    start = time.process_time()
    assert find_secrets(text) == []
    assert time.process_time() - start < 10.0  # CPU seconds: bounded, not backtracking
