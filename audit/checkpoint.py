"""Signed checkpoints: the chain's head, anchored outside the store.

The hash chain alone is keyless: whoever can write the database can rewrite records
and recompute every hash after them, delete the newest records and move the head
back, or empty the store. A checkpoint is the head (sequence number, hash, time)
signed with an Ed25519 key that lives outside the store (a 0600 file, created on
first use). Because each hash commits to every record before it, a store that still
holds the checkpointed hash at the checkpointed sequence number holds exactly the
records that were there when it was taken; anything else (a rewrite that recomputed
every hash, truncation, a rollback to an older copy, deletion of everything) shows.

The verifier trusts a public key it already has (the local key file, or `--key` for a
key file or public key given to an auditor), never a key carried by the checkpoint.
"""

from __future__ import annotations

import base64
import binascii
import errno
import hashlib
import json
import os
import re
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from airlock.audit.chain import GENESIS
from airlock.audit.tables import CHAINED, ChainHead

FORMAT = "airlock-checkpoint/1"
KEY_ENV = "AIRLOCK_CHECKPOINT_KEY"
MAX_FILE = 64 * 1024  # a checkpoint is one short JSON line; anything larger is refused
_FIELDS = ("format", "seq", "hash", "time", "key_id", "signature")
_HEX64 = re.compile(r"[0-9a-f]{64}\Z")


class CheckpointError(Exception):
    """A key or checkpoint file that cannot be used (one line, fit to print)."""


@dataclass(frozen=True)
class Checkpoint:
    """The signed head of the chain at one moment."""

    seq: int
    hash: str
    time: str
    key_id: str
    signature: str

    def payload(self) -> bytes:
        """The bytes the signature covers."""
        return signed_bytes(self.seq, self.hash, self.time)

    def dumps(self) -> str:
        """One line of JSON, the checkpoint file's whole content."""
        body = {"format": FORMAT, **self.__dict__}
        return json.dumps(body, sort_keys=True, separators=(",", ":"))


def signed_bytes(seq: int, head_hash: str, time: str) -> bytes:
    """Canonical JSON of what a checkpoint asserts (format, seq, hash, time)."""
    body = {"format": FORMAT, "seq": seq, "hash": head_hash, "time": time}
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode("ascii")


def key_id(public: Ed25519PublicKey) -> str:
    """SHA-256 of the raw public key, hex: names the key in checkpoints and errors."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def default_key_path() -> Path:
    """$AIRLOCK_CHECKPOINT_KEY, else `checkpoint.key` in the user's Airlock config folder."""
    if os.environ.get(KEY_ENV):
        return Path(os.environ[KEY_ENV]).expanduser()
    from platformdirs import user_config_path

    return user_config_path("airlock") / "checkpoint.key"


def signing_key(path: Path | None = None, *, create: bool = True) -> Ed25519PrivateKey:
    """The private key at `path` (default location if None), created 0600 on first use."""
    path = path or default_key_path()
    from airlock.executor import private_paths

    private_paths.hide(path)  # no run sees the key, wherever it lies
    if not os.path.lexists(path):
        if not create:
            raise CheckpointError(f"no checkpoint key at {path}")
        return _create_key(path)
    data = _read_private(path)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise CheckpointError(f"{path} is not an unencrypted PEM private key: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointError(f"{path} holds a {type(key).__name__}, not an Ed25519 key")
    return key


def verifying_key(path: Path | None = None) -> Ed25519PublicKey:
    """The public key to trust: from a private key file or a PEM public key file."""
    path = path or default_key_path()
    data = _read_bounded(path)
    if b"PRIVATE KEY" in data:
        return signing_key(path, create=False).public_key()
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise CheckpointError(f"{path} is not a PEM Ed25519 key: {exc}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise CheckpointError(f"{path} holds a {type(key).__name__}, not an Ed25519 key")
    return key


def public_pem(key: Ed25519PrivateKey) -> str:
    """The public half as PEM, to hand to an auditor who verifies without the private key."""
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def take(session: Session, key: Ed25519PrivateKey, *, when: datetime | None = None) -> Checkpoint:
    """Sign the store's current head, after the whole chain verifies (a checkpoint never
    anchors a store that is already broken; CheckpointError then)."""
    from airlock.audit.verify import verify

    report = verify(session)
    if not report.ok:
        raise CheckpointError(f"not signing a broken chain: {report.line()}")
    head = session.get(ChainHead, 1)
    seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    time = (when or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    signature = key.sign(signed_bytes(seq, head_hash, time))
    return Checkpoint(
        seq=seq,
        hash=head_hash,
        time=time,
        key_id=key_id(key.public_key()),
        signature=base64.b64encode(signature).decode("ascii"),
    )


def parse(text: str | bytes) -> Checkpoint:
    """A checkpoint from its file content; CheckpointError for anything malformed."""
    if len(text) > MAX_FILE:
        raise CheckpointError(f"a checkpoint is at most {MAX_FILE} bytes")
    try:
        body = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"not a checkpoint (invalid JSON: {exc})") from None
    if not isinstance(body, dict) or sorted(body) != sorted(_FIELDS):
        raise CheckpointError(
            f"not a checkpoint (expected exactly the fields {', '.join(_FIELDS)})"
        )
    if body["format"] != FORMAT:
        raise CheckpointError(f"unknown checkpoint format {str(body['format'])[:40]!r}")
    seq = body["seq"]
    if type(seq) is not int or not 0 <= seq < 2**63:
        raise CheckpointError("checkpoint seq must be a non-negative integer")
    for name in ("hash", "key_id"):
        if not isinstance(body[name], str) or not _HEX64.match(body[name]):
            raise CheckpointError(f"checkpoint {name} must be 64 lowercase hex digits")
    if not isinstance(body["time"], str) or len(body["time"]) > 40:
        raise CheckpointError("checkpoint time must be a short string")
    if not isinstance(body["signature"], str) or len(body["signature"]) > 200:
        raise CheckpointError("checkpoint signature must be a short base64 string")
    return Checkpoint(**{k: body[k] for k in _FIELDS if k != "format"})


def load(path: Path) -> Checkpoint:
    """Read and parse a checkpoint file."""
    return parse(_read_bounded(path))


def problem(session: Session, cp: Checkpoint, public: Ed25519PublicKey) -> str | None:
    """Why the store does not hold what `cp` asserts, or None when it does.

    The caller verifies the chain itself (each link); this checks the anchor.
    """
    if cp.key_id != key_id(public):
        return f"the checkpoint was signed by key {cp.key_id[:16]}…, not the trusted key"
    try:
        public.verify(base64.b64decode(cp.signature, validate=True), cp.payload())
    except (InvalidSignature, binascii.Error, ValueError):
        return "the checkpoint's signature does not verify (forged or altered checkpoint)"
    head = session.get(ChainHead, 1)
    head_seq = head.seq if head else 0
    if head_seq < cp.seq:
        return (
            f"the store ends at seq {head_seq} but the checkpoint of {cp.time} saw seq {cp.seq} "
            "(records deleted, store truncated, emptied or rolled back to an older copy)"
        )
    if cp.seq == 0:
        return (
            None if cp.hash == GENESIS else "a checkpoint of an empty store must hold the genesis"
        )
    found = _hash_at(session, cp.seq)
    if found is None:
        return f"the record at seq {cp.seq} that the checkpoint signed is missing"
    if found != cp.hash:
        return (
            f"the record at seq {cp.seq} differs from the one checkpointed at {cp.time} "
            "(records up to it were rewritten)"
        )
    return None


def _hash_at(session: Session, seq: int) -> str | None:
    for model in CHAINED.values():
        tbl = model.__table__  # type: ignore[attr-defined]
        found = session.execute(select(tbl.c.hash).where(tbl.c.seq == seq)).scalar()
        if found is not None:
            return str(found)
    return None


def _create_key(path: Path) -> Ed25519PrivateKey:
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
    except OSError as exc:
        raise CheckpointError(f"cannot create the checkpoint key {path}: {exc.strerror}") from None
    return key


def _read_private(path: Path) -> bytes:
    """A private key file's bytes, refused unless it is a regular file of this user that
    no one else may read or write (checked on the open descriptor, no symlink followed)."""
    return _read_bounded(path, private=True)


def _read_bounded(path: Path, *, private: bool = False) -> bytes:
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | (os.O_NOFOLLOW if private else 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        why = "a symlink" if exc.errno == errno.ELOOP else exc.strerror or str(exc)
        raise CheckpointError(f"cannot read {path}: {why}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise CheckpointError(f"{path} is not a regular file")
        mode = stat.S_IMODE(info.st_mode)
        if private and (mode & 0o077):
            raise CheckpointError(
                f"the checkpoint key {path} is open to other users (mode {mode:04o}); chmod 600 it"
            )
        if private and info.st_uid != os.geteuid():
            raise CheckpointError(f"the checkpoint key {path} belongs to another user")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(MAX_FILE + 1)
    except OSError as exc:
        raise CheckpointError(f"cannot read {path}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if len(data) > MAX_FILE:
        raise CheckpointError(f"{path} is larger than {MAX_FILE} bytes")
    return data
