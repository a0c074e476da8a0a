"""What a ledger record's hash covers: declared fields per table, per encoding version.

Each record stores the `hash_version` it was hashed with. An `Encoding` names,
for every chained table (and a screening's findings), the exact ordered fields
its hash covers and how each kind of value is normalised. Adding a column to a
table changes nothing here, so old hashes keep verifying; changing what a
hash covers or how a field is encoded means a new version in `ENCODINGS`
(new records get `CURRENT`, old ones verify under theirs). Versions after 1
also hash their own number, so relabelling a record's version shows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

Fields = tuple[tuple[str, str], ...]  # (column, kind), in declared order


def _time(value: datetime) -> str:
    if value.tzinfo is None:  # SQLite hands back what it was given: UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()


def _same(value: Any) -> Any:
    return value


def _float(value: Any) -> float:
    return float(value) + 0.0  # -0.0 comes back from SQLite as 0


V1_KINDS: Mapping[str, Callable[[Any], Any]] = {
    "text": _same,
    "json": _same,
    "int": int,
    "float": _float,
    "bool": bool,
    "time": _time,
}


class UnknownEncoding(LookupError):
    """A record names a hash version (or table) this Airlock does not know."""


@dataclass(frozen=True)
class Encoding:
    """One version of the hashed content: fields per table and a normaliser per kind."""

    version: int
    tables: Mapping[str, Fields]
    findings: Fields
    kinds: Mapping[str, Callable[[Any], Any]]

    def __post_init__(self) -> None:
        used = {k for fields in (*self.tables.values(), self.findings) for _, k in fields}
        if used - set(self.kinds):
            raise ValueError(
                f"hash_version {self.version}: unknown kinds {sorted(used - set(self.kinds))}"
            )

    def content(
        self, table: str, values: Mapping[str, Any], findings: Sequence[Mapping[str, Any]] = ()
    ) -> dict[str, Any]:
        """The hashed content of a record (and, for a screening, its findings)."""
        if table not in self.tables:
            raise UnknownEncoding(f"hash_version {self.version} does not cover table {table}")
        out = self._fields(self.tables[table], values)
        out["_table"] = table
        if self.version > 1:
            out["_version"] = self.version
        if table == "screenings":
            out["findings"] = [self._fields(self.findings, f) for f in findings]
        return out

    def _fields(self, fields: Fields, values: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, kind in fields:
            value = values.get(name)
            out[name] = None if value is None else self.kinds[kind](value)
        return out


def _f(spec: str) -> Fields:
    """`"name:kind name …"`; a bare name is text."""
    return tuple((p.partition(":")[0], p.partition(":")[2] or "text") for p in spec.split())


_LINK = "id:int seq:int prev_hash"

V1 = Encoding(
    version=1,
    tables={
        "screenings": _f(
            f"{_LINK} created_at:time agent_id user_id session_id code code_sha256 ruleset"
            " ruleset_version score:int verdict reasons:json gate_decision error limits:json"
            " scan_ms:float lines:int"
        ),
        "executions": _f(
            f"{_LINK} screening_id:int created_at:time trigger approved_by outcome exit_code:int"
            " signal:int timed_out:bool memory_exceeded:bool killed_reason stdout stderr"
            " stdout_truncated:bool stderr_truncated:bool wall_s:float cpu_s:float"
            " peak_memory_mb:float layers:json limits:json files:json degraded:bool refused error"
        ),
        "reviews": _f(f"{_LINK} screening_id:int created_at:time state by note expires_at:time"),
        "alerts": _f(f"{_LINK} created_at:time rule_id severity title detail agent_id dedup_key"),
        "alert_changes": _f(
            f"{_LINK} alert_id:int created_at:time action state event_ids:json by note"
        ),
    },
    findings=_f(
        "rule_id title severity confidence category cwe line:int column:int end_line:int"
        " end_column:int source_line message origin suppressed:bool suppression"
    ),
    kinds=V1_KINDS,
)


def _extended(base: Encoding, version: int, **more: str) -> Encoding:
    """``base`` with more fields per table (appended, in order)."""
    tables = {t: fields + _f(more[t]) if t in more else fields for t, fields in base.tables.items()}
    return Encoding(version=version, tables=tables, findings=base.findings, kinds=base.kinds)


# Version 2: a run's egress attempts (what the proxy saw, and how many) are hashed too.
V2 = _extended(V1, 2, executions="egress:json egress_count:int")
# Version 3: a session call's number, and what a call returned beside its output
V3 = _extended(V2, 3, screenings="call_index:int", executions="value display:json")

ENCODINGS: dict[int, Encoding] = {1: V1, 2: V2, 3: V3}
CURRENT = 3  # the version new records are hashed with


def encoding_of(version: int | None) -> Encoding:
    """The encoding a record names (`UnknownEncoding` if this Airlock has none)."""
    found = ENCODINGS.get(version) if isinstance(version, int) else None
    if found is None:
        raise UnknownEncoding(f"hash_version {version!r} is unknown (written by a newer Airlock?)")
    return found


def current() -> Encoding:
    """The encoding new records get."""
    return encoding_of(CURRENT)
