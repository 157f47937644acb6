"""kexec load disk:N: kernel images from the image store on a virtio-blk disk
(docs/abi/imgstore.md; disks made here with tools/mkimgdisk.py), on pc and q35.

- A live update into a build that was never a boot module: its banner shows its
  version, and it goes on updating into its own image.
- 50 live updates in a row from the disk with the device in use between them: a
  pattern written before each update must read back after it, every kernel finds
  the device reset (status 0x0), and no request ever meets a stale completion
  (the driver abandons the device on a used entry it did not submit).
- Bad disks: each broken store, a truncated image, a checksum mismatch, an image
  that is not Baton, no disk: the exact errno and a reason, and the running
  kernel unaffected (the image loaded before stays loaded and still boots).
"""
import re
import sys

import pytest

import baton
from baton import kexec
from test_virtio_blk import pattern

sys.path.insert(0, str(baton.ROOT / "tools"))
import mkimgdisk  # noqa: E402

MACHINES = ["pc", "q35"]
FOUND_RE = re.compile(r"virtio: \S+ blk0 found status=(0x[0-9a-f]+)\n")
DATA_LBA = 16384                 # past the images: 8 MiB into the disk
DISK_MIB = 16


def write_disk(tmp_path, images, name="disk.img"):
    f = tmp_path / name
    f.write_bytes(mkimgdisk.build_disk(images, size=DISK_MIB << 20))
    return f


@pytest.mark.parametrize("machine", MACHINES)
def test_update_to_a_build_from_disk(qemu, tmp_path, alt_kernel, machine):
    alt = alt_kernel.read_bytes()
    disk = write_disk(tmp_path, [("baton", baton.KERNEL.read_bytes()), ("alt", alt)])
    b = qemu(machine=machine, disks=[disk])
    b.boot()
    assert b.cmd("disk list").ok
    assert "  n=1 name=alt bytes=%d " % len(alt) in b.text
    fields = kexec(b, "kexec load disk:1", timeout=120)
    assert fields["version"] == "9.9.9-alt" and fields["boot"] == "kexec"
    assert FOUND_RE.findall(b.text)[-1] == "0x0"
    assert b.ok("version")["version"] == "9.9.9-alt"
    # The new kernel's own image ("baton") is the one read from the disk.
    again = kexec(b, timeout=120)
    assert again["version"] == "9.9.9-alt" and again["kexec-count"] == "2"


@pytest.mark.parametrize("machine", MACHINES)
def test_fifty_updates_from_disk_with_the_device_in_use(qemu, tmp_path, machine):
    disk = write_disk(tmp_path, [("baton", baton.KERNEL.read_bytes())])
    b = qemu(machine=machine, disks=[disk])
    b.boot()
    for gen in range(1, 51):
        b.ok(f"blk fill {DATA_LBA} 64 {gen}")
        fields = kexec(b, "kexec load disk:0", timeout=120)
        assert fields["kexec-count"] == str(gen)
        assert b.ok(f"blk verify {DATA_LBA} 64 {gen}")
        assert FOUND_RE.findall(b.text)[-1] == "0x0", f"update {gen}: device not reset"
    found = FOUND_RE.findall(b.text)
    assert len(found) == 51 and set(found[1:]) == {"0x0"}
    assert "device abandoned" not in b.text
    b.send("poweroff\n")
    assert b.wait_exit(60) == 1
    # The last pattern reached the disk itself.
    got = disk.read_bytes()[DATA_LBA * 512:(DATA_LBA + 64) * 512]
    assert got == pattern(50, 64 * 512)


def small_image():
    """A one-sector image store entry that is not an ELF file."""
    return b"not a kernel\n" * 100


BAD = [
    # (what, disk bytes maker, load line, errno)
    ("no store", lambda k: bytes(1 << 20), "kexec load disk:0", "ENODATA"),
    ("bad magic", lambda k: mkimgdisk.bad_disk("magic", [("baton", k)]), "kexec load disk:0",
     "ENODATA"),
    ("other version", lambda k: mkimgdisk.bad_disk("version", [("baton", k)]),
     "kexec load disk:0", "EOPNOTSUPP"),
    ("header checksum", lambda k: mkimgdisk.bad_disk("header-crc", [("baton", k)]),
     "kexec load disk:0", "EBADMSG"),
    ("truncated entry", lambda k: mkimgdisk.bad_disk("truncated", [("baton", k)]),
     "kexec load disk:0", "ERANGE"),
    ("disk cut short", lambda k: mkimgdisk.bad_disk("cut", [("baton", k)]),
     "kexec load disk:0", "ERANGE"),
    ("image checksum", lambda k: mkimgdisk.bad_disk("image-crc", [("baton", k)]),
     "kexec load disk:0", "EBADMSG"),
    ("overlap", lambda k: mkimgdisk.bad_disk("overlap", [("a", k), ("b", k)]),
     "kexec load disk:0", "EINVAL"),
    ("not Baton", lambda k: mkimgdisk.build_disk([("blob", small_image())]),
     "kexec load disk:0", "EINVAL"),
    ("past the last", lambda k: mkimgdisk.build_disk([("baton", k)]), "kexec load disk:1",
     "ENOENT"),
    ("not a number", lambda k: mkimgdisk.build_disk([("baton", k)]), "kexec load disk:x",
     "EINVAL"),
]


@pytest.mark.parametrize("what,make,line,ename", BAD, ids=[c[0] for c in BAD])
def test_bad_disk(qemu, tmp_path, what, make, line, ename):
    f = tmp_path / "bad.img"
    f.write_bytes(make(baton.KERNEL.read_bytes()))
    b = qemu(disks=[f])
    b.boot()
    b.ok("kexec load")                   # an image loaded before: it must stay
    message = b.error(line, ename)
    assert message.startswith(f"cannot load '{line.split()[-1]}': ") or \
        message.startswith(f"'{line.split()[-1]}' is not a bootable Baton image: "), message
    assert len(message.split(": ", 1)[1]) > 5, "a reason"
    b.ok("blk info")                     # the device still works
    assert kexec(b, load=None)["boot"] == "kexec"


def test_no_disk(console):
    console.error("kexec load disk:0", "ENODEV")
