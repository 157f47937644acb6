#!/usr/bin/env python3
"""make inspect: see a handover. Boots Baton in QEMU (TCG, q35, PVH) with a QMP
monitor and a 16 MiB disk, preserves three memfds in one LUO session (1 MiB and
64 KiB of small pages, 4 MiB of 2 MiB huge pages from the hugetlb pool) and the
disk with a write still in flight (`blk submit`, then `luo preserve demo blk0`:
its function goes into the pci-v2 FLB), builds the handover with `kexec finalize`
(no jump), dumps the guest's memory over QMP (dump-guest-memory, ELF) and runs
build/kho-inspect on it with the handover tag's fields finalize printed.

Writes to build/inspect/: guest.elf (the dump), report.txt, report.json,
memory.svg (docs/inspect.md says what each holds), console.log (the serial log)
and disk.img (the disk, zeros but for the write). Prints the report; exits with the inspector's status (0: the next kernel
would take the handover over with no error; 3: it would, but files would fail to
retrieve; 1: it would boot cold)."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "qemu"))
import baton  # noqa: E402

OUT = baton.BUILD / "inspect"
FILES = [  # name, `memfd create` arguments, fill seed, token
    ("a", "1M", 11, 1),
    ("b", "64K", 12, 2),
    ("h", "4M huge=2M", 13, 3),
]
DISK_TOKEN = 4
DISK_BYTES = 16 << 20


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    disk = OUT / "disk.img"
    with open(disk, "wb") as f:
        f.truncate(DISK_BYTES)
    b = baton.Baton(mem="512M", cmdline="hugepages=4", monitor=True,
                    log_path=OUT / "console.log", disks=[disk])
    try:
        b.boot()
        b.ok("luo create-session demo")
        for name, args, seed, token in FILES:
            b.ok(f"memfd create {name} {args}")
            b.ok(f"memfd fill {name} {seed}")
            b.ok(f"luo preserve demo {name} {token}")
        b.ok("blk submit 100 8 7")        # 8 sectors at 100, not waited for
        b.ok(f"luo preserve demo blk0 {DISK_TOKEN}")
        kv = b.ok("kexec finalize")
        b.dump_memory(OUT / "guest.elf", fmt="elf")
    finally:
        b.close()
    tool = str(baton.BUILD / "kho-inspect")
    args = ["--fdt", kv["fdt"], "--fdt-size", kv["fdt-size"],
            "--scratch", f"{kv['scratch']},{kv['scratch-size']}"]
    dump = str(OUT / "guest.elf")
    print(f"kexec finalize: fdt={kv['fdt']} fdt-size={kv['fdt-size']} "
          f"scratch={kv['scratch']} scratch-size={kv['scratch-size']}")
    print(f"$ {tool} {' '.join(args)} {dump}")
    runs = [([], "report.txt"), (["--json"], "report.json")]
    rc = None
    for extra, name in runs:
        r = subprocess.run([tool, *args, *extra, "--svg", str(OUT / "memory.svg"), dump],
                           capture_output=True, text=True)
        if r.returncode not in (0, 1, 3):      # 2: usage or I/O (docs/inspect.md)
            sys.stderr.write(r.stderr)
            return r.returncode
        (OUT / name).write_text(r.stdout)
        rc = r.returncode if rc is None else rc
    print((OUT / "report.txt").read_text(), end="")
    print(f"written: {', '.join(str(OUT / n) for n in ('guest.elf', 'report.txt', 'report.json', 'memory.svg', 'console.log', 'disk.img'))}")
    return rc


if __name__ == "__main__":
    sys.exit(main())
