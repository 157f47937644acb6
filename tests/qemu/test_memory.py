"""Memory as the console shows it: memfd files in every backing, the reference
pattern checked from the host, exact page accounting, the huge-page pools, and the
errors of every misuse. One guest (PVH, q35, 3 GiB with both pools) serves the
module; every test leaves it as it found it, which the accounting tests check."""
import re

import pytest

from conftest import launch

MiB, GiB = 1 << 20, 1 << 30
POOLS = "hugepagesz=2M hugepages=160 hugepagesz=1G hugepages=1"


def splitmix64(x):
    m = (1 << 64) - 1
    z = (x + 0x9E3779B97F4A7C15) & m
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & m
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & m
    return z ^ (z >> 31)


def pattern(seed, offset, length):
    """The reference bytes of docs/console.md at [offset, offset + length)."""
    first, out = offset // 8, b""
    for w in range(first, (offset + length + 7) // 8):
        out += splitmix64(seed ^ w).to_bytes(8, "little")
    skip = offset - first * 8
    return out[skip:skip + length]


@pytest.fixture(scope="module")
def guest():
    with launch(mem="3G", cmdline=POOLS) as b:
        b.boot()
        yield b


def counts(g):
    kv = g.ok("meminfo")
    return int(kv["total"]), int(kv["free"])


def pools(g):
    return {k: int(v) for k, v in g.ok("hugepages").items()}


def test_pools_sized_from_the_command_line(guest):
    assert pools(guest) == {"2M.total": 160, "2M.free": 160, "2M.preserved": 0,
                            "1G.total": 1, "1G.free": 1, "1G.preserved": 0}


@pytest.mark.parametrize("backing,pool_key,folios", [("4K", None, 65536),
                                                      ("2M", "2M", 128),
                                                      ("1G", "1G", 1)])
def test_memfd_256m_fill_verify_and_return(guest, backing, pool_key, folios):
    total0, free0 = counts(guest)
    pools0 = pools(guest)
    arg = "" if backing == "4K" else f" huge={backing}"
    assert guest.ok(f"memfd create big 256M{arg}") == {"name": "big", "size": str(256 * MiB)}
    after = pools(guest)
    total1, free1 = counts(guest)
    assert total1 == total0
    if pool_key:
        assert after[f"{pool_key}.free"] == pools0[f"{pool_key}.free"] - folios
        assert after[f"{pool_key}.total"] == pools0[f"{pool_key}.total"]
        assert free0 - free1 < 1 * MiB          # only the folio array came from the buddy
    else:
        assert after == pools0
        assert free0 - free1 >= 256 * MiB       # the pages, plus the folio array
        assert free0 - free1 < 256 * MiB + 2 * MiB
    r = guest.cmd("memfd list")
    assert f"big size={256 * MiB} backing={backing} folios={folios} seals=none" in r.details[0]
    assert guest.ok("memfd fill big 1234", timeout=120) == {"bytes": str(256 * MiB)}
    assert guest.ok("memfd verify big 1234", timeout=120) == {"bytes": str(256 * MiB)}
    # The bytes themselves, checked against the pattern computed here.
    for off in (0, 8, 4093, 2 * MiB - 3, 256 * MiB - 16):
        got = guest.ok(f"memfd read big {off} 16")["data"]
        assert bytes.fromhex(got) == pattern(1234, off, 16)
    msg = guest.error("memfd verify big 1235", "EIO", timeout=120)
    assert msg == "mismatch at offset 0"
    assert guest.ok("memfd close big") == {}
    assert counts(guest) == (total0, free0)
    assert pools(guest) == pools0


def test_verify_finds_the_first_changed_byte(guest):
    guest.ok("memfd create v 1M")
    guest.ok("memfd fill v 9")
    guest.ok("memfd write v 777777 00")
    want = pattern(9, 777777, 1)
    if want == b"\0":
        pytest.skip("the pattern byte there is already zero")
    assert guest.error("memfd verify v 9", "EIO") == "mismatch at offset 777777"
    guest.ok("memfd close v")


def test_odd_size_pattern_and_read_past_end(guest):
    guest.ok("memfd create odd 13")
    guest.ok("memfd fill odd 5")
    assert bytes.fromhex(guest.ok("memfd read odd 0 32")["data"]) == pattern(5, 0, 13)
    assert guest.ok("memfd read odd 13 4") == {"data": ""}
    guest.ok("memfd verify odd 5")
    guest.ok("memfd close odd")


def test_write_read_truncate(guest):
    guest.ok("memfd create t 8K")
    guest.ok("memfd write t 4094 0102030405")
    assert guest.ok("memfd read t 4093 7") == {"data": "00010203040500"}
    assert guest.ok("memfd truncate t 4096") == {"size": "4096"}
    assert guest.ok("memfd truncate t 12K") == {"size": str(12 * 1024)}
    assert guest.ok("memfd read t 4094 4") == {"data": "01020000"}   # zero past the cut
    guest.ok("memfd write t 20000 ff")                                # grows the file
    assert "t size=20001" in guest.cmd("memfd list").details[0]
    guest.ok("memfd close t")


def test_seals_enforced(guest):
    guest.ok("memfd create s 4K")
    assert guest.ok("memfd seal s shrink,grow") == {"seals": "shrink,grow"}
    guest.error("memfd truncate s 1K", "EPERM")
    guest.error("memfd truncate s 8K", "EPERM")
    guest.error("memfd write s 4095 0102", "EPERM")        # would grow
    guest.ok("memfd write s 0 01")
    assert guest.ok("memfd seal s write") == {"seals": "shrink,grow,write"}
    guest.error("memfd write s 0 01", "EPERM")
    guest.error("memfd fill s 1", "EPERM")
    assert guest.ok("memfd seal s seal") == {"seals": "seal,shrink,grow,write"}
    guest.error("memfd seal s future-write", "EPERM")
    guest.ok("memfd close s")


@pytest.mark.parametrize("line,ename", [
    ("memfd create z 0", "EINVAL"),
    ("memfd create z 100G", "ENOMEM"),
    ("memfd create z 1x", "EINVAL"),
    ("memfd create z 4K huge=3M", "EINVAL"),
    ("memfd create " + "n" * 64 + " 4K", "EINVAL"),
    ("memfd fill nosuch 1", "ENOENT"),
    ("memfd verify nosuch 1", "ENOENT"),
    ("memfd close nosuch", "ENOENT"),
    ("memfd read nosuch 0 1", "ENOENT"),
    ("memfd seal nosuch seal", "ENOENT"),
    ("memfd seal nosuch bogus", "EINVAL"),
    ("memfd read x 0 129", "EINVAL"),
    ("memfd write x 0 abc", "EINVAL"),
    ("memfd write x 0 zz", "EINVAL"),
    ("memfd", "EINVAL"),
    ("memfd frob", "EINVAL"),
    ("hugepages set 3M 1", "EINVAL"),
    ("page", "EINVAL"),
])
def test_errors(guest, line, ename):
    guest.error(line, ename)


def test_duplicate_name_eexist(guest):
    guest.ok("memfd create d 4K")
    guest.error("memfd create d 4K", "EEXIST")
    guest.ok("memfd close d")


def test_pool_exhausted_enomem_and_nothing_taken(guest):
    before = pools(guest)
    guest.error(f"memfd create p {161 * 2}M huge=2M", "ENOMEM")
    guest.error("memfd create p 2G huge=1G", "ENOMEM")
    assert pools(guest) == before
    assert "p size" not in "\n".join(guest.cmd("memfd list").details)


def test_pool_resize_and_page_states(guest):
    before = counts(guest)
    assert pools(guest)["2M.total"] == 160
    kv = guest.ok("hugepages set 2M 170")
    assert kv["2M.total"] == "170" and kv["2M.free"] == "170"
    assert counts(guest)[1] == before[1] - 10 * 2 * MiB
    guest.ok("memfd create h 2M huge=2M")
    guest.ok("memfd write h 1048576 aa")
    kv = guest.ok("hugepages set 2M 160")           # the folio in use stays in the pool
    assert (kv["2M.total"], kv["2M.free"]) == ("160", "159")
    assert 0 <= before[1] - counts(guest)[1] < 64 * 1024   # only the file's metadata
    guest.error("hugepages set 2M 0", "EBUSY")            # that folio cannot go
    assert pools(guest)["2M.total"] == 1                   # ... the free ones did
    guest.ok("hugepages set 2M 160")
    guest.ok("memfd close h")
    assert pools(guest)["2M.free"] == 160
    assert counts(guest) == before
    assert guest.ok("page 0x0")["state"] == "reserved"


def test_16g_guest_with_big_pools_reaches_the_prompt():
    with launch(mem="16G", cmdline="hugepagesz=1G hugepages=8 hugepagesz=2M hugepages=2048") as b:
        b.boot(timeout=60)
        m = re.search(r"memmap (\d+) KiB \(16 bytes per frame\), built in (\d+) TSC", b.text)
        assert m, "the mm: line reports the memmap"
        assert pools(b) == {"2M.total": 2048, "2M.free": 2048, "2M.preserved": 0,
                            "1G.total": 8, "1G.free": 8, "1G.preserved": 0}
        total, free = counts(b)
        assert total > 15 * GiB
        assert free < total - 12 * GiB
