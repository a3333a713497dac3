"""Memory of a process tree, sampled from /proc, without counting one address space twice.

Why not the sum of every process's PSS: a process made by vfork or posix_spawn (clone
with CLONE_VM) runs in its parent's address space until it execs, and /proc gives it
the parent's whole PSS (its pages are mapped once, in the one shared page table, so
each counts in full). A JVM starts its helpers that way (Java's default launch on
Linux is posix_spawn: Spark's local driver spawns the pyspark worker's shell, Hadoop's
`chmod`s, `setsid`...), so a sample that lands in that window counted the 2.6 GB
driver twice: the 5,446 and 5,548 MB "tree peaks" of Spark's 1M runs in the README,
which no process's own peak explained (issue 13, bench13). A process that shares its
parent's address space (kcmp KCMP_VM) is left out here, and the tree's figure is the sum
of one sample's processes, so it can be told by process.
"""
from __future__ import annotations

import ctypes
import os
import platform

_KCMP = {"x86_64": 312, "aarch64": 272}.get(platform.machine())
_KCMP_VM = 1
try:
    _libc = ctypes.CDLL(None, use_errno=True)
except OSError:  # no C library to call: no address space is compared
    _libc = None


def tree(pid: int) -> list[tuple[int, int]]:
    """(pid, parent pid) of a process and all its descendants, parents first."""
    out, stack = [], [(pid, 0)]
    while stack:
        p, parent = stack.pop()
        out.append((p, parent))
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    stack.extend((int(c), p) for c in fh.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return out


def shares_vm(a: int, b: int) -> bool:
    """Whether processes a and b run in one address space (False where it cannot be
    told: no kcmp on this machine or not allowed)."""
    if _libc is None or _KCMP is None:
        return False
    return _libc.syscall(_KCMP, a, b, _KCMP_VM, 0, 0) == 0


def pss_of(pid: int) -> tuple[str, int] | None:
    """(name, PSS bytes) of one process itself, or None once it has gone."""
    try:
        with open(f"/proc/{pid}/comm") as fh:
            name = fh.read().strip()
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return name, int(line.split()[1]) * 1024
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return name, 0


def sample(pid: int) -> tuple[int, dict[str, int], int]:
    """One look at a process tree: (PSS bytes of the whole tree, PSS by process name
    (the processes of one name summed), PSS of processes left out as they share their
    parent's address space)."""
    total, by_name, shared = 0, {}, 0
    for p, parent in tree(pid):
        got = pss_of(p)
        if got is None:
            continue
        name, size = got
        if parent and shares_vm(p, parent):
            shared += size
            continue
        total += size
        by_name[name] = by_name.get(name, 0) + size
    return total, by_name, shared
