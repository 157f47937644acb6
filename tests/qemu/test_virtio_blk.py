"""virtio-blk over modern virtio-pci (drivers/virtio/), on pc (legacy PCI
configuration ports) and q35 (ECAM from ACPI MCFG), with disks made by the test:

- capacity and identity (`blk info`), `pci`;
- data both ways, byte for byte: the guest writes (`blk write`, `blk fill`) and
  the host reads the image file after QEMU exits; the host writes the file before
  boot and `blk read` / `blk verify` must return exactly it;
- every console error with its exact errno; a read-only disk (EROFS); no disk
  (ENODEV); a boot without a virtio device;
- a 64-bit BAR above 4 GiB (OVMF); a disk behind a PCIe root port (bus 1, q35);
- the device is reset across kexec: the next kernel finds status 0x0, and with the
  boot option virtio_skip_reset it finds the previous kernel's DRIVER_OK (0xf).
"""
import random
import re
import struct

import pytest

import baton

MACHINES = ["pc", "q35"]
SECTOR = 512
DISK_SECTORS = 8192                    # 4 MiB
FOUND_RE = re.compile(r"virtio: (\S+) blk0 found status=(0x[0-9a-f]+)\n")
M64 = (1 << 64) - 1


def splitmix64(x):
    z = (x + 0x9E3779B97F4A7C15) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def pattern(seed, nbytes):
    """The reference pattern of docs/console.md over nbytes (a multiple of 8)."""
    return b"".join(struct.pack("<Q", splitmix64(seed ^ w)) for w in range(nbytes // 8))


@pytest.fixture
def disk(tmp_path):
    """A 4 MiB raw image: zeros, with random host bytes in sectors 10 and 11."""
    f = tmp_path / "disk.img"
    data = bytearray(DISK_SECTORS * SECTOR)
    rnd = random.Random(7)
    data[10 * SECTOR:12 * SECTOR] = bytes(rnd.randrange(256) for _ in range(2 * SECTOR))
    f.write_bytes(bytes(data))
    return f


def read_hex(b, lba, count):
    r = b.cmd(f"blk read {lba} {count}")
    assert r.ok, r
    assert r.kv == {"lba": str(lba), "count": str(count), "bytes": str(count * SECTOR)}
    assert all(ln.startswith("blk-hex ") and len(ln) == 8 + 128 for ln in r.details), r.details
    return bytes.fromhex("".join(ln[8:] for ln in r.details))


@pytest.mark.parametrize("machine", MACHINES)
def test_data_both_ways(qemu, disk, machine):
    host = disk.read_bytes()
    b = qemu(machine=machine, disks=[disk])
    b.boot()
    found = FOUND_RE.search(b.text)
    assert found, "no probe line"
    kv = b.ok("blk info")
    assert kv["dev"] == "blk0" and kv["sectors"] == str(DISK_SECTORS)
    assert kv["bytes"] == str(DISK_SECTORS * SECTOR) and kv["ro"] == "0"
    assert kv["transport"] == "modern" and kv["pci"] == found.group(1)
    assert re.fullmatch(r"0000:00:[0-9a-f]{2}\.[0-7]", kv["pci"])
    pci = b.ok("pci")
    assert pci["access"] == ("ecam" if machine == "q35" else "legacy")
    # host -> guest
    assert read_hex(b, 10, 2) == host[10 * SECTOR:12 * SECTOR]
    assert read_hex(b, DISK_SECTORS - 1, 1) == bytes(SECTOR)
    # guest -> host
    payload = bytes(range(200))
    assert b.ok(f"blk write 5 {payload.hex()}") == {"lba": "5", "bytes": "200"}
    assert b.ok("blk fill 100 3000 42") == {"bytes": str(3000 * SECTOR)}
    assert b.ok("blk verify 100 3000 42") == {"bytes": str(3000 * SECTOR)}
    assert read_hex(b, 5, 1) == payload + bytes(SECTOR - 200)
    kv = b.ok("blk bench-read 6")                 # 1 MiB requests, wrapping at the end
    assert kv["bytes"] == str(6 << 20) and int(kv["ticks"]) > 0
    b.send("poweroff\n")
    assert b.wait_exit(30) == 1
    after = disk.read_bytes()
    assert after[5 * SECTOR:6 * SECTOR] == payload + bytes(SECTOR - 200)
    assert after[100 * SECTOR:3100 * SECTOR] == pattern(42, 3000 * SECTOR)
    untouched = [(0, 5), (6, 100), (3100, DISK_SECTORS)]
    for lo, hi in untouched:
        assert after[lo * SECTOR:hi * SECTOR] == host[lo * SECTOR:hi * SECTOR], (lo, hi)


@pytest.mark.parametrize("machine", MACHINES)
def test_host_pattern_read(qemu, tmp_path, machine):
    """The host writes the reference pattern; the guest verifies it, and a one-byte
    change is found at its exact offset."""
    f = tmp_path / "p.img"
    data = bytearray(pattern(5, DISK_SECTORS * SECTOR))
    data[(700 * SECTOR) + 1234] ^= 0x40
    f.write_bytes(bytes(data))
    b = qemu(machine=machine, disks=[f])
    b.boot()
    assert b.ok("blk verify 0 700 5") == {"bytes": str(700 * SECTOR)}
    assert b.error("blk verify 0 8192 5", "EIO") == f"mismatch at offset {700 * SECTOR + 1234}"
    assert read_hex(b, 8191, 1) == bytes(data[8191 * SECTOR:])


ERRORS = [
    ("blk read 8192 1", "EINVAL"),          # LBA past the end
    ("blk read 8191 2", "EINVAL"),          # range past the end
    ("blk read 0 0", "EINVAL"),             # count 0
    ("blk read 0 9", "EINVAL"),             # more than `blk read` prints
    ("blk read 18446744073709551615 1", "EINVAL"),
    ("blk write 8192 00", "EINVAL"),
    ("blk write 0 zz", "EINVAL"),           # bad hex
    ("blk write 0 abc", "EINVAL"),          # odd length
    ("blk write 0 0x00", "EINVAL"),
    ("blk fill 8190 4 1", "EINVAL"),
    ("blk fill 0 0 1", "EINVAL"),
    ("blk verify 0 1 1", "EIO"),            # zeros are not the pattern
    ("blk bench-read 0", "EINVAL"),
    ("blk read x 1", "EINVAL"),
    ("blk frob", "EINVAL"),
    ("blk", "EINVAL"),
    ("pci frob", "EINVAL"),
]


@pytest.mark.parametrize("machine", MACHINES)
def test_errors(qemu, disk, machine):
    b = qemu(machine=machine, disks=[disk])
    b.boot()
    for line, ename in ERRORS:
        b.error(line, ename)
    b.ok("blk info")                         # the device still works


def test_read_only(qemu, disk):
    b = qemu(disks=[(disk, "readonly=on")])
    b.boot()
    assert b.ok("blk info")["ro"] == "1"
    b.error("blk write 0 00", "EROFS")
    b.error("blk fill 0 1 1", "EROFS")
    assert read_hex(b, 10, 1) == disk.read_bytes()[10 * SECTOR:11 * SECTOR]


@pytest.mark.parametrize("machine", MACHINES)
def test_no_disk(qemu, machine):
    """No virtio device: the boot is as before and blk says ENODEV."""
    b = qemu(machine=machine)
    b.boot()
    assert "virtio" not in b.text
    assert b.ok("version")["boot"] == "cold"
    for line in ("blk info", "blk read 0 1", "blk write 0 00", "blk flush"):
        b.error(line, "ENODEV")
    assert int(b.ok("pci")["devices"]) > 0


@pytest.mark.parametrize("machine", MACHINES)
def test_kernel_tests_with_disk(qemu, disk, machine):
    """The blk.* in-kernel tests (vmalloc buffers at odd offsets, split requests,
    the kernel image and the stack as buffers) pass, and leave the disk as it was."""
    host = disk.read_bytes()
    b = qemu(machine=machine, disks=[disk])
    b.boot()
    r = b.cmd("ktest blk.*", timeout=120)
    assert r.result == "ok pass=3 fail=0 skip=0", "\n".join(r.details)
    b.send("poweroff\n")
    assert b.wait_exit(30) == 1
    assert disk.read_bytes() == host


def kexec(b, load="kexec load", timeout=60):
    """A live update; returns the status the next kernel found blk0 in."""
    fields, found = baton.kexec(b, load, timeout=timeout, expect=FOUND_RE)
    assert fields["boot"] == "kexec"
    return found.group(2)


@pytest.mark.parametrize("machine", MACHINES)
def test_reset_across_kexec(qemu, disk, machine):
    """The previous kernel resets the disk at kexec: the next one finds status 0
    (the cold boot finds whatever the firmware left), and the data is intact."""
    b = qemu(machine=machine, disks=[disk])
    b.boot()
    assert FOUND_RE.search(b.text)
    b.ok("blk fill 50 64 3")
    assert kexec(b) == "0x0"
    assert b.ok("blk info")["found-status"] == "0x0"
    b.ok("blk verify 50 64 3")
    assert kexec(b) == "0x0"                  # and again, from a kexec'd kernel
    b.ok("blk verify 50 64 3")


@pytest.mark.parametrize("machine", MACHINES)
def test_skip_reset_fault(qemu, disk, machine):
    """With virtio_skip_reset the next kernel finds the device still live
    (ACKNOWLEDGE|DRIVER|FEATURES_OK|DRIVER_OK = 0xf); it resets it itself at probe,
    so it still works."""
    b = qemu(machine=machine, disks=[disk], cmdline="virtio_skip_reset")
    b.boot()
    b.ok("blk fill 50 64 3")
    assert kexec(b, "kexec load -- virtio_skip_reset") == "0xf"
    b.ok("blk verify 50 64 3")
    assert kexec(b) == "0xf"                  # this kernel skips too
    b.ok("blk verify 50 64 3")


@pytest.mark.skipif(baton.efi_missing() is not None, reason=str(baton.efi_missing()))
def test_bar_above_4g_ovmf(qemu, disk):
    """OVMF puts the device's 64-bit BAR above 4 GiB (beyond RAM and the direct map's
    low 4 GiB): ioremap must reach it."""
    b = qemu(path="efi", disks=[disk])
    b.boot()
    r = b.cmd("pci")
    line = next(ln for ln in r.details if "driver=virtio-blk" in ln)
    bars = dict(re.findall(r"(bar\d)=mem64:(0x[0-9a-f]+)\+", line))
    assert bars and max(int(v, 16) for v in bars.values()) >= 1 << 32, line
    b.ok("blk fill 0 2048 9")
    b.ok("blk verify 0 2048 9")


def test_behind_a_pcie_root_port(qemu, disk):
    """On q35 a device behind a PCIe root port sits on bus 1: the scan must follow
    the bridge, and the data must still go both ways."""
    host = disk.read_bytes()
    b = qemu(machine="q35", extra_args=[
        "-drive", f"file={disk},if=none,id=d0,format=raw",
        "-device", "pcie-root-port,id=rp1,bus=pcie.0,chassis=1",
        "-device", "virtio-blk-pci,drive=d0,bus=rp1,disable-legacy=on"])
    b.boot()
    kv = b.ok("blk info")
    assert kv["pci"] == "0000:01:00.0" and kv["sectors"] == str(DISK_SECTORS)
    assert read_hex(b, 10, 2) == host[10 * SECTOR:12 * SECTOR]
    assert b.ok("blk fill 200 8 9") == {"bytes": str(8 * SECTOR)}
    b.send("poweroff\n")
    assert b.wait_exit(30) == 1
    assert disk.read_bytes()[200 * SECTOR:208 * SECTOR] == pattern(9, 8 * SECTOR)
