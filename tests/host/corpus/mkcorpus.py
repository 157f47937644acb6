#!/usr/bin/env python3
"""Write the fuzzers' seed corpora (run from anywhere; the files are committed).

cpio/       small newc archives, as `cpio -o -H newc` would write them (without its
            512-byte padding in some, to keep the seeds short), plus a few broken ones.
boot_info/  record lists in fuzz_boot_info.c's 11-byte format.
imgstore/   a mode byte (bit 0: the fuzzer reseals the header CRC) and a small image
            store disk from tools/mkimgdisk.py, good and broken.
<<<<<<< HEAD
pci_ser/    "pci-v2" blocks as Linux lays them out (include/abi/pci.h), then
            fuzz_pci_ser.c's get/put step bytes.
virtio_blk_ser/  fuzz_virtio_blk_ser.c's two formats: a mode byte 0, a
            baton-virtio-blk-v1 record and the device's view; or a mode byte 1, a
            queue size code, a vq_state, the ring's indices and ring records.
=======
acpi/       MADTs in the ACPI layout (x2APIC, address overrides, broken entries);
            q35-mcfg and q35-madt are QEMU's own (7.2, q35 -smp 4), not written here.
>>>>>>> smp-madt
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "tools"))
import mkimgdisk  # noqa: E402


def newc(name, data=b"", mode=0o100644, ino=0):
    fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name) + 1, 0]
    out = b"070701" + b"".join(b"%08X" % f for f in fields) + name.encode() + b"\0"
    out += b"\0" * (-len(out) % 4)
    return out + data + b"\0" * (-len(data) % 4)


def archive(*entries, block=0):
    out = b"".join(newc(*e) for e in entries) + newc("TRAILER!!!", mode=0)
    return out + b"\0" * (-len(out) % block if block else 0)


CPIO = {
    "empty": archive(),
    "one_file": archive(("hello", b"world\n")),
    "two_files": archive(("hello", b"world\n"), ("dir/a.txt", b"abc")),
    "dir_and_files_512": archive(("dir", b"", 0o40755), ("./dir/script", b"echo hi\nmem\n"),
                                 ("./baton", bytes(range(64))), block=512),
    "symlink": archive(("link", b"target", 0o120777)),
    "truncated": archive(("hello", b"world\n"))[:120],
    "no_trailer": newc("hello", b"world\n"),
    "lowercase_hex": archive(("x", b"12345"))
    .replace(b"000081A4", b"000081a4", 1),
}


def rec(kind, base, size, bshift=0, sshift=0):
    return struct.pack("<BBBII", kind, bshift, sshift, base, size)


RAM, RES, ACPI, NVS, BAD = 1, 2, 3, 4, 5
MOD = 0x80
BOOT_INFO = {
    "qemu_like": rec(RAM, 0, 0x9fc00) + rec(RES, 0x9fc00, 0x400) + rec(RES, 0xf0000, 0x10000)
    + rec(RAM, 0x100, 0x7ee00, 12, 12) + rec(RES, 0xfffc0, 0x40, 12, 12),
    "overlap": rec(RAM, 0x100, 0x200, 12, 12) + rec(RES, 0x180, 0x1, 12, 12)
    + rec(ACPI, 0x17f, 0x2, 12, 12),
    "partial_pages": rec(RAM, 0x500, 0x9f700) + rec(RAM, 0x100100, 0x800),
    "limit": rec(RAM, 0xfffff, 0x2, 32, 12) + rec(RES, 0xffffffff, 0x2, 32, 12),
    "modules": rec(RAM, 0x100, 0x7f00, 12, 12) + rec(MOD | 4, 0x400, 0x1234, 12, 0)
    + rec(MOD | 4, 0x500, 0x1, 12, 12) + rec(MOD | 0, 0x1ff, 0x2, 12, 12)
    + rec(MOD | 1, 0xa0, 0x1, 12, 12),
}


def need(images):
    """Bytes just enough for the images (the tool places them 4 KiB apart)."""
    return 4096 + sum(-(-len(d) // 4096) * 4096 for _, d in images)


def store(*images, mode=0):
    """A disk just big enough for the images (no 1 MiB rounding), after a mode byte."""
    return bytes([mode]) + mkimgdisk.build_disk(list(images), need(images))


def bad(kind, images, mode):
    return bytes([mode]) + mkimgdisk.bad_disk(kind, images, need(images))


IMGS = [("baton", b"\x7fELF" + bytes(range(200)) * 5), ("b", b"x" * 513), ("z", b"")]
IMGSTORE = {
    "empty": store(),
    "one": store(("baton", b"\x7fELF" + bytes(60))),
    "three": store(*IMGS),
    "three_reseal": store(*IMGS, mode=1),
    "bad_magic": bad("magic", IMGS, 0),
    "truncated": bad("truncated", IMGS, 1),
    "image_crc": bad("image-crc", IMGS, 0),
    "overlap": bad("overlap", IMGS, 1),
    "header_only": b"\1" + mkimgdisk.pack_header([(b"a", 8, 0, 0)]),
}


<<<<<<< HEAD
def pci_ser(max_nr, nr, entries, steps=b""):
    """entries: {index: (domain, bdf, refcount)}; the rest are zero."""
    out = bytearray(struct.pack("<II", max_nr, nr) + bytes(8 * max_nr))
    for i, (domain, bdf, refcount) in entries.items():
        struct.pack_into("<IHH", out, 8 + 8 * i, domain, bdf, refcount)
    return bytes(out) + steps


PCI_SER = {
    "empty": pci_ser(0, 0, {}),
    # Linux's writer after some unpreserves: a root port kept for two functions below.
    "linux_sparse": pci_ser(8, 4, {1: (0, 0x0100, 1), 2: (0, 0x00E0, 2), 4: (1, 0x0018, 1),
                                   5: (0, 0x0101, 1)}),
    "sparse_steps": pci_ser(8, 2, {3: (0, 0x0001, 1), 6: (0, 0x0002, 0xFFFE)},
                            bytes([0x01, 0x02, 0x02, 0x03, 0x83, 0x10, 0x11, 0x12, 0x13,
                                   0x14, 0x15, 0x86, 0x86, 0x86, 0x20])),
    "full": pci_ser(2, 2, {0: (0, 8, 1), 1: (0, 16, 1)}, bytes([0x03, 0x80, 0x03])),
    "twice": pci_ser(3, 2, {0: (0, 0x100, 1), 2: (0, 0x100, 1)}),
    "nr_short": pci_ser(4, 1, {0: (0, 8, 1), 3: (0, 9, 1)}),
    "nr_past_max": pci_ser(2, 3, {0: (0, 8, 1)}),
}

RING_PA = 0x7F3E000
BLK_FEATURES = 1 << 32 | 1 << 9 | 1 << 6 | 1 << 2


def blk_record(avail=0x107, last=0x107, free_head=5, num_free=128, head=0xFFFF, n=0,
               order=0, data_pa=0, lba=0):
    """A baton-virtio-blk-v1 record of a 128-entry queue (include/abi/baton.h)."""
    rec = struct.pack("<IIIHHHHHHHHHHHHIQQQIIQQQ", 0x4B4C4256, 1, 0, 0x20, 0x1AF4, 0x1042, 0,
                      128, avail, last, free_head, num_free, head, n, order, 0, BLK_FEATURES,
                      0x200000, RING_PA, 1, 0, 0x7F40000, data_pa, lba)
    rec += struct.pack("<6Q", 0, 0xFEBD1000, 0, 0, 0xFE000000, 0)
    rec += struct.pack("<6Q", 0, 0x1000, 0, 0, 0x4000, 0)
    assert len(rec) == 192
    return rec


def blk_seen(status=0xF, size=128):
    return struct.pack("<HHBQHHQQQQ", 0x1AF4, 0x1042, status, BLK_FEATURES | 1 << 5, size, 1,
                       RING_PA, RING_PA + 16 * size, RING_PA + 4096, 0x200000)


def ring(code, state, avail_idx, used_idx, records=()):
    """A queue: size code, vq_state, ring indices, {what, slot, value} records."""
    out = bytes([1, code]) + struct.pack("<6H", *state) + struct.pack("<HH", avail_idx, used_idx)
    return out + b"".join(struct.pack("<BBH", *r) for r in records)


# A chain 0 -> 1 -> 2 in flight over 8 descriptors, 3..7 free (vq_init's links).
CHAIN = [(1, 0, 1), (1, 1, 1), (2, 0, 0)]
VIRTIO_BLK_SER = {
    "record_idle": b"\0" + blk_record() + blk_seen(),
    "record_busy": b"\0" + blk_record(avail=0x108, num_free=125, head=9, n=3, order=4,
                                      data_pa=0x8000000, lba=0x1000) + blk_seen(),
    "record_failed": b"\0" + blk_record() + blk_seen(status=0x8F),
    "ring_fresh": ring(3, (0, 0, 0, 8, 0xFFFF, 0), 0, 0),
    "ring_busy": ring(3, (1, 0, 3, 5, 0, 3), 1, 0, CHAIN),
    "ring_busy_done": ring(3, (1, 0, 3, 5, 0, 3), 1, 1, CHAIN + [(3, 0, 0)]),
    "ring_wrapped": ring(8, (0, 0xFFFF, 3, 253, 0, 3), 0, 0xFFFF,
                         [(1, 0, 1), (1, 1, 1), (2, 255, 0)]),
    "ring_loop": ring(3, (0, 0, 0, 8, 0xFFFF, 0), 0, 0, [(0, 5, 2)]),
=======
def madt(*entries, lapic=0xFEE00000):
    """A MADT with these interrupt controller structures, checksum fixed."""
    body = struct.pack("<II", lapic, 1) + b"".join(entries)
    t = bytearray(b"APIC" + struct.pack("<I", 36 + len(body)) + b"\1\0" + b"BATON " + b"MADTSEED"
                  + struct.pack("<I", 1) + b"BATN" + struct.pack("<I", 1) + body)
    t[9] = -sum(t) & 0xFF
    return bytes(t)


def lapic(uid, apic_id, flags=1):
    return struct.pack("<BBBBI", 0, 8, uid, apic_id, flags)


def x2apic(apic_id, flags=1, uid=0):
    return struct.pack("<BBHIII", 9, 16, 0, apic_id, flags, uid)


def override(addr):
    return struct.pack("<BBHQ", 5, 12, 0, addr)


ACPI = {
    "madt_x2apic": madt(lapic(0, 0), x2apic(0x100, uid=1), x2apic(0x101, 2, 2),
                        override(0xFED00000)),
    "madt_broken": madt(lapic(0, 0), lapic(1, 0), lapic(2, 0xFF), override(0x123),
                        bytes([0, 10]) + bytes(8), lapic(3, 3, 2), bytes([9, 0])),
>>>>>>> smp-madt
}


def write(sub, files):
    d = os.path.join(HERE, sub)
    os.makedirs(d, exist_ok=True)
    for name, data in files.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    write("cpio", CPIO)
    write("boot_info", BOOT_INFO)
    write("imgstore", IMGSTORE)
<<<<<<< HEAD
    write("pci_ser", PCI_SER)
    write("virtio_blk_ser", VIRTIO_BLK_SER)
=======
    write("acpi", ACPI)
>>>>>>> smp-madt
