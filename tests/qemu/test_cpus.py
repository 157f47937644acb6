"""The CPUs the MADT lists (docs/smp.md) as `cpus` shows them (docs/console.md), on
q35 and pc, with -smp 1 and 4 and the boot options nosmp and maxcpus=: the boot
log's MADT line and the command's whole output, exactly; and again after a live
update. One boot per case (PVH, a fraction of a second each)."""
import pytest

import baton

CASES = [
    # machine, -smp, command line, state of cpu 1.. (cpu 0 is the boot CPU, online)
    ("q35", 1, "", []),
    ("q35", 4, "", ["offline"] * 3),
    ("pc", 4, "", ["offline"] * 3),
    ("q35", 4, "maxcpus=2", ["offline", "disabled", "disabled"]),
    ("pc", 4, "maxcpus=junk nosmp", ["disabled"] * 3),
]


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
    if "junk" in cmdline:
        assert "cmdline: warning: maxcpus=junk refused (-22); ignored" in b.text
    r = b.cmd("cpus")
    assert r.details == [f"cpu {i} apic={i} x2apic=0 state={s}"
                         for i, s in enumerate(["online"] + states)]
    assert r.result == f"ok online=1 found={smp}"
    assert b.error("cpus 1", "EINVAL") == "usage: cpus"


def test_cpus_after_live_update(qemu):
    """The next kernel reads the MADT again (its RSDP from the multiboot2 block kexec
    builds) and keeps the running command line's maxcpus=2."""
    b = qemu(cmdline="maxcpus=2", extra_args=["-smp", "4"])
    b.boot()
    fields, _ = baton.kexec(b, expect=r"acpi: MADT: 4 CPUs \(apic ids 0,1,2,3\), "
                                      r"lapic 0xfee00000\n")
    assert fields["boot"] == "kexec"
    r = b.cmd("cpus")
    assert r.details == ["cpu 0 apic=0 x2apic=0 state=online",
                         "cpu 1 apic=1 x2apic=0 state=offline",
                         "cpu 2 apic=2 x2apic=0 state=disabled",
                         "cpu 3 apic=3 x2apic=0 state=disabled"]
    assert r.result == "ok online=1 found=4"
