"""The executor's data contracts: limits, layer status and execution results."""

from __future__ import annotations

import base64
import binascii
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_serializer, field_validator

NETWORK_HELP = "none, loopback, or allow:HOST[:PORT],… (an egress allow-list)"


class AllowList(BaseModel):
    """An egress allow-list (``allow:HOST[:PORT],…``): the only hosts, and ports, a run may
    reach, through the host-side proxy (executor/egress.py). Each rule is kept in its
    canonical form (lowercase IDNA name, ``*.suffix`` or IP literal, optional port; a rule
    without a port allows 80 and 443). In JSON and ``str()`` it is the ``allow:…`` string."""

    model_config = ConfigDict(frozen=True)

    rules: tuple[str, ...] = Field(min_length=1)

    @field_validator("rules", mode="before")
    @classmethod
    def _canonical(cls, value: Any) -> Any:
        if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
            return tuple(str(rule) for rule in _parse(",".join(value)))
        return value

    @classmethod
    def parse(cls, spec: str) -> AllowList:
        """``allow:HOST[:PORT],…`` (the prefix optional) as a list; ValueError, one line."""
        return cls(rules=tuple(str(rule) for rule in _parse(spec)))

    def entries(self) -> tuple[Any, ...]:
        """The rules as ``egress.Allow`` entries, for the proxy."""
        return _parse(",".join(self.rules))

    def outside(self, bound: AllowList) -> list[str]:
        """The rules of this list that ``bound`` does not wholly cover (none: a subset)."""
        limits = bound.entries()
        return [str(e) for e in self.entries() if not any(b.covers(e) for b in limits)]

    def __str__(self) -> str:
        return "allow:" + ",".join(self.rules)


def _parse(spec: str) -> tuple[Any, ...]:
    from airlock.executor.egress import parse_allow  # only when an allow-list is used

    return parse_allow(spec)


class Limits(BaseModel):
    """Resource limits for one run; every field has a sensible default."""

    timeout_s: float = Field(10.0, gt=0, description="wall-clock timeout")
    cpu_s: int = Field(10, gt=0, description="CPU seconds (RLIMIT_CPU)")
    memory_mb: int = Field(512, gt=0, description="cgroup memory (else the data rlimit)")
    max_processes: int = Field(32, gt=0, description="processes and threads")
    max_open_files: int = Field(64, gt=0)
    max_disk_mb: int = Field(64, gt=0, description="total bytes the run may write")
    max_files: int = Field(4096, gt=0, description="inodes in the working directory")
    max_stdout_bytes: int = Field(1_000_000, ge=0)
    max_stderr_bytes: int = Field(1_000_000, ge=0)
    max_stdin_bytes: int = Field(16_000_000, ge=0, description="bytes run() may feed on stdin")
    max_output_files: int = Field(64, ge=0, description="files returned from the workdir")
    max_output_file_bytes: int = Field(1_000_000, ge=0)
    network: Literal["none", "loopback"] | AllowList = Field(
        "none", description=NETWORK_HELP, union_mode="left_to_right"
    )

    @field_validator("network", mode="before")
    @classmethod
    def _network(cls, value: Any) -> Any:
        if isinstance(value, str) and value not in ("none", "loopback"):
            if not value.strip().lower().startswith("allow:"):
                raise ValueError(f"network must be {NETWORK_HELP}, not {value[:80]!r}")
            return AllowList.parse(value)
        return value

    @field_serializer("network")
    def _network_text(self, network: str | AllowList) -> str:
        return str(network)

    @property
    def egress(self) -> AllowList | None:
        """The allow-list when the network is one, else None."""
        return self.network if isinstance(self.network, AllowList) else None


class LayerStatus(BaseModel):
    """Whether one isolation layer was in force for a run."""

    name: str
    status: Literal["active", "unavailable", "disabled"]
    reason: str | None = None

    def __str__(self) -> str:  # "landlock: active" / "cgroup: unavailable: <reason>"
        return f"{self.name}: {self.status}" + (f": {self.reason}" if self.reason else "")


class OutputFile(BaseModel):
    """A file the code left in its working directory.

    In JSON ``content`` is standard base64 (RFC 4648 section 4, ``base64.b64decode``
    reads it); it is None, with ``reason`` saying why, when the file was not brought back.
    """

    name: str
    size: int
    content: bytes | None = None  # None when larger than max_output_file_bytes
    truncated: bool = False
    reason: str | None = None  # why the content is missing

    @field_serializer("content", when_used="json")
    def _standard_base64(self, content: bytes | None) -> str | None:
        return None if content is None else base64.b64encode(content).decode("ascii")

    @field_validator("content", mode="before")
    @classmethod
    def _from_base64(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return base64.b64decode(value, validate=True)
        except binascii.Error:  # written by an older Airlock: URL-safe base64
            return base64.urlsafe_b64decode(value)


class OmittedFile(BaseModel):
    """A file (or other entry) the run left that did not come back, and why."""

    name: str
    reason: str


class EgressAttempt(BaseModel):
    """One connection attempt through the egress proxy, as the host-side proxy saw it (never
    what the program says): the host and port asked for, whether the allow-list let it
    through, why not (or why it failed), the address connected to and the bytes each way."""

    host: str
    port: int
    method: str
    allowed: bool
    reason: str | None = None
    address: str | None = None
    bytes_out: int = 0  # from the program to the destination
    bytes_in: int = 0  # from the destination to the program
    started: float = 0.0  # Unix time
    duration_s: float = 0.0

    def __str__(self) -> str:  # "allowed CONNECT example.com:443 out 517 B in 4096 B"
        word = "allowed" if self.allowed else "denied"
        where = f"[{self.host}]" if ":" in self.host else self.host or "?"
        text = f"{word} {self.method} {where}:{self.port} out {self.bytes_out} B"
        return text + f" in {self.bytes_in} B" + (f": {self.reason}" if self.reason else "")


class Display(BaseModel):
    """A rich output of a session call: a figure left open or shown, a table that ends a cell.

    ``data`` is the bytes (in JSON, standard base64); ``mime`` is one of ``DISPLAY_MIMES``.
    Both are what the program produced, like its stdout.
    """

    mime: str
    data: bytes

    @field_serializer("data", when_used="json")
    def _standard_base64(self, data: bytes) -> str:
        return base64.b64encode(data).decode("ascii")

    @field_validator("data", mode="before")
    @classmethod
    def _from_base64(cls, value: Any) -> Any:
        return base64.b64decode(value, validate=True) if isinstance(value, str) else value


DISPLAY_MIMES = ("image/png", "image/svg+xml", "text/html", "text/plain")

KilledBy = Literal["timeout", "memory", "cpu"]


class ExecutionResult(BaseModel):
    """What happened when the code ran (or why it did not).

    ``timed_out``, ``memory_exceeded``, ``killed_by`` and ``killed_reason`` come only from
    what the host observed (its clock, the cgroup's OOM events, a signal the kernel sent at
    the CPU limit), never from the program's output, exit code or the signals it sends
    itself; ``python_memory_error`` is what the program printed, and only that.
    """

    exit_code: int | None = None
    signal: int | None = None
    timed_out: bool = False
    memory_exceeded: bool = False  # the OOM killer fired in the run's memory cgroup
    killed_by: KilledBy | None = None  # the host-observed limit that ended the program
    killed_reason: str | None = None
    python_memory_error: bool = False  # stderr ends with a MemoryError (the program's claim)
    stdout: str = ""
    stderr: str = ""
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    wall_s: float = 0.0
    cpu_s: float = 0.0
    peak_memory_mb: float | None = None
    value: str | None = None  # a session call: repr of the final expression, if any
    display: list[Display] = Field(default_factory=list)  # a session call's rich outputs
    files: list[OutputFile] = Field(default_factory=list)
    omitted: list[OmittedFile] = Field(default_factory=list)  # at most workfiles.MAX_LISTED
    omitted_count: int = 0  # every entry left out, listed or not
    layers: list[LayerStatus] = Field(default_factory=list)
    limits: Limits = Field(default_factory=Limits)
    degraded: bool = False  # ran with a required layer unavailable (allow_degraded)
    refused: str | None = None  # set when the run was refused (a required layer missing)
    slot: int | None = None  # the sandbox slot (uid, cgroup, tmpfs) this run used
    run_uid: int | None = None  # the uid the code ran as
    timing: dict[str, float] = Field(default_factory=dict)  # milliseconds per sandbox phase
    # with an allow-list: the proxy's record of every attempt (the first MAX_EGRESS_LISTED)
    egress: list[EgressAttempt] = Field(default_factory=list)
    egress_count: int = 0  # every attempt, listed or not

    @property
    def ok(self) -> bool:
        """True when the program ran to completion with exit code 0."""
        return self.exit_code == 0 and not self.timed_out and self.refused is None
