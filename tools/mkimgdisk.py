#!/usr/bin/python3
"""Write or read a Baton image store disk (format: docs/abi/imgstore.md).

    tools/mkimgdisk.py -o disk.img [--size MiB] NAME=PATH ...
    tools/mkimgdisk.py --list disk.img

A disk is a 4096-byte header (a 64-byte superblock and 63 entry slots of 64 bytes)
followed by the images, each starting on a 4 KiB boundary. Every integer is
little-endian; the CRCs are CRC-32/ISO-HDLC (zlib.crc32). The image is written
whole (no holes), and its size is a multiple of 512: what virtio-blk serves.

Importable: build_disk() makes the bytes in memory, pack_header()/parse() let
tests craft and check bad disks; parse() applies the rules of kernel/imgstore.c and
raises StoreError(errno_name, message) the way the C parser fails.
"""
import argparse
import os
import struct
import sys
import zlib

MAGIC = b"BATONIMG"
VERSION = 1
SECTOR = 512
HDR_BYTES = 4096
HDR_SECTORS = HDR_BYTES // SECTOR
MAX_ENTRIES = 63
NAME_LEN = 32
ALIGN = 4096                      # where the tool places images (the format needs 512)

SUPER = struct.Struct("<8sIIII40x")          # magic version hdr_bytes count hdr_crc32
ENTRY = struct.Struct("<32sQQI12x")          # name lba size crc32
CRC_OFF = 20                                 # offset of hdr_crc32 in the superblock
assert SUPER.size == 64 and ENTRY.size == 64


class StoreError(Exception):
    def __init__(self, err, msg):
        super().__init__(f"{err}: {msg}")
        self.err = err


def crc32(data):
    return zlib.crc32(data) & 0xFFFFFFFF


def name_ok(name):
    return 0 < len(name) < NAME_LEN and all(0x21 <= c <= 0x7E for c in name)


def header_crc(hdr):
    return crc32(hdr[:CRC_OFF] + b"\0\0\0\0" + hdr[CRC_OFF + 4:HDR_BYTES])


def pack_header(entries, magic=MAGIC, version=VERSION, hdr_bytes=HDR_BYTES, count=None,
                crc=None):
    """The 4096 header bytes for entries [(name bytes, lba, size, crc32)]. The
    keyword arguments override fields, for tests; crc=None computes the right one."""
    hdr = bytearray(HDR_BYTES)
    for i, (name, lba, size, icrc) in enumerate(entries):
        ENTRY.pack_into(hdr, 64 + 64 * i, name, lba, size, icrc)
    count = len(entries) if count is None else count
    SUPER.pack_into(hdr, 0, magic, version, hdr_bytes, count, 0)
    struct.pack_into("<I", hdr, CRC_OFF, header_crc(hdr) if crc is None else crc)
    return bytes(hdr)


def build_disk(images, size=None):
    """A whole disk holding images [(name str, bytes)], in order. size: total bytes
    (a multiple of 512, at least what the images need); default: just enough,
    rounded up to 1 MiB."""
    if len(images) > MAX_ENTRIES:
        raise ValueError(f"at most {MAX_ENTRIES} images")
    entries, body, at = [], bytearray(), HDR_BYTES
    seen = set()
    for name, data in images:
        raw = name.encode("utf-8", "surrogateescape")
        if not name_ok(raw):
            raise ValueError(f"bad image name {name!r}: 1..31 printable bytes, no space")
        if raw in seen:
            raise ValueError(f"duplicate image name {name!r}")
        seen.add(raw)
        at = -(-at // ALIGN) * ALIGN
        body += bytes(at - HDR_BYTES - len(body))
        entries.append((raw, at // SECTOR, len(data), crc32(data)))
        body += data
        at += len(data)
    need = -(-(HDR_BYTES + len(body)) // SECTOR) * SECTOR
    if size is None:
        size = -(-need // (1 << 20)) * (1 << 20)
    if size % SECTOR or size < need:
        raise ValueError(f"disk size {size} is not a multiple of 512 of at least {need}")
    disk = pack_header(entries) + bytes(body)
    return disk + bytes(size - len(disk))


BAD_KINDS = ("magic", "version", "header-crc", "truncated", "cut", "image-crc", "overlap")


def bad_disk(kind, images, size=None):
    """A disk holding images, then broken on purpose, for tests:
      magic       the magic is wrong                      (ENODATA: no store)
      version     format version 2                        (EOPNOTSUPP)
      header-crc  a byte of an entry name changed, CRC not (EBADMSG at open)
      truncated   the last image's size runs one sector past the end of the disk,
                  the header resealed                     (ERANGE)
      cut         the disk file cut in the middle of the first image (ERANGE)
      image-crc   a byte in the middle of the first image flipped (EBADMSG at load)
      overlap     the last image moved one sector back over the one before (EINVAL)
    """
    disk = bytearray(build_disk(images, size))
    entries = [ENTRY.unpack_from(disk, 64 + 64 * i) for i in range(len(images))]
    last = 64 + 64 * (len(images) - 1)
    if kind == "magic":
        disk[0:8] = b"BATONIMX"
    elif kind == "version":
        struct.pack_into("<I", disk, 8, 2)
        struct.pack_into("<I", disk, CRC_OFF, header_crc(disk))
    elif kind == "header-crc":
        disk[64] ^= 0x20                              # "baton" -> "Baton"
    elif kind == "truncated":
        name, lba, size_, icrc = entries[-1]
        size_ = (len(disk) // SECTOR - lba + 1) * SECTOR
        ENTRY.pack_into(disk, last, name, lba, size_, icrc)
        struct.pack_into("<I", disk, CRC_OFF, header_crc(disk))
    elif kind == "cut":
        name, lba, size_, icrc = entries[0]
        if size_ <= SECTOR:
            raise ValueError("cut needs a first image of more than one sector")
        del disk[(lba + size_ // SECTOR // 2) * SECTOR:]
    elif kind == "image-crc":
        name, lba, size_, icrc = entries[0]
        disk[lba * SECTOR + size_ // 2] ^= 0x01
    elif kind == "overlap":
        name, lba, size_, icrc = entries[-1]
        _, plba, psize, _ = entries[-2]
        ENTRY.pack_into(disk, last, name, plba + -(-psize // SECTOR) - 1, size_, icrc)
        struct.pack_into("<I", disk, CRC_OFF, header_crc(disk))
    else:
        raise ValueError(f"unknown kind {kind!r}: one of {', '.join(BAD_KINDS)}")
    return bytes(disk)


def parse(disk, check_images=True):
    """Check a disk as kernel/imgstore.c does; return [(name, lba, size, crc32)].
    With check_images, also the CRC of each image (as imgstore_load would)."""
    sectors = len(disk) // SECTOR
    if sectors < HDR_SECTORS:
        raise StoreError("ENODATA", "no image store: the disk is smaller than its header")
    hdr = disk[:HDR_BYTES]
    magic, version, hdr_bytes, count, hcrc = SUPER.unpack_from(hdr, 0)
    if magic != MAGIC:
        raise StoreError("ENODATA", "no image store: bad magic")
    if version != VERSION:
        raise StoreError("EOPNOTSUPP", "image store of an unsupported version")
    if hcrc != header_crc(hdr):
        raise StoreError("EBADMSG", "image store header checksum mismatch")
    if hdr_bytes != HDR_BYTES:
        raise StoreError("EINVAL", "image store header size is not 4096")
    if count > MAX_ENTRIES:
        raise StoreError("EINVAL", "image store has too many entries")
    if any(hdr[24:64]) or any(hdr[64 + 64 * count:]):
        raise StoreError("EINVAL", "image store header has nonzero reserved bytes or slots")
    out = []
    for i in range(count):
        raw = hdr[64 + 64 * i:128 + 64 * i]
        name, lba, size, icrc = ENTRY.unpack(raw)
        text = name.split(b"\0", 1)[0]
        if not name_ok(text) or any(name[len(text):]):
            raise StoreError("EINVAL", f"entry {i}: bad name")
        if any(raw[52:64]):
            raise StoreError("EINVAL", f"entry {i}: nonzero reserved bytes")
        if lba < HDR_SECTORS:
            raise StoreError("EINVAL", f"entry {i}: image starts inside the header")
        end = lba + -(-size // SECTOR)
        if end > sectors:
            raise StoreError("ERANGE", f"entry {i}: image runs past the end of the disk")
        for j, (_, l2, s2, _) in enumerate(out):
            if lba < l2 + -(-s2 // SECTOR) and l2 < end:
                raise StoreError("EINVAL", f"entries {j} and {i} overlap")
        out.append((text.decode("ascii"), lba, size, icrc))
    if check_images:
        for i, (name, lba, size, icrc) in enumerate(out):
            if crc32(disk[lba * SECTOR:lba * SECTOR + size]) != icrc:
                raise StoreError("EBADMSG", f"entry {i} '{name}': image checksum mismatch")
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description="Write or check a Baton image store disk.")
    ap.add_argument("-o", "--output", help="disk image to write")
    ap.add_argument("--size", type=int, help="disk size in MiB (default: just enough)")
    ap.add_argument("--list", metavar="DISK", help="read DISK back, check it, list it")
    ap.add_argument("images", nargs="*", metavar="NAME=PATH")
    a = ap.parse_args(argv)
    if a.list:
        if a.output or a.images:
            ap.error("--list takes no other arguments")
        with open(a.list, "rb") as f:
            disk = f.read()
        try:
            entries = parse(disk)
        except StoreError as e:
            print(f"{a.list}: {e}", file=sys.stderr)
            return 1
        for i, (name, lba, size, icrc) in enumerate(entries):
            print(f"image n={i} name={name} bytes={size} crc=0x{icrc:08x} lba={lba}")
        print(f"ok count={len(entries)}")
        return 0
    if not a.output or not a.images:
        ap.error("need -o DISK and at least one NAME=PATH (or --list DISK)")
    images = []
    for spec in a.images:
        name, sep, path = spec.partition("=")
        if not sep:
            ap.error(f"{spec!r} is not NAME=PATH")
        with open(path, "rb") as f:
            images.append((name, f.read()))
    try:
        disk = build_disk(images, None if a.size is None else a.size << 20)
        parse(disk)              # what we write must read back
    except (ValueError, StoreError) as e:
        print(f"mkimgdisk: {e}", file=sys.stderr)
        return 1
    tmp = a.output + ".tmp"
    with open(tmp, "wb") as f:
        f.write(disk)
    os.replace(tmp, a.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
