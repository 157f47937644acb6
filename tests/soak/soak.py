#!/usr/bin/env python3
"""A long chain of live updates that anyone can run: `make soak` (SOAK_N=1000,
SOAK_SEED=1), not part of `make test`.

One QEMU (PVH, q35, 2 GiB, pools of 64 x 2 MiB and 1 x 1 GiB) goes through N live
updates. Before each one a seeded random mix: memfds of every backing (4 KiB pages,
2 MiB and 1 GiB pool folios) created and filled with a pattern, sessions created,
files preserved in them, some sessions closed again (their files unpreserved),
some files closed while preserved. After each update every preserved file is
retrieved and verified byte for byte, and every session is finished or closed; the
files are closed. Whenever nothing is held (every update, after that clean-up) the
free memory and the pool counts must equal the figures of the first updated kernel
(free memory counted with the outgoing radix tree's pages, whose number depends on
where pages lie), and the pools the cold boot's.

It prints one progress line per update and ends with one summary line,
    soak: PASS updates=N seconds=S files=F bytes=B
or `soak: FAIL update=K: why` (exit 1). Serial log on failure: build/soak.log.
"""
import argparse
import random
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "qemu"))
import baton  # noqa: E402

CMDLINE = "hugepagesz=1G hugepages=1 hugepagesz=2M hugepages=64"


class Soak:
    def __init__(self, b, rng):
        self.b, self.rng = b, rng
        self.files = self.bytes = 0
        self.serial = 0
        self.ref_free = None

    def name(self, prefix):
        self.serial += 1
        return f"{prefix}{self.serial}"

    def pools(self):
        return {k: int(v) for k, v in self.b.ok("hugepages").items()}

    def free(self):
        m = self.b.ok("meminfo")
        tree = int(self.b.ok("kho status")["tree-pages"])
        return int(m["free"]) + tree * 4096

    def make_file(self, pools_free):
        """A memfd of a random backing that fits the pools; returns (name, size,
        seed). Pool-backed files are small in bytes but take whole folios."""
        r, flag = self.rng.random(), ""
        size = self.rng.randint(1, 256 << 10)
        if r < 0.3 and pools_free["2M.free"] > 0:
            n = self.rng.randint(1, min(3, pools_free["2M.free"]))
            pools_free["2M.free"] -= n
            flag, size = "huge=2M", (n - 1) * (2 << 20) + self.rng.randint(1, 64 << 10)
        elif r < 0.4 and pools_free["1G.free"] > 0:
            pools_free["1G.free"] -= 1
            flag, size = "huge=1G", self.rng.randint(1, 64 << 10)
        name, seed = self.name("f"), self.rng.randrange(1 << 32)
        self.b.ok(f"memfd create {name} {size}{' ' + flag if flag else ''}")
        self.b.ok(f"memfd fill {name} {seed}", 120)
        return name, size, seed

    def before(self):
        """Preserve a random set; returns {session: {token: (size, seed)}}."""
        p = self.pools()
        pools_free = {k: v for k, v in p.items() if k.endswith(".free")}
        kept = {}
        for _ in range(self.rng.randint(0, 3)):
            s = self.name("s")
            self.b.ok(f"luo create-session {s}")
            files = {}
            for t in range(self.rng.randint(0, 4)):
                f = self.make_file(pools_free)
                token = self.rng.randrange(1 << 40) * 4 + t
                self.b.ok(f"luo preserve {s} {f[0]} {token}")
                files[token] = f
                if self.rng.random() < 0.3:
                    self.b.ok(f"memfd close {f[0]}")         # LUO keeps it
            if files and self.rng.random() < 0.2:
                self.b.ok(f"luo close-session {s}")          # all unpreserved
                for f in files.values():
                    self.b.cmd(f"memfd close {f[0]}")        # gone if closed before
                continue
            kept[s] = files
        return kept

    def after(self, kept):
        for s, files in kept.items():
            kv = self.b.ok(f"luo retrieve-session {s}")
            assert int(kv["files"]) == len(files), (s, kv, len(files))
            for token, (_old, size, seed) in files.items():
                n = self.name("r")
                self.b.ok(f"luo retrieve {s} {token} {n}")
                assert self.b.ok(f"memfd verify {n} {seed}", 120)["bytes"] == str(size)
                self.files += 1
                self.bytes += size
                self.b.ok(f"memfd close {n}")
            self.b.ok(self.rng.choice([f"luo finish {s}", f"luo close-session {s}"]))
        for line in self.b.cmd("memfd list").details:        # the ones never preserved
            self.b.ok(f"memfd close {line.split()[0]}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    log = baton.BUILD / "soak.log"
    rng = random.Random(args.seed)
    t0 = time.monotonic()
    b = baton.Baton(path="pvh", machine="q35", mem="2G", cmdline=CMDLINE, log_path=log)
    k = 0
    try:
        b.boot()
        soak = Soak(b, rng)
        cold_pools = soak.pools()
        for k in range(1, args.n + 1):
            kept = soak.before()
            fields = baton.kexec(b, timeout=180)
            assert fields["liveupdate-number"] == str(k), fields
            soak.after(kept)
            free, pools = soak.free(), soak.pools()
            assert pools == cold_pools, f"pools {pools} != cold {cold_pools}"
            if soak.ref_free is None:
                soak.ref_free = free
            assert free == soak.ref_free, f"free {free} != {soak.ref_free} (update 1)"
            print(f"soak: update={k} sessions={len(kept)} files={soak.files} "
                  f"free={free} t={time.monotonic() - t0:.0f}s", flush=True)
    except (AssertionError, baton.BatonError) as e:
        print(f"soak: FAIL update={k}: {str(e).splitlines()[0]} (log: {log})", flush=True)
        b.close()
        return 1
    b.close()
    log.unlink(missing_ok=True)
    print(f"soak: PASS updates={args.n} seconds={time.monotonic() - t0:.0f} "
          f"files={soak.files} bytes={soak.bytes}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
