"""virtio-blk with MSI-X (drivers/pci/pci_msix.c, drivers/virtio/virtio_pci.c,
lib/irq_vector.c; docs/virtio.md, "Interrupts"), on pc and q35:

- a probed disk takes a vector from the driver range (0x40-0xef): `blk info` says
  irq=msix:VECTOR, `blk fill` / `blk verify` work and irqs=N grows with them;
- the boot option virtio_poll keeps it polled: irq=poll, irqs=0, data still right;
- a disk preserved across a live update is adopted polled (irq=poll) and works,
  and a disk reset at the update is probed by the next kernel with MSI-X again;
- never an "unexpected vector" warning (`cpus` counts unexpected=0).
"""
import re

import pytest

import baton
from test_blk_preserve import KEXEC_TIMEOUT, disk, kept_re, preserve, retrieve  # noqa: F401
from test_virtio_blk import SECTOR

MACHINES = ["pc", "q35"]
IRQ_RE = re.compile(r"msix:(\d+)")


def info(b):
    kv = b.ok("blk info")
    return kv["irq"], int(kv["irqs"])


def fill_verify(b, lba, count, seed):
    assert b.ok(f"blk fill {lba} {count} {seed}") == {"bytes": str(count * SECTOR)}
    b.ok(f"blk verify {lba} {count} {seed}")


def no_unexpected(b):
    assert "unexpected vector" not in b.text
    assert b.ok("cpus")["unexpected"] == "0", b.text[-400:]


def msix_vector(irq):
    m = IRQ_RE.fullmatch(irq)
    assert m, irq
    v = int(m.group(1))
    assert 0x40 <= v <= 0xef
    return v


@pytest.mark.parametrize("machine", MACHINES)
def test_msix_interrupts(qemu, disk, machine):
    b = qemu(machine=machine, disks=[disk])
    b.boot()
    irq, n0 = info(b)
    msix_vector(irq)
    fill_verify(b, 100, 3000, 42)
    _, n1 = info(b)
    assert n1 > n0, (n0, n1)
    b.ok("blk flush")
    assert info(b)[1] > n1
    no_unexpected(b)


@pytest.mark.parametrize("machine", MACHINES)
def test_virtio_poll_option(qemu, disk, machine):
    b = qemu(machine=machine, disks=[disk], cmdline="virtio_poll")
    b.boot()
    assert info(b) == ("poll", 0)
    fill_verify(b, 10, 500, 7)
    assert info(b) == ("poll", 0)
    no_unexpected(b)


def test_reset_disk_across_kexec(qemu, disk):
    """A disk not preserved is reset (and MSI-X turned off) at the update; the next
    kernel probes it with MSI-X and takes no stray interrupt."""
    b = qemu(machine="q35", disks=[disk])
    b.boot()
    fill_verify(b, 100, 256, 3)
    baton.kexec(b, timeout=KEXEC_TIMEOUT)
    irq, n = info(b)
    msix_vector(irq)
    fill_verify(b, 100, 256, 3)
    assert info(b)[1] > n
    no_unexpected(b)


@pytest.mark.parametrize("machine", MACHINES)
def test_preserved_disk_adopted_polled(qemu, disk, machine):
    b = qemu(machine=machine, disks=[disk])
    b.boot()
    pci = b.ok("blk info")["pci"]
    msix_vector(info(b)[0])
    fill_verify(b, 100, 256, 11)
    preserve(b, "S")
    fields, _ = baton.kexec(b, timeout=KEXEC_TIMEOUT, expect=kept_re(pci))
    assert fields["boot"] == "kexec"
    retrieve(b, "S")
    assert info(b) == ("poll", 0)
    fill_verify(b, 100, 256, 11)
    fill_verify(b, 1000, 64, 12)
    assert b.ok("luo finish S") == {}
    assert info(b) == ("poll", 0)
    no_unexpected(b)
