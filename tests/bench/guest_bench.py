#!/usr/bin/env python3
"""Guest-side figures for `make bench`, as JSON lines on stdout.

Every run uses QEMU's -icount shift=0,sleep=off: the guest TSC then counts guest
instructions (one tick = one nanosecond of guest time), so the figures repeat
exactly from run to run, whatever else the host is doing.

  kexec_blackout: the live-update blackout (`kexec exec` to the next prompt) split
      into the phases the next kernel reports, for guests of 1 and 16 GiB with 0,
      1 and 8 GiB preserved in 2 MiB blocks (the cases that fit the guest).
  memmap_init: TSC ticks the cold boot spends building the memmap and zones.
  luo_blackout: the same phases with 1, 100 and 2000 LUO sessions (one 4 KiB memfd
      each) in a 2 GiB guest, and with one 4 GiB memfd in an 8 GiB guest (whose
      bytes are verified after the update).
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


def blackout(b, timeout=600):
    """kexec the loaded image; the phases the next kernel reports."""
    b.ok("kexec load", timeout)
    b.banners += 1
    b.send("kexec exec\n")
    t = b.expect(TIMELINE, timeout)
    b.expect(baton.PROMPT_RE, timeout)
    names = ["serialize", "prepare", "trampoline", "early_boot", "prompt", "blackout"]
    return {n: int(v) for n, v in zip(names, t.groups())}


def run_sessions(n):
    """Blackout with n LUO sessions, each with one 4 KiB memfd."""
    b = baton.Baton(mem="2G", extra_args=ICOUNT)
    try:
        b.boot(timeout=120)
        lines = []
        for i in range(n):
            lines += [f"luo create-session s{i}", f"memfd create f{i} 4K",
                      f"luo preserve s{i} f{i} {i}"]
        for i in range(0, len(lines), 300):          # typed in batches, every result checked
            chunk = lines[i:i + 300]
            b.send("".join(line + "\n" for line in chunk))
            for _ in chunk:
                out = b.until_prompt(300)
                assert out.rstrip("\n").split("\n")[-1].startswith("ok"), out
        ph = blackout(b)
        b.ok("luo list", 300)
        emit(bench="luo_blackout", guest="2G", sessions=n, files=n, unit="ns_guest", **ph)
    finally:
        b.close()


def run_memfd(size):
    """Blackout with one preserved memfd of the given size, then its bytes verified."""
    b = baton.Baton(mem="8G", extra_args=ICOUNT)
    try:
        b.boot(timeout=120)
        b.ok("luo create-session big")
        b.ok(f"memfd create m {size}", 600)
        b.ok("memfd fill m 5", 900)
        b.ok("luo preserve big m 1", 600)
        ph = blackout(b, 900)
        b.ok("luo retrieve-session big")
        b.ok("luo retrieve big 1 m2", 600)
        b.ok("memfd verify m2 5", 900)
        emit(bench="luo_blackout", guest="8G", memfd_bytes=size, unit="ns_guest", **ph)
    finally:
        b.close()


def main():
    emit(bench="guest", qemu=baton.QEMU, icount="shift=0,sleep=off")
    for mem, cases in (("1G", (0,)), ("16G", (0, 1 * GiB, 8 * GiB))):
        for p in cases:
            run(mem, p)
    for n in (1, 100, 2000):
        run_sessions(n)
    run_memfd(4 * GiB)


if __name__ == "__main__":
    main()
