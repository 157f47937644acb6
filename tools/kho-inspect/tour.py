#!/usr/bin/env python3
"""make tour: the live update docs/tour.md follows, run for real, with the pictures.

Boots Baton in QEMU (q35, PVH, 512 MiB, `hugepages=4`, -icount shift=0,sleep=off so
that guest time and hence every line repeats exactly) with a QMP monitor, and runs
the tour's console lines: two memfds filled and preserved in kernel N, the handover
built (`kexec finalize`), the live update, the files retrieved and verified in
kernel N+1, and preserved again there. At three stages it dumps the guest's memory and runs build/kho-inspect
on the dump:

  1-preserved   kernel N after `luo preserve`: the folios are in the radix tree
  2-finalized   kernel N after `kexec finalize`: the whole handover, as it jumps
  3-handed-on   kernel N+1, the files retrieved, verified and preserved again, after
                its own `kexec finalize`: the same folios, at the same addresses

Writes to OUT (default docs/tour/): console.txt (every line typed and what the
console answered), stage-N.txt (the inspector's report) and stage-N.svg (its
picture). The dumps themselves go to build/tour/ (hundreds of MiB; not kept in
docs). Exits non-zero if a console line or an inspection does not go as the tour
says."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "qemu"))
import baton  # noqa: E402

ICOUNT = ["-icount", "shift=0,sleep=off"]
DUMPS = baton.BUILD / "tour"
ZOOM = "0x1fe00000,0x200000"   # the top 2 MiB: the memfd, the records, the tree, the FDT


class Tour:
    def __init__(self, out):
        self.out = Path(out)
        self.lines = []
        self.b = baton.Baton(mem="512M", cmdline="hugepages=4", monitor=True,
                             extra_args=ICOUNT, log_path=DUMPS / "console.log")

    def run(self, line, timeout=120):
        """One console line, as a terminal shows it; it must succeed."""
        r = self.b.cmd(line, timeout)
        self.lines += [f"baton> {line}", *r.details, r.result]
        if not r.ok:
            raise SystemExit(f"tour: {line!r} failed: {r.result}")
        return r.kv

    def inspect(self, stage, fdt, tag=None):
        dump = DUMPS / f"{stage}.elf"
        self.b.dump_memory(dump)
        args = ["--fdt", fdt]
        if tag:
            args += ["--fdt-size", tag["fdt-size"],
                     "--scratch", f"{tag['scratch']},{tag['scratch-size']}"]
        args += ["--zoom", ZOOM]
        r = subprocess.run([str(baton.BUILD / "kho-inspect"), *args, "--svg",
                            str(self.out / f"{stage}.svg"), str(dump)],
                           capture_output=True, text=True)
        if r.returncode not in (0, 1, 3):      # 2: usage or I/O (docs/inspect.md)
            raise SystemExit(f"tour: kho-inspect: {r.stderr}")
        # The dump's path is the reader's own: the report names only the stage.
        (self.out / f"{stage}.txt").write_text(
            f"$ kho-inspect {' '.join(args)} --svg {stage}.svg {stage}.elf\n" + r.stdout)
        self.lines.append(f"(host) kho-inspect on {stage}.elf: exit {r.returncode}")
        return r.returncode

    def main(self):
        DUMPS.mkdir(parents=True, exist_ok=True)
        self.out.mkdir(parents=True, exist_ok=True)
        b = self.b
        try:
            b.boot(timeout=300)
            self.run("luo create-session tour")
            self.run("memfd create notes 64K")
            self.run("memfd fill notes 42")
            self.run("memfd create guest 4M huge=2M")
            self.run("memfd fill guest 43")
            self.run("luo preserve tour notes 1")
            self.run("luo preserve tour guest 2")
            st = self.run("kho status")
            if self.inspect("1-preserved", st["fdt"]) != 0:
                raise SystemExit("tour: stage 1 refused")
            tag = self.run("kexec finalize")
            if self.inspect("2-finalized", tag["fdt"], tag) != 0:
                raise SystemExit("tour: stage 2 refused")
            self.run("kexec load")
            b.banners += 1
            b.send("kexec exec\n")
            b.expect_text("kexec: jumping\n", 300)
            banner = b.boot(timeout=300)
            self.lines += ["baton> kexec exec", "kexec: jumping",
                           "(kernel N+1 boots; its log is in build/tour/console.log)",
                           " ".join(f for f in banner.split() if not f.startswith(
                               ("build=", "tsc")))]     # the commit's id: not the tour's
            self.run("kho dump")
            self.run("luo retrieve-session tour")
            self.run("luo retrieve tour 1 notes")
            self.run("memfd verify notes 42")
            self.run("luo retrieve tour 2 guest")
            self.run("memfd verify guest 43")
            self.run("luo finish tour")
            self.run("luo create-session again")
            self.run("luo preserve again notes 1")
            self.run("luo preserve again guest 2")
            tag = self.run("kexec finalize")
            if self.inspect("3-handed-on", tag["fdt"], tag) != 0:
                raise SystemExit("tour: stage 3 refused")
            self.run("kexec unload")
        finally:
            b.close()
        (self.out / "console.txt").write_text("\n".join(self.lines) + "\n")
        print(f"tour: wrote {self.out}/console.txt, stage-*.txt and *.svg; dumps in {DUMPS}")
        return 0


if __name__ == "__main__":
    sys.exit(Tour(sys.argv[1] if len(sys.argv) > 1 else ROOT / "docs" / "tour").main())
