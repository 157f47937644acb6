#!/usr/bin/env python3
"""Guest-side figures for `make bench`, as JSON lines on stdout.

Every run uses QEMU's -icount shift=0,sleep=off: the guest TSC then counts guest
instructions (one tick = one nanosecond of guest time), so the figures repeat
exactly from run to run, whatever else the host is doing.

  kexec_blackout: the live-update blackout (`kexec exec` to the next prompt) split
      into the phases the next kernel reports, for guests of 1 and 16 GiB with 0,
      1 and 8 GiB preserved in 2 MiB blocks (the cases that fit the guest).
  memmap_init: TSC ticks the cold boot spends building the memmap and zones.
  hugetlb_blackout: 16 GiB guest, pools of 4096 x 2 MiB and 4 x 1 GiB, with 0, 2 and
      8 GiB of a 2 MiB-backed memfd preserved (and 4 GiB on 1 GiB folios); with the
      bytes of handover metadata (all of it: the whole pool's list included) per
      GiB preserved, next to Linux's memfd-v2 at 4 KiB folios (16 bytes a folio).
  luo_blackout: the same phases with 1, 100 and 2000 LUO sessions (one 4 KiB memfd
      each) in a 2 GiB guest, and with one 4 GiB memfd in an 8 GiB guest (whose
      bytes are verified after the update).
  blk_seq_read: virtio-blk (modern virtio-pci, polled) reading 256 MiB of a raw
      disk image (no holes; in the host's page cache) sequentially in 1 MiB requests (`blk bench-read`), on q35 and pc,
      five times in one boot, WITHOUT icount: mb_per_s is the median (with min and
      max) in 10^6 bytes per second of host wall time, the speed a user of QEMU's
      TCG sees. (Under icount the figure means nothing: QEMU completes a request on
      a host thread while the guest polls, and the polls are what guest time counts.)
  blk_quiesce: what a virtio-blk disk adds to the blackout, under icount: a 1 GiB
      q35 guest updated with nothing preserved, with and without a disk. The
      device reset before the jump falls in `prepare` (quiesce_ns), the next
      kernel's probe of it in `early_boot` + `prompt` (probe_ns).
  blk_preserve: the same 1 GiB q35 guest with a disk kept live across the update
      (`luo preserve S blk0 T`, docs/virtio.md section 7) against the disk reset
      and probed again, with the LUO work held equal (the reset disk's guest
      preserves a one-page memfd in a session instead): preserved_vs_reset_ns is
      the difference of the blackouts; handover_extra_ns what the disk's record
      and the PCI list add to serializing and taking over the handover;
      device_work_saved_ns the reset before the jump and the probe before the
      prompt that no longer happen (the adoption comes later, at `luo retrieve`).
      phases lists each phase for [reset, reset + memfd session, preserved].
  smp_blackout: the blackout of a 1 GiB q35 guest with nothing preserved under
      -smp 1, 2 and 4 (the old kernel parks the other CPUs, the next one starts
      them before its prompt), and each AP's bring-up in the next kernel
      (ap_start_ns: INIT to online, averaged; docs/smp.md); then -smp 4 in
      xAPIC and in x2APIC mode (apic=) under the newer QEMU (QEMU_BPO), the
      only one here with x2APIC, so the two modes are compared on one QEMU.
  smp_memfd: `memfd fill` and `memfd verify` of a 1 GiB memfd with 1 and 4 CPUs
      (the file split over the online CPUs, docs/smp.md), WITHOUT icount: MB/s of
      host wall time under TCG (one host thread per vCPU on this machine's cores),
      for what it is worth; median of three.
  big_guest_blackout: the blackout in guests of 64 GiB, 256 GiB and 1 TiB (QEMU's
      RAM reserved lazily, so untouched guest memory costs the host nothing; -cpu
      max with 46 physical address bits, which puts a 1 TiB guest's high RAM above
      1 TiB), with nothing preserved and with half of RAM preserved in 2 MiB blocks
      (`kho bench-preserve`); with the memmap's bytes and its share of RAM. With
      nothing preserved also the production build's (`make KTEST=0`, build=
      "production"; the default build, build="test", carries the test instruments,
      whose bytes the trampoline copies too).
  inspect_dump: build/kho-inspect on the dump of a 16 GiB guest with 8 GiB
      preserved (a hugetlb memfd filling the 4096 x 2 MiB pool, handed over whole,
      plus a 1 MiB memfd), taken after `kexec finalize` (QMP dump-guest-memory,
      ELF, 16 GiB on disk) and read with the finalize fields (--fdt: no scan). The
      dump's page cache is dropped before each run: cold_ms is the median of three
      runs in host wall time, read_bytes the dump's bytes in the page cache after a
      run (fincore): what the inspector read, with the dump's size next to it.
  Run some alone: guest_bench.py blk_seq_read blk_quiesce blk_preserve big_guest_blackout inspect_dump
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time
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


def run_huge(preserve, size="2M"):
    """Blackout with `preserve` bytes of a hugetlb memfd preserved, in a 16 GiB guest
    whose 2 MiB pool holds 8 GiB (4096 folios): the pool is handed over whole."""
    b = baton.Baton(mem="16G", extra_args=ICOUNT,
                    cmdline="hugepagesz=2M hugepages=4096 hugepagesz=1G hugepages=4")
    try:
        b.boot(timeout=120)
        meta = {}
        if preserve:
            b.ok("luo create-session vm")
            b.ok(f"memfd create ram {preserve} huge={size}", 600)
            b.ok("luo preserve vm ram 1", 600)
            # Handover metadata: every preserved byte that is not a pool folio
            # (lists, chunk pages, LUO's records, the FDT), plus the tree's pages.
            kv = b.ok("kho status")
            pool = 4096 * (2 << 20) + 4 * GiB
            bytes_ = int(kv["preserved"]) - pool + 4096 * int(kv["tree-pages"])
            meta = dict(handover_meta_bytes=bytes_,
                        meta_bytes_per_gib=round(bytes_ * GiB / preserve),
                        linux_memfd_v2_4k_bytes_per_gib=16 * (GiB // 4096))
        ph = blackout(b, 900)
        if preserve:
            b.ok("luo retrieve-session vm")
            b.ok("luo retrieve vm 1 ram2", 600)
        emit(bench="hugetlb_blackout", guest="16G", pool="4096x2M+4x1G", preserved=preserve,
             folio=size, unit="ns_guest", **ph, **meta)
    finally:
        b.close()


def run_blk(machine, mib=256, runs=5):
    """Sequential virtio-blk reads of mib MiB from a raw image of that size (written
    out in full, so no read meets a hole), runs times in one boot, in host wall time
    (no icount); the median run, with the spread."""
    with tempfile.TemporaryDirectory(prefix="baton-bench.") as d:
        disk = Path(d) / "disk.img"
        chunk = bytes(range(256)) * 4096
        with open(disk, "wb") as f:
            for _ in range(mib):
                f.write(chunk)
        b = baton.Baton(machine=machine, disks=[disk])
        try:
            b.boot(timeout=120)
            host = []
            for _ in range(runs):
                t0 = time.monotonic()
                kv = b.ok(f"blk bench-read {mib}", 600)
                host.append(int(kv["bytes"]) / (time.monotonic() - t0) / 1e6)
            host.sort()
            emit(bench="blk_seq_read", machine=machine, mib=mib, request=int(kv["request"]),
                 runs=runs, unit="MB/s_host", mb_per_s=round(host[runs // 2], 1),
                 mb_per_s_min=round(host[0], 1), mb_per_s_max=round(host[-1], 1))
        finally:
            b.close()


def run_blk_quiesce():
    """The blackout of a 1 GiB q35 guest with nothing preserved, without and with a
    virtio-blk disk (the driver resets it before the jump; the next kernel probes
    it again before its prompt)."""
    phases = {}
    with tempfile.TemporaryDirectory(prefix="baton-bench.") as d:
        disk = Path(d) / "disk.img"
        with open(disk, "wb") as f:
            f.truncate(16 << 20)
        for name, disks in (("none", []), ("blk", [disk])):
            b = baton.Baton(mem="1G", extra_args=ICOUNT, disks=disks)
            try:
                b.boot(timeout=120)
                phases[name] = blackout(b, 300)
            finally:
                b.close()
    n, k = phases["none"], phases["blk"]
    emit(bench="blk_quiesce", guest="1G", machine="q35", unit="ns_guest",
         blackout_without=n["blackout"], blackout_with=k["blackout"],
         quiesce_ns=k["prepare"] - n["prepare"],
         probe_ns=(k["early_boot"] + k["prompt"]) - (n["early_boot"] + n["prompt"]))


def run_blk_preserve():
    """The blackout of a 1 GiB q35 guest with a disk: reset and probed again, or
    preserved (adopted later, at `luo retrieve`); and, as the baseline that carries
    the same LUO work without a device, the disk reset with a session holding one
    one-page memfd instead."""
    phases = {}
    setups = {"reset": [],
              "memfd_session": ["memfd create m 4096", "luo create-session bench",
                                "luo preserve bench m 1"],
              "preserved": ["luo create-session bench", "luo preserve bench blk0 1"]}
    with tempfile.TemporaryDirectory(prefix="baton-bench.") as d:
        disk = Path(d) / "disk.img"
        with open(disk, "wb") as f:
            f.truncate(16 << 20)
        for name, lines in setups.items():
            b = baton.Baton(mem="1G", extra_args=ICOUNT, disks=[disk])
            try:
                b.boot(timeout=120)
                for line in lines:
                    b.ok(line)
                phases[name] = blackout(b, 300)
                if name == "preserved":
                    b.ok("luo retrieve-session bench")
                    b.ok("luo retrieve bench 1 blk0")
                    b.ok("blk info")
            finally:
                b.close()
    r, m, p = phases["reset"], phases["memfd_session"], phases["preserved"]
    emit(bench="blk_preserve", guest="1G", machine="q35", unit="ns_guest",
         blackout_reset=r["blackout"], blackout_memfd_session=m["blackout"],
         blackout_preserved=p["blackout"],
         preserved_vs_reset_ns=p["blackout"] - m["blackout"],
         handover_extra_ns=(p["serialize"] + p["early_boot"]) - (m["serialize"] + m["early_boot"]),
         device_work_saved_ns=(m["prepare"] + m["prompt"]) - (p["prepare"] + p["prompt"]),
         phases={k: [r[k], m[k], p[k]] for k in r if k != "blackout"})


SMP_UP = re.compile(r"smp: (\d+) of (\d+) CPUs online \(start page 0x[0-9a-f]+, (\d+) TSC ticks each\)")


def smp_blackout_one(n, apic=None, **kw):
    b = baton.Baton(mem="1G", extra_args=list(ICOUNT) + kw.pop("extra", []) + ["-smp", str(n)],
                    **kw)
    try:
        b.boot(timeout=120)
        ph = blackout(b, 300)
        up = SMP_UP.findall(b.text)
        mode = {"apic": b.ok("cpus")["apic"]} if apic else {}
        assert mode.get("apic", apic) == apic, (mode, apic)
        emit(bench="smp_blackout", guest="1G", machine="q35", cpus=n, unit="ns_guest",
             blackout=ph["blackout"], serialize=ph["serialize"], prompt=ph["prompt"],
             online=int(up[-1][0]) if up else 1,
             ap_start_ns=int(up[-1][2]) if up else 0, **mode)
    finally:
        b.close()


def run_smp_blackout():
    """The blackout with 1, 2 and 4 CPUs (guest time under icount: 1 tick = 1 ns);
    then, under the newer QEMU (x2APIC needs it), 4 CPUs in each APIC mode."""
    for n in (1, 2, 4):
        smp_blackout_one(n)
    if baton.qemu_bpo_missing():
        emit(bench="smp_blackout", skipped=baton.qemu_bpo_missing())
        return
    for apic in ("xapic", "x2apic"):
        smp_blackout_one(4, apic, binary=baton.QEMU_BPO, cmdline="nox2apic" * (apic == "xapic"),
                         extra=["-cpu", "qemu64,+x2apic"])


def run_smp_memfd(size=1 * GiB, runs=3):
    for n in (1, 4):
        b = baton.Baton(mem="2G", extra_args=["-smp", str(n)])
        try:
            b.boot(timeout=120)
            b.ok(f"memfd create m {size}", timeout=120)
            rates = {}
            for verb in ("fill", "verify"):
                secs = []
                for _ in range(runs):
                    t0 = time.monotonic()
                    b.ok(f"memfd {verb} m 5", timeout=600)
                    secs.append(time.monotonic() - t0)
                rates[verb] = round(size / sorted(secs)[runs // 2] / 1e6, 1)
            emit(bench="smp_memfd", cpus=n, bytes=size, unit="MB/s_host",
                 fill_mb_per_s=rates["fill"], verify_mb_per_s=rates["verify"])
        finally:
            b.close()


BIG = {"64G": 64 * GiB, "256G": 256 * GiB, "1T": 1024 * GiB}
MEMMAP = re.compile(r"memmap (\d+) bytes \((\d+\.\d+)% of RAM\)")


def run_big(size, preserve, production=False):
    """The blackout in a guest of `size` (see big_guest_blackout above)."""
    extra = ["-object", f"memory-backend-ram,id=r0,size={size},reserve=off",
             "-machine", "memory-backend=r0", "-cpu", "max,phys-bits=46"]
    kernel = baton.KERNEL
    if production:
        subprocess.run(["make", "-s", "KTEST=0", "build-ktest0/kernel.elf"], cwd=baton.ROOT,
                       check=True, stdout=subprocess.DEVNULL)
        kernel = baton.ROOT / "build-ktest0" / "kernel.elf"
    b = baton.Baton(mem=size, extra_args=ICOUNT + extra, kernel=kernel)
    try:
        b.boot(timeout=600)
        m = MEMMAP.search("\n".join(b.cmd("meminfo").details))
        if preserve:
            kv = b.ok(f"kho bench-preserve {preserve}", timeout=3600)
            preserve = int(kv["bytes"])
        ph = blackout(b, 3600)
        emit(bench="big_guest_blackout", guest=size, preserved=preserve, unit="ns_guest",
             build="production" if production else "test",
             memmap_bytes=int(m.group(1)), memmap_pct_of_ram=float(m.group(2)), **ph)
    finally:
        b.close()


def drop_cache(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def cached_bytes(path):
    out = subprocess.run(["fincore", "--bytes", "--noheadings", "--output", "RES", str(path)],
                         check=True, capture_output=True, text=True).stdout
    return int(out.split()[0])


def run_inspect_dump():
    """kho-inspect on a 16 GiB guest's dump (see inspect_dump above)."""
    extra = ["-object", "memory-backend-ram,id=r0,size=16G,reserve=off",
             "-machine", "memory-backend=r0"]
    with tempfile.TemporaryDirectory(dir=baton.BUILD) as tmp:
        dump = Path(tmp) / "guest.elf"
        b = baton.Baton(mem="16G", extra_args=extra, monitor=True,
                        cmdline="hugepagesz=2M hugepages=4096")
        try:
            b.boot(timeout=300)
            b.ok("luo create-session vm")
            b.ok("memfd create ram 8G huge=2M", 600)
            b.ok("luo preserve vm ram 1", 600)
            b.ok("memfd create small 1M")
            b.ok("memfd fill small 3")
            b.ok("luo preserve vm small 2")
            kv = b.ok("kexec finalize", 600)
            b.dump_memory(dump, timeout=1800)
        finally:
            b.close()
        cmd = [str(baton.BUILD / "kho-inspect"), "--json", "--fdt", kv["fdt"],
               "--fdt-size", kv["fdt-size"], "--scratch",
               f"{kv['scratch']},{kv['scratch-size']}", str(dump)]
        times, read = [], []
        for _ in range(3):
            drop_cache(dump)
            t = time.monotonic()
            r = subprocess.run(cmd, capture_output=True, text=True)
            times.append((time.monotonic() - t) * 1000)
            read.append(cached_bytes(dump))
            if r.returncode != 0:
                raise RuntimeError(f"inspect_dump: kho-inspect refused:\n{r.stdout}{r.stderr}")
        rep = json.loads(r.stdout)
        times.sort()
        emit(bench="inspect_dump", guest="16G", unit="ms_host",
             preserved_bytes=rep["radix"]["preserved_bytes"], blocks=rep["radix"]["blocks"],
             dump_bytes=dump.stat().st_size, cold_ms=round(times[1], 1),
             cold_ms_min=round(times[0], 1), cold_ms_max=round(times[2], 1),
             read_bytes=max(read), read_pct_of_dump=round(100 * max(read) / dump.stat().st_size, 4))


SCENARIOS = {"blk_seq_read": lambda: [run_blk(m) for m in ("q35", "pc")],
             "blk_quiesce": run_blk_quiesce,
             "blk_preserve": run_blk_preserve,
             "smp_blackout": run_smp_blackout,
             "smp_memfd": run_smp_memfd,
             "inspect_dump": run_inspect_dump,
             "big_guest_blackout": lambda: [run_big(s, p, prod) for s in BIG
                                            for p, prod in ((0, True), (0, False),
                                                            (BIG[s] // 2, False))]}


def main():
    emit(bench="guest", qemu=baton.QEMU, icount="shift=0,sleep=off")
    if len(sys.argv) > 1:
        for name in sys.argv[1:]:
            SCENARIOS[name]()
        return
    for mem, cases in (("1G", (0,)), ("16G", (0, 1 * GiB, 8 * GiB))):
        for p in cases:
            run(mem, p)
    for n in (1, 100, 2000):
        run_sessions(n)
    run_memfd(4 * GiB)
    for p in (0, 2 * GiB, 8 * GiB):
        run_huge(p)
    run_huge(4 * GiB, "1G")
    for scenario in SCENARIOS.values():
        scenario()


if __name__ == "__main__":
    main()
