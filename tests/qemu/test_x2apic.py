"""x2APIC mode (docs/smp.md, "The local APIC's mode"), under the newer QEMU
(scripts/deps-qemu-bpo.sh): Debian 12's QEMU 7.2 has no x2APIC under TCG, so these
boots run QEMU from bookworm-backports with -cpu qemu64,+x2apic.

- every boot path with -smp 4: each CPU's APIC in x2APIC mode (`cpus` ends
  apic=x2apic), every CPU online, and again in the kernel after a live update;
- a CPU with APIC ID 256 (the first core of a second socket of 256 cores), which
  the MADT lists by an x2APIC structure and only x2APIC can name: started and
  online; with nox2apic it is logged and disabled and the rest runs in xAPIC mode;
- a chain of live updates that switches the mode each time (x2APIC, then nox2apic:
  the next kernel finds x2APIC on and takes it down through disabled, then x2APIC
  again) with the other CPUs running the allocator stress loops and a memfd handed
  over and verified byte for byte at each step; free memory conserved;
- the in-kernel smp.* tests (calls, IPIs, stop and restart) in x2APIC mode;
- virtio-blk interrupts by MSI-X in x2APIC mode.
"""
import pytest

import baton
from test_blk_preserve import disk  # noqa: F401

pytestmark = pytest.mark.skipif(baton.qemu_bpo_missing() is not None,
                                reason=baton.qemu_bpo_missing() or "")

X2 = ["-cpu", "qemu64,+x2apic"]
# One CPU at boot in a topology of 2 sockets of 256 cores, and the first core of
# the second socket added: APIC IDs 0 and 256.
APIC_256 = X2 + ["-smp", "1,sockets=2,cores=256,maxcpus=512", "-device",
                 "qemu64-x86_64-cpu,x2apic=on,socket-id=1,core-id=0,thread-id=0"]
SIZE = 1 << 20


def x2(qemu, **kw):
    kw["extra_args"] = X2 + list(kw.get("extra_args", ["-smp", "4"]))
    return qemu(binary=baton.QEMU_BPO, **kw)


def cpus(b, states, mode, ids=None):
    ids = ids or list(range(len(states)))
    r = b.cmd("cpus")
    assert r.details == [f"cpu {i} apic={a} x2apic={int(a > 254)} state={s}"
                         for i, (a, s) in enumerate(zip(ids, states))], r.details
    online = states.count("online")
    assert r.result == (f"ok online={online} found={len(states)} spurious=0 unexpected=0 "
                        f"apic={mode}"), r


@pytest.mark.parametrize("path", baton.PATHS)
def test_every_boot_path(qemu, path):
    if path in ("grub-efi", "efi") and baton.efi_missing():
        pytest.skip(baton.efi_missing())
    b = x2(qemu, path=path)
    b.boot(timeout=120)
    cpus(b, ["online"] * 4, "x2apic")
    assert baton.kexec(b, timeout=90)["boot"] == "kexec"
    cpus(b, ["online"] * 4, "x2apic")
    assert b.text.count("smp: 4 of 4 CPUs online") == 2


@pytest.mark.parametrize("path", ["pvh", "efi"])
def test_apic_id_256(qemu, path):
    if path == "efi" and baton.efi_missing():
        pytest.skip(baton.efi_missing())
    b = x2(qemu, path=path, extra_args=APIC_256[2:])
    b.boot(timeout=120)
    assert "acpi: MADT: 2 CPUs (apic ids 0,256), lapic 0xfee00000\n" in b.text
    cpus(b, ["online", "online"], "x2apic", [0, 256])
    assert baton.kexec(b, timeout=90)["boot"] == "kexec"
    cpus(b, ["online", "online"], "x2apic", [0, 256])


def test_apic_id_256_with_nox2apic(qemu):
    b = x2(qemu, cmdline="nox2apic", extra_args=APIC_256[2:])
    b.boot(timeout=60)
    assert ("smp: warning: cpu 1 (apic id 256) needs x2APIC mode, which is off; "
            "disabled\n") in b.text
    assert "CPUs online" not in b.text                 # nothing left to start
    cpus(b, ["online", "disabled"], "xapic", [0, 256])


def test_updates_switching_mode(qemu):
    """x2APIC -> xAPIC (nox2apic) -> x2APIC ..., the other CPUs busy throughout."""
    b = x2(qemu, cmdline="smp_stress")
    b.boot()
    cpus(b, ["online"] * 4, "x2apic")
    b.ok(f"memfd create m {SIZE}")
    b.ok("memfd fill m 7")
    figure = None
    for i in range(6):
        nox2 = i % 2 == 0
        b.ok("luo create-session s")
        b.ok("luo preserve s m 1")
        fields = baton.kexec(b, cmdline="smp_stress" + (" nox2apic" if nox2 else ""),
                             timeout=90)
        assert fields["kexec-count"] == str(i + 1)
        cpus(b, ["online"] * 4, "xapic" if nox2 else "x2apic")
        b.ok("luo retrieve-session s")
        assert b.ok("luo retrieve s 1 m") == {"name": "m"}
        assert b.ok("memfd verify m 7") == {"bytes": str(SIZE)}
        b.ok("luo finish s")
        r = b.cmd("cpus stress off", timeout=60)
        assert r.kv["cpus"] == "3" and r.kv["allocs"] == r.kv["frees"], r
        free = int(b.ok("meminfo")["free"])
        figure = figure or free
        assert free == figure, (i, free, figure)
        assert b.ok("cpus stress on") == {"cpus": "3"}
    assert "warning" not in b.text


def test_smp_ktests(qemu):
    b = x2(qemu)
    b.boot()
    assert b.ok("cpus")["apic"] == "x2apic"
    r = b.cmd("ktest smp.*", timeout=60)
    assert r.result == "ok pass=5 fail=0 skip=0", r


def test_msix_in_x2apic_mode(qemu, disk):
    b = x2(qemu, disks=[disk])
    b.boot()
    kv = b.ok("blk info")
    assert kv["irq"].startswith("msix:"), kv
    assert b.ok("blk fill 100 3000 42") == {"bytes": str(3000 * 512)}
    b.ok("blk verify 100 3000 42")
    assert int(b.ok("blk info")["irqs"]) > int(kv["irqs"])
    kv = b.ok("cpus")
    assert (kv["apic"], kv["unexpected"]) == ("x2apic", "0")
