#!/usr/bin/python3
"""Disks for test_imgstore.c's cross-check (test_python_agrees): tools/mkimgdisk.py
writes each into DIR, checks that its own reader gives the verdict expected, and
prints "PATH VERDICT" (ok or the errno name) for the C parser to match."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools"))
import mkimgdisk as m  # noqa: E402


def elf_like(n, seed):
    """n bytes that start like an ELF file (the store does not care)."""
    body = bytes((seed + i * 7) & 0xFF for i in range(n))
    return (b"\x7fELF" + body)[:n]


IMAGES = [("baton", elf_like(300000, 1)), ("baton-next", elf_like(70001, 2)),
          ("blob", b"not a kernel at all")]

CASES = [
    ("good", m.build_disk(IMAGES), "ok"),
    ("good_sized", m.build_disk(IMAGES, 4 << 20), "ok"),
    ("empty", m.build_disk([]), "ok"),
    ("zero_size", m.build_disk([("nothing", b""), ("one", b"1")]), "ok"),
    ("max", m.build_disk([(f"img{i}", bytes([i]) * i) for i in range(m.MAX_ENTRIES)]), "ok"),
    ("exact_end", m.build_disk([("k", bytes(4096 * 3))], 4096 * 4), "ok"),
    ("tiny_disk", bytes(4096 - 512), "ENODATA"),
    ("zeros", bytes(1 << 20), "ENODATA"),
    ("too_many", m.pack_header([], count=64) + bytes(4096), "EINVAL"),
    ("bad_crc_field", m.pack_header([], crc=1) + bytes(512), "EBADMSG"),
    ("inside_header", m.pack_header([(b"x", 7, 512, 0)]) + bytes(4096), "EINVAL"),
    ("bad_name", m.pack_header([(b"a b", 8, 0, 0)]) + bytes(512), "EINVAL"),
] + [(f"bad_{k}", m.bad_disk(k, IMAGES), v) for k, v in [
    ("magic", "ENODATA"), ("version", "EOPNOTSUPP"), ("header-crc", "EBADMSG"),
    ("truncated", "ERANGE"), ("cut", "ERANGE"), ("image-crc", "EBADMSG"),
    ("overlap", "EINVAL")]]


def verdict(disk):
    try:
        m.parse(disk)
        return "ok"
    except m.StoreError as e:
        return e.err


def main():
    out = sys.argv[1]
    for name, disk, want in CASES:
        got = verdict(disk)
        if got != want:
            print(f"imgstore_cases: {name}: mkimgdisk says {got}, want {want}", file=sys.stderr)
            return 1
        path = os.path.join(out, name + ".img")
        with open(path, "wb") as f:
            f.write(disk)
        print(path, got)
    return 0


if __name__ == "__main__":
    sys.exit(main())
