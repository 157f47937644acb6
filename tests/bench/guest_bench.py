#!/usr/bin/env python3
"""Guest-side figures for `make bench`, as JSON lines on stdout.

Every run uses QEMU's -icount shift=0,sleep=off: the guest TSC then counts guest
instructions (one tick = one nanosecond of guest time), so the figures repeat
exactly from run to run, whatever else the host is doing.

  kexec_blackout: the live-update blackout (`kexec exec` to the next prompt) split
      into the phases the next kernel reports, for guests of 1 and 16 GiB with 0,
      1 and 8 GiB preserved in 2 MiB blocks (the cases that fit the guest).
  memmap_init: TSC ticks the cold boot spends building the memmap and zones.
"""
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "qemu"))
import baton  # noqa: E402

ICOUNT = ["-icount", "shift=0,sleep=off"]
TIMELINE = re.compile(r"kexec: timeline \(TSC ticks\) serialize=(\d+) prepare=(\d+) "
                      r"trampoline=(\d+) early-boot=(\d+) prompt=(\d+) blackout=(\d+)\n")
MM = re.compile(r"memmap (\d+) KiB \(16 bytes per frame\), built in (\d+) TSC ticks")
GiB = 1 << 30


def emit(**kv):
    print(json.dumps(kv), flush=True)


def run(mem, preserve):
    b = baton.Baton(mem=mem, extra_args=ICOUNT)
    try:
        b.boot(timeout=120)
        m = MM.search(b.text)
        if preserve == 0:
            emit(bench="memmap_init", guest=mem, unit="tsc_ticks", ticks=int(m.group(2)),
                 memmap_kib=int(m.group(1)))
        kv = b.ok(f"kho bench-preserve {preserve}", timeout=120)
        if int(kv["bytes"]) != preserve:
            emit(bench="kexec_blackout", guest=mem, preserved=preserve,
                 skipped=f"only {kv['bytes']} bytes could be preserved")
            return
        b.ok("kexec load")
        b.banners = 2
        b.send("kexec exec\n")
        t = b.expect(TIMELINE, 300)
        b.expect_text(f"kho-bench: restored={preserve // (2 << 20)} ", 300)
        names = ["serialize", "prepare", "trampoline", "early_boot", "prompt", "blackout"]
        phases = {n: int(v) for n, v in zip(names, t.groups())}
        emit(bench="kexec_blackout", guest=mem, preserved=preserve, unit="ns_guest",
             **phases)
    finally:
        b.close()


def main():
    emit(bench="guest", qemu=baton.QEMU, icount="shift=0,sleep=off")
    for mem, cases in (("1G", (0,)), ("16G", (0, 1 * GiB, 8 * GiB))):
        for p in cases:
            run(mem, p)


if __name__ == "__main__":
    main()
