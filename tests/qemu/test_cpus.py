"""Every CPU of the machine (docs/smp.md) as `cpus` shows them (docs/console.md):

- the MADT's CPUs, on q35 and pc, with -smp 1 and 4 and the boot options nosmp and
  maxcpus=: the boot log's MADT line, the bring-up line and the command's whole
  output, exactly (the other CPUs online, or disabled past the limit);
- on all four boot paths with -smp 1, 2 and 4, and again in the kernels after two
  live updates (the old kernel parks them, the next one starts them again);
- a CPU the MADT lists but nothing answers (the test instrument smp_ghost=): logged,
  marked failed and skipped, the boot goes on;
- a kexec that fails after the CPUs were parked starts them again;
- the in-kernel tests smp.* (calls on each CPU and on all, errors, stop and restart,
  preservation from every CPU at once) with -smp 4.
One boot per case (PVH unless the boot path is the point)."""
import re

import pytest

import baton

CASES = [
    # machine, -smp, command line, state of cpu 1.. (cpu 0 is the boot CPU, online)
    ("q35", 1, "", []),
    ("q35", 4, "", ["online"] * 3),
    ("pc", 4, "", ["online"] * 3),
    ("q35", 4, "maxcpus=2", ["online", "disabled", "disabled"]),
    ("pc", 4, "maxcpus=junk nosmp", ["disabled"] * 3),
]
UP_RE = re.compile(r"smp: (\d+) of (\d+) CPUs online \(start page 0x[0-9a-f]+, \d+ TSC ticks each\)\n")


def cpu_lines(states):
    return [f"cpu {i} apic={i} x2apic=0 state={s}" for i, s in enumerate(["online"] + states)]


def ok_line(states):
    online = 1 + states.count("online")
    return f"ok online={online} found={len(states) + 1} spurious=0 unexpected=0 apic=xapic"


@pytest.mark.parametrize("machine,smp,cmdline,states", CASES,
                         ids=[f"{m}-smp{s}-{c or 'none'}" for m, s, c, _ in CASES])
def test_cpus(qemu, machine, smp, cmdline, states):
    b = qemu(machine=machine, cmdline=cmdline, extra_args=["-smp", str(smp)])
    b.boot()
    ids = ",".join(str(i) for i in range(smp))
    madt = [ln for ln in b.text.split("\n") if ln.startswith("acpi: MADT")]
    assert madt == [f"acpi: MADT: {smp} CPU{'s' if smp > 1 else ''} (apic ids {ids}), "
                    "lapic 0xfee00000"]
    assert "smp: warning" not in b.text
    up = UP_RE.findall(b.text)
    want = states.count("online")
    assert up == ([(str(want + 1), str(want + 1))] if want else []), up
    if "junk" in cmdline:
        assert "cmdline: warning: maxcpus=junk refused (-22); ignored" in b.text
    r = b.cmd("cpus")
    assert r.details == cpu_lines(states)
    assert r.result == ok_line(states)
    assert b.error("cpus 1", "EINVAL") == "usage: cpus"


@pytest.mark.parametrize("smp", [1, 2, 4])
@pytest.mark.parametrize("path", baton.PATHS)
def test_cpus_every_boot_path_and_update(qemu, path, smp):
    """Every CPU online on every boot path with -smp 1, 2 and 4, and again after two
    live updates."""
    if path in ("grub-efi", "efi") and baton.efi_missing():
        pytest.skip(baton.efi_missing())
    b = qemu(path=path, extra_args=["-smp", str(smp)])
    b.boot(timeout=120)
    others = ["online"] * (smp - 1)
    for _ in range(3):
        r = b.cmd("cpus")
        assert r.details == cpu_lines(others)
        assert r.result == ok_line(others)
        if b.banners < 3:
            fields = baton.kexec(b, timeout=90)
            assert fields["boot"] == "kexec"
    assert len(UP_RE.findall(b.text)) == (3 if smp > 1 else 0)


def test_cpus_after_live_update_maxcpus(qemu):
    """The next kernel reads the MADT again (its RSDP from the multiboot2 block kexec
    builds) and keeps the running command line's maxcpus=2."""
    b = qemu(cmdline="maxcpus=2", extra_args=["-smp", "4"])
    b.boot()
    fields, _ = baton.kexec(b, expect=r"acpi: MADT: 4 CPUs \(apic ids 0,1,2,3\), "
                                      r"lapic 0xfee00000\n")
    assert fields["boot"] == "kexec"
    r = b.cmd("cpus")
    assert r.details == cpu_lines(["online", "disabled", "disabled"])
    assert r.result == ok_line(["online", "disabled", "disabled"])


def test_cpu_that_never_answers(qemu):
    """smp_ghost=9 lists a CPU with APIC ID 9 that no processor has: it is logged and
    skipped within its bound, the others come up, the console works."""
    b = qemu(cmdline="smp_ghost=9", extra_args=["-smp", "2"])
    b.boot(timeout=60)
    assert "smp: cpu 2 (apic id 9) did not answer its start; skipped\n" in b.text
    assert UP_RE.findall(b.text) == [("2", "3")]
    r = b.cmd("cpus")
    assert r.details == ["cpu 0 apic=0 x2apic=0 state=online",
                         "cpu 1 apic=1 x2apic=0 state=online",
                         "cpu 2 apic=9 x2apic=0 state=failed"]
    assert r.result == "ok online=2 found=3 spurious=0 unexpected=0 apic=xapic"
    fields = baton.kexec(b, timeout=90)              # and the next kernel the same
    assert fields["boot"] == "kexec"
    assert b.cmd("cpus").result == "ok online=2 found=3 spurious=0 unexpected=0 apic=xapic"


def test_failed_kexec_restarts_the_cpus(qemu):
    """luo inject freeze makes `kexec exec` fail after the other CPUs were parked:
    they are started again and every one answers a call (smp.call_each)."""
    b = qemu(extra_args=["-smp", "4"])
    b.boot()
    b.ok("memfd create m 4096")
    b.ok("luo create-session s")
    b.ok("luo preserve s m 1")
    b.ok("luo inject freeze")
    b.ok("kexec load")
    r = b.cmd("kexec exec", timeout=60)
    assert r.ename == "EIO", r
    r = b.cmd("cpus")
    assert r.details == cpu_lines(["online"] * 3)
    assert r.result == ok_line(["online"] * 3)
    assert b.cmd("ktest smp.*", timeout=60).result == "ok pass=5 fail=0 skip=0"


def test_smp_ktests(qemu):
    """The smp suite with four CPUs: every test runs (none skips) and passes."""
    b = qemu(extra_args=["-smp", "4"])
    b.boot()
    r = b.cmd("ktest smp.*", timeout=60)
    assert r.result == "ok pass=5 fail=0 skip=0", r


def test_memfd_pattern_split_over_cpus(qemu):
    """memfd fill and verify of a file of 64 MiB go over the four CPUs (one part of
    the file each); verify still names the first differing byte of the whole file
    when two parts differ, and a file below the split's threshold works as before."""
    b = qemu(mem="512M", extra_args=["-smp", "4"])
    b.boot()
    size = 64 << 20
    assert b.ok(f"memfd create m {size}") == {"name": "m", "size": str(size)}
    assert b.ok("memfd fill m 5") == {"bytes": str(size)}
    assert b.ok("memfd verify m 5") == {"bytes": str(size)}
    assert b.error("memfd verify m 6", "EIO") == "mismatch at offset 0"
    b.ok("memfd write m 50000001 00")                 # in the last quarter
    b.ok("memfd write m 20000003 00")                 # in the second
    assert b.error("memfd verify m 5", "EIO") == "mismatch at offset 20000003"
    b.ok("memfd fill m 5")
    assert b.ok("memfd verify m 5") == {"bytes": str(size)}
    b.ok("memfd create s 8191")
    b.ok("memfd fill s 9")
    assert b.ok("memfd verify s 9") == {"bytes": "8191"}


def test_memfd_split_with_the_other_cpus_busy(qemu):
    """With the stress loops running on the three other CPUs (each a posted call),
    a fill and a verify of 64 MiB give their parts only to CPUs whose mailbox is
    idle (here the boot CPU alone) instead of posting over a running call (which
    lost the part and hung the fill): every byte right, the loops balanced, and the
    file verified again once they stopped."""
    b = qemu(mem="512M", extra_args=["-smp", "4"])
    b.boot()
    assert b.ok("cpus stress on") == {"cpus": "3"}
    b.ok("memfd create m 64M")
    assert b.ok("memfd fill m 9", timeout=120) == {"bytes": str(64 << 20)}
    assert b.ok("memfd verify m 9", timeout=120) == {"bytes": str(64 << 20)}
    r = b.cmd("cpus stress off", timeout=60)
    assert r.kv["cpus"] == "3" and r.kv["allocs"] == r.kv["frees"], r
    assert b.ok("memfd verify m 9", timeout=120) == {"bytes": str(64 << 20)}
    b.error("memfd verify m 10", "EIO")
