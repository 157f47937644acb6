"""kho-inspect agrees with the next kernel (docs/inspect.md, "Agreement"): for a
sound handover and for every `kho corrupt` kind, the inspector reads the guest's
memory after `kexec finalize` (QMP dump-guest-memory, ELF), is given the rest of the
handover tag as finalize prints it, and decides as the kernel that then boots does:
exit 0 and no error where the kernel takes the handover over; exit 1 where it
refuses, with the first error naming the kernel's reason; exit 3, accepted, where
a record only its file's retrieve reads is damaged: the kernel takes the handover
over and only that retrieve fails."""
import json
import re
import subprocess
import sys

import pytest

from baton import BUILD, ROOT, kexec
from conftest import launch

REFUSED_RE = r"kho: incoming handover refused: (.*?); booting cold"
# Each kind and the inspector's errors, exactly (check names, docs/inspect.md): one
# per kind, but for the tree whose node points at itself, after which the walk
# stops and the blocks it did not reach (the root FDT's, the subtrees') are not
# known to be preserved.
KINDS = {
    "magic": {"fdt.magic"},
    "size": {"tag.fdt_size"},
    "compat": {"fdt.compatible"},
    "range-ram": {"radix.block_outside_dump"},
    "range-scratch": {"radix.block_in_scratch"},
    "node-self": {"radix.cycle", "fdt.unpreserved", "subtree.unpreserved"},
    "meta-ram": {"subtree.unpreserved"},
    "timeline-ram": {"subtree.unpreserved"},
}
# Damage only a retrieve refuses (docs/inspect.md, "Severity"): the command that arms
# it, the token of the file it damages (1 the memfd, 2 the disk, in session s) and
# the inspector's one error, file-level.
FILE_KINDS = {
    "memfdsize": ("luo inject memfdsize", 1, "memfd.size"),
    "idx": ("blk inject idx", 2, "blk.queue"),
}


def finalize_and_inspect(b, dump):
    """`kexec finalize`, a dump, and kho-inspect's (exit code, report)."""
    kv = b.ok("kexec finalize")
    b.dump_memory(dump, fmt="elf")
    r = subprocess.run([str(BUILD / "kho-inspect"), "--json", "--fdt", kv["fdt"],
                        "--fdt-size", kv["fdt-size"],
                        "--scratch", f"{kv['scratch']},{kv['scratch-size']}", str(dump)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode in (0, 1, 3), r.stderr
    return r.returncode, json.loads(r.stdout)


def errors(report):
    return [f["message"] for f in report["findings"] if f["severity"] == "error"]


def preserve_some(b):
    b.ok("luo create-session s")
    b.ok("memfd create a 256K")
    b.ok("memfd fill a 5")
    b.ok("luo preserve s a 1")


def test_sound_handover_both_accept(tmp_path):
    with launch(mem="512M", cmdline="hugepages=4", monitor=True) as b:
        b.boot()
        preserve_some(b)
        b.ok("memfd create h 2M huge=2M")
        b.ok("memfd fill h 6")
        b.ok("luo preserve s h 2")
        rc, report = finalize_and_inspect(b, tmp_path / "mem.elf")
        assert (rc, report["findings"]) == (0, [])
        kexec(b, timeout=120)
        assert not re.search(REFUSED_RE, b.text)
        assert b.ok("luo retrieve-session s")["files"] == "2"
        b.ok("luo retrieve s 1 ra")
        b.ok("memfd verify ra 5")
        b.ok("luo retrieve s 2 rh")
        b.ok("memfd verify rh 6")


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_corrupt_handover_both_refuse_for_one_reason(tmp_path, kind):
    with launch(mem="512M", monitor=True) as b:
        b.boot()
        preserve_some(b)
        b.ok(f"kho corrupt {kind}")
        rc, report = finalize_and_inspect(b, tmp_path / "mem.elf")
        _fields, m = kexec(b, timeout=120, expect=REFUSED_RE)
        reason = m.group(1)
        found = errors(report)
        assert rc == 1 and found, report
        assert reason in found[0], (reason, found)
        assert {f["check"] for f in report["findings"]} == KINDS[kind], report["findings"]


@pytest.mark.parametrize("kind", sorted(FILE_KINDS))
def test_damaged_file_both_accept_and_only_its_retrieve_fails(tmp_path, kind):
    inject, token, check = FILE_KINDS[kind]
    disk = tmp_path / "disk.img"
    disk.write_bytes(bytes(4 << 20))
    with launch(mem="512M", monitor=True, disks=[disk]) as b:
        b.boot()
        b.ok("luo create-session s")
        b.ok("memfd create m 4K")
        b.ok("luo preserve s m 1")         # the first memfd frozen: memfdsize's
        b.ok("luo preserve s blk0 2")
        b.ok("luo create-session t")
        b.ok("memfd create good 64K")
        b.ok("memfd fill good 5")
        b.ok("luo preserve t good 3")
        b.ok(inject)
        rc, report = finalize_and_inspect(b, tmp_path / "mem.elf")
        assert (rc, report["accepted"], report["errors"], report["file_errors"]) == \
            (3, True, 1, 1), report["findings"]
        assert [(f["severity"], f["scope"], f["check"]) for f in report["findings"]] == \
            [("error", "file", check)]
        b.ok(inject)                         # exec builds the handover afresh
        kexec(b, timeout=120)
        assert not re.search(REFUSED_RE, b.text)
        b.ok("luo retrieve-session s")
        b.error(f"luo retrieve s {token} {'blk0' if token == 2 else 'm2'}", "EINVAL")
        b.ok("luo retrieve-session t")
        b.ok("luo retrieve t 3 good2")
        b.ok("memfd verify good2 5")


def test_make_inspect_demo():
    """`make inspect`'s script (tools/kho-inspect/demo.py): exit 0, and the files it
    names hold the handover it built (three memfds, the hugetlb pool, the scratch)."""
    r = subprocess.run([sys.executable, str(ROOT / "tools/kho-inspect/demo.py")],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    out = BUILD / "inspect"
    report = json.loads((out / "report.json").read_text())
    assert report["accepted"] and report["errors"] == 0
    assert [m["kind"] for m in report["luo"]["memfds"]] == \
        ["memfd-v2", "memfd-v2", "baton-hugememfd-v1"]
    assert [m["folio_bytes"] for m in report["luo"]["memfds"]] == [1 << 20, 64 << 10, 4 << 20]
    assert report["hugetlb"]["pools"][0]["users_seen"] == 2
    assert report["scratch"][0] == {"pa": "0x100000", "size": 4 << 20}  # the kernel slot
    assert "verdict: accepted" in (out / "report.txt").read_text()
    assert (out / "report.txt").read_text() in r.stdout
    svg = (out / "memory.svg").read_text()
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "<title>kernel slot 0x100000+0x400000</title>" in svg
    assert "<title>scratch 0x100000+0x400000</title>" in svg
