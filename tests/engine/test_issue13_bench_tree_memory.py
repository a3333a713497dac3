"""bench_engines' peak memory counts an address space once (issue 13, bench13).

Spark's 1M runs gave a process-tree peak of 5,446-5,548 MB, more than the driver JVM's
and the client's own peaks added (about 2,650 + 730 + 130): a process the JVM spawns
runs in the JVM's address space until it execs (posix_spawn: clone with CLONE_VM), and
/proc gives it the JVM's whole PSS, so a sample landing then counted the JVM twice.
Here a small C program makes that state last (a clone(CLONE_VM) child that sleeps),
over 200 MB it has written: summed by process, the tree is twice that; treemem.sample
counts it once and says what it left out.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
import treemem  # noqa: E402

C = r"""
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
static int child(void *arg) { (void)arg; sleep(60); return 0; }
int main(void) {
    size_t n = (size_t)200 << 20;
    char *p = malloc(n);
    memset(p, 1, n);
    char *stack = malloc(1 << 20);
    int pid = clone(child, stack + (1 << 20), CLONE_VM | SIGCHLD, NULL);
    if (pid < 0) return 1;
    printf("%d\n", pid);
    fflush(stdout);
    waitpid(pid, NULL, 0);
    return p[n - 1] == 1 ? 0 : 2;
}
"""

MB = 1 << 20


@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler to make the clone")
@pytest.mark.skipif(not Path("/proc/self/smaps_rollup").exists(), reason="no smaps_rollup")
def test_issue13_tree_memory_counts_a_shared_address_space_once(tmp_path):
    src, exe = tmp_path / "clone.c", tmp_path / "clone"
    src.write_text(C)
    subprocess.run(["cc", "-O0", "-o", str(exe), str(src)], check=True)
    proc = subprocess.Popen([str(exe)], stdout=subprocess.PIPE, text=True)
    child = int(proc.stdout.readline())
    try:
        assert treemem.shares_vm(child, proc.pid)
        # what the bench summed before: each process's own PSS, the clone's included
        naive = sum(treemem.pss_of(p)[1] for p, _ in treemem.tree(proc.pid))
        total, by_name, shared = treemem.sample(proc.pid)
        assert naive >= 400 * MB  # the 200 MB twice: the artefact
        assert 200 * MB <= total < 300 * MB  # once
        assert shared >= 200 * MB  # and said
        assert by_name == {"clone": total}
    finally:
        os.kill(child, signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
