"""The hand-built BPF filter: syscall numbers match the kernel headers; the program is sane."""

from __future__ import annotations

import os
import re
import struct

import pytest

from airlock.executor import seccomp

pytestmark = pytest.mark.timeout(30)

HEADERS = {
    "x86_64": "/usr/include/x86_64-linux-gnu/asm/unistd_64.h",
    "aarch64": "/usr/include/asm-generic/unistd.h",
}


def _header_numbers(path: str) -> dict[str, int]:
    with open(path) as f:
        text = f.read()
    return {m[1]: int(m[2]) for m in re.finditer(r"#define __NR(?:3264)?_(\w+)\s+(\d+)", text)}


@pytest.mark.parametrize("machine", sorted(seccomp.SYSCALLS))
def test_syscall_numbers_match_kernel_headers(machine: str) -> None:
    path = HEADERS[machine]
    if not os.path.exists(path):
        pytest.skip(f"{path} not installed")
    numbers = _header_numbers(path)
    for name, nr in seccomp.SYSCALLS[machine].items():
        assert numbers.get(name) == nr, f"{machine} {name}: table {nr}, header {numbers.get(name)}"


@pytest.mark.parametrize("machine", sorted(seccomp.SYSCALLS))
@pytest.mark.parametrize(("inet", "stream"), [(False, False), (True, False), (False, True)])
def test_filter_checks_arch_first_and_jumps_stay_inside(
    machine: str, inet: bool, stream: bool
) -> None:
    prog = seccomp.build_filter(machine, inet, stream)
    assert prog[0] == (seccomp.LD_ABS, 0, 0, seccomp.OFF_ARCH)
    assert prog[1][3] == seccomp.AUDIT_ARCH[machine] and prog[2][3] == seccomp.RET_KILL_PROCESS
    assert prog[-1] == (seccomp.RET, 0, 0, seccomp.RET_ALLOW)
    for i, (code, jt, jf, _) in enumerate(prog):
        if code & 0x07 == 0x05:  # BPF_JMP
            assert i + 1 + max(jt, jf) < len(prog)
    packed = seccomp.compile_filter(prog)
    assert len(packed) == 8 * len(prog) < 8 * 4096
    assert struct.unpack_from("=HBBI", packed, 0) == prog[0]


def test_socket_rule_allows_inet_only_when_asked() -> None:
    strict = seccomp.build_filter("x86_64", False)
    loose = seccomp.build_filter("x86_64", True)

    def inet(prog: list[tuple[int, int, int, int]]) -> int:
        return sum(
            1
            for ins in prog
            if ins[0] == seccomp.JEQ and ins[3] in (seccomp.AF_INET, seccomp.AF_INET6)
        )

    assert inet(loose) - inet(strict) == 2 and len(loose) == len(strict) + 2


def test_unknown_architecture_is_an_error() -> None:
    with pytest.raises(OSError):
        seccomp.build_filter("riscv64", False)
