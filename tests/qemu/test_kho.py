"""Kexec HandOver: self-kexec, the KHO self-test over generations on every boot
path's first kernel, a differently built next kernel, the handover's debug views,
and every way of corrupting the outgoing handover (the next kernel must refuse it,
say why, boot cold, and not crash)."""
import re
import subprocess

import pytest

import baton
from baton import kexec
from conftest import launch

GEN_RE = re.compile(r"kho-test: gen=(\d+) blocks=(\d+) bytes=(\d+) verified free=(\d+)\n")
PATHS = ["pvh", "grub-bios", "grub-efi", "efi"]


def run_selftest(b, gens, timeout):
    b.banners = 1 + gens
    b.send(f"kho selftest {gens} 7\n")
    m0 = b.expect(GEN_RE, timeout)                  # the cold kernel's figure: gen 0
    assert m0.group(1) == "0"
    frees = [int(m0.group(4))]
    for g in range(1, gens + 1):
        b.expect(re.compile(r"(?m)^Baton version=\S+ boot=kexec "), timeout)
        m = b.expect(GEN_RE, timeout)
        assert int(m.group(1)) == g
        assert int(m.group(2)) > 0
        frees.append(int(m.group(4)))
    b.expect_text(f"kho-test: PASS gens={gens}\n", timeout)
    b.expect(baton.PROMPT_RE, timeout)
    assert "kho-test: FAIL" not in b.text
    assert len(set(frees)) == 1, f"free memory differs from the cold kernel's: {frees}"
    kv = b.ok("version")
    assert kv["boot"] == "kexec" and kv["kexec-count"] == str(gens)


@pytest.mark.parametrize("path", PATHS)
def test_selftest_one_generation(path):
    with launch(path=path, mem="1G") as b:
        b.boot()
        run_selftest(b, 1, 60)


@pytest.mark.parametrize("path", PATHS)
def test_selftest_twenty_generations(path):
    with launch(path=path, mem="1G") as b:
        b.boot()
        run_selftest(b, 20, 120)


def test_selftest_with_1g_blocks():
    """Enough memory that the random orders include 1 GiB blocks."""
    with launch(mem="6G") as b:
        b.boot()
        run_selftest(b, 3, 120)
        assert re.search(r"kho-test: gen=\d+ blocks=\d+ bytes=(\d{10,})", b.text), \
            "some generation preserved at least 1 GiB"


def test_self_kexec_counts_and_status(console):
    kv = console.ok("kho status")
    assert re.fullmatch(r"0x[0-9a-f]+", kv["fdt"])
    assert kv["scratch"].startswith("0x100000+0x400000,")
    assert kv["preserved"] == "0" and kv["subtrees"] == "1"      # LUO's own state
    first = kexec(console)
    assert first["boot"] == "kexec" and first["kexec-count"] == "1"
    second = kexec(console)
    assert second["kexec-count"] == "2"
    kv2 = console.ok("kho status")
    assert kv2["scratch"] == kv["scratch"], "scratch is handed on unchanged"
    assert console.ok("version")["kexec-count"] == "2"
    assert re.search(r"kexec: timeline \(TSC ticks\) serialize=\d+ prepare=\d+ trampoline=\d+ "
                     r"early-boot=\d+ prompt=\d+ blackout=\d+\n", console.text)


def free_and_tree(b):
    """Free memory plus the outgoing tree's pages (their number depends on where
    KHO's own pages happen to lie; they are kept once made, as in Linux)."""
    return int(b.ok("meminfo")["free"]) + 4096 * int(b.ok("kho status")["tree-pages"])


def test_free_memory_steady_across_kexec(console):
    kexec(console)
    free1 = free_and_tree(console)
    kexec(console)
    assert free_and_tree(console) == free1


def test_dump_and_dtc(console, tmp_path):
    kexec(console)
    r = console.cmd("kho dump")
    assert r.ok
    text = "\n".join(r.details)
    assert 'compatible = "kho-v4";' in text
    assert "kexec-metadata {" in text and "blob-size = 0x49;" in text   # the incoming one
    raw = console.cmd("kho dump raw")
    assert raw.kv == {"bytes": "4096"}
    blob = bytes.fromhex("".join(ln.split()[1] for ln in raw.details if ln.startswith("fdt-hex ")))
    assert len(blob) == 4096 and blob[:4] == b"\xd0\x0d\xfe\xed"
    (tmp_path / "kho.dtb").write_bytes(blob)
    out = subprocess.run(["dtc", "-I", "dtb", "-O", "dts", str(tmp_path / "kho.dtb")],
                         capture_output=True, text=True, check=True).stdout
    assert 'compatible = "kho-v4";' in out
    assert "preserved-memory-map" in out


def test_kexec_into_a_differently_built_image(alt_kernel):
    with launch(mem="512M", modules=[("alt", alt_kernel)]) as b:
        b.boot()
        assert b.ok("kexec load alt")["image"] == "alt"
        fields = kexec(b, load="kexec load alt -- hello=1")
        assert fields["version"] == "9.9.9-alt" and fields["boot"] == "kexec"
        assert "cmdline: warning: unknown option 'hello' ignored" in b.text
        assert b.ok("version")["version"] == "9.9.9-alt"
        # ... and on again, into its own image (module "baton" of that kernel).
        back = kexec(b)
        assert back["version"] == "9.9.9-alt" and back["kexec-count"] == "2"


@pytest.mark.parametrize("line,ename", [
    ("kexec exec", "EINVAL"),
    ("kexec load nosuch", "ENOENT"),
    ("kexec load notelf", "EINVAL"),
    ("kexec load baton x", "EINVAL"),
    ("kexec frob", "EINVAL"),
    ("kho corrupt frob", "EINVAL"),
    ("kho selftest 0", "EINVAL"),
    ("kho frob", "EINVAL"),
])
def test_kexec_errors(qemu, line, ename):
    b = qemu(modules=[("notelf", b"this is not an ELF file\n" * 100)])
    b.boot()
    b.error(line, ename)
    b.ok("version")


CORRUPTIONS = {
    "magic": "magic",
    "size": "root FDT address or size",
    "compat": "compatible",
    "range-ram": "a preserved block outside RAM",
    "range-scratch": "a preserved block in scratch",
    "node-self": "met twice",
    "meta-ram": "subtree kexec-metadata: its blob is not preserved",
    "timeline-ram": "subtree baton-timeline: its blob is not preserved",
}


@pytest.mark.parametrize("kind", sorted(CORRUPTIONS))
def test_corrupt_handover_boots_cold(console, kind):
    console.ok(f"kho corrupt {kind}")
    fields = kexec(console)
    assert fields["boot"] == "cold" and fields["kexec-count"] == "0"
    m = re.search(r"kho: incoming handover refused: (.*); booting cold", console.text)
    assert m, "the reason is logged"
    assert CORRUPTIONS[kind] in m.group(1)
    kv = console.ok("version")
    assert kv["boot"] == "cold" and kv["kexec-count"] == "0"
    console.ok("kho status")
    # The cold kernel works normally, and a clean live update from it works.
    console.ok("memfd create after 1M")
    console.ok("memfd fill after 3")
    console.ok("memfd verify after 3")
    assert kexec(console)["boot"] == "kexec"
