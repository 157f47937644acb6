"""Huge-page pools that survive a live update (docs/luo.md, docs/abi/baton.md):
hugetlb memfds keep their bytes, the pools come back whole with exact counts, unused
folios are free at once and used ones return after finish, and every way of getting
it wrong is refused cleanly."""
import re

import pytest

import baton
from conftest import launch

MiB, GiB = 1 << 20, 1 << 30


def kexec(b, cmdline="", timeout=120):
    """A live update into a kernel with cmdline; these guests are large, hence the
    longer ceiling."""
    return baton.kexec(b, cmdline=cmdline, timeout=timeout)


def pools(b):
    return {k: int(v) for k, v in b.ok("hugepages").items()}


def test_partial_use_free_at_once_used_after_finish():
    with launch(mem="1G", cmdline="hugepages=16") as b:
        b.boot()
        b.ok("luo create-session s")
        b.ok("memfd create h 8M huge=2M")             # 4 of 16 folios
        b.ok("memfd fill h 9")
        b.ok("luo preserve s h 1")
        p = pools(b)
        assert (p["2M.total"], p["2M.free"], p["2M.preserved"]) == (16, 12, 4)
        b.error("hugepages set 2M 20", "EBUSY")       # frozen while preserved
        fields = kexec(b, "hugepages=3")
        assert fields["boot"] == "kexec"
        assert "hugetlb: the 2M pool keeps its 16 pages from the live update" in b.text
        p = pools(b)                                  # unused folios free at once
        assert (p["2M.total"], p["2M.free"], p["2M.preserved"]) == (16, 12, 4)
        b.ok("luo retrieve-session s")
        assert b.ok("luo retrieve s 1 h2") == {"name": "h2"}
        assert b.ok("memfd verify h2 9") == {"bytes": str(8 * MiB)}
        p = pools(b)
        assert (p["2M.total"], p["2M.free"], p["2M.preserved"]) == (16, 12, 0)
        b.ok("luo finish s")
        b.ok("memfd close h2")
        p = pools(b)                                  # the used ones came back
        assert (p["2M.total"], p["2M.free"]) == (16, 16)
        b.ok("hugepages set 2M 20")                   # not frozen any more


def test_finish_without_retrieve_returns_folios_to_the_pool():
    with launch(mem="1G", cmdline="hugepages=8") as b:
        b.boot()
        b.ok("luo create-session s")
        b.ok("memfd create h 6M huge=2M")
        b.ok("luo preserve s h 1")
        kexec(b)
        assert pools(b)["2M.free"] == 5
        b.ok("luo retrieve-session s")
        b.ok("luo finish s")                          # never retrieved: given back
        p = pools(b)
        assert (p["2M.total"], p["2M.free"], p["2M.preserved"]) == (8, 8, 0)


def test_unpreserve_of_last_file_unfreezes():
    with launch(mem="1G", cmdline="hugepages=4") as b:
        b.boot()
        b.ok("luo create-session s")
        b.ok("memfd create a 2M huge=2M")
        b.ok("memfd create c 2M huge=2M")
        b.ok("luo preserve s a 1")
        b.ok("luo preserve s c 2")
        b.error("hugepages set 2M 6", "EBUSY")
        b.ok("luo close-session s")                   # both unpreserved: pool unfrozen
        assert pools(b)["2M.preserved"] == 0
        b.ok("hugepages set 2M 6")


def test_pool_that_cannot_be_frozen():
    with launch(mem="1G", cmdline="hugepages=4") as b:
        b.boot()
        b.ok("luo create-session s")
        b.ok("memfd create h 2M huge=2M")
        b.ok("luo inject flb")
        b.error("luo preserve s h 1", "EBUSY")
        assert b.cmd("luo list").details == ["  outgoing session s files=0"]
        b.ok("hugepages set 2M 5")                    # nothing was frozen
        b.ok("luo preserve s h 1")                    # and it works the next time


@pytest.mark.parametrize("kind,reason", [("pfnlist", "not aligned"),
                                         ("pfncount", "folio list size")])
def test_corrupted_pfn_list_refused_cold_pool(kind, reason):
    with launch(mem="1G", cmdline="hugepages=8") as b:
        b.boot()
        b.ok("luo create-session s")
        b.ok("memfd create h 4M huge=2M")
        b.ok("luo preserve s h 1")
        b.ok(f"luo inject {kind}")
        kexec(b, "hugepages=3")
        m = re.search(r"hugetlb: the pools handed over are refused \((.*)\)", b.text)
        assert m and reason in m.group(1)
        p = pools(b)                                  # a cold pool, from the command line
        assert (p["2M.total"], p["2M.free"], p["2M.preserved"]) == (3, 3, 0)
        b.ok("luo retrieve-session s")
        b.error("luo retrieve s 1 h2", "EIO")         # its pool was not handed over
        b.ok("memfd create fresh 2M huge=2M")         # the cold pool works


def test_two_pools_ten_updates_vm_workload():
    """A VM-style workload: 16 GiB, pools of 8 x 1 GiB and 2048 x 2 MiB,
    a 4 GiB memfd on 1 GiB pages and a 2 GiB one on 2 MiB pages in two sessions,
    ten live updates; after each, every byte verifies and the counts are exact."""
    cmd = "hugepagesz=1G hugepages=8 hugepagesz=2M hugepages=2048"
    with launch(mem="16G", cmdline=cmd) as b:
        b.boot(timeout=60)
        b.ok("memfd create vm1 4G huge=1G", 300)
        b.ok("memfd create vm2 2G huge=2M", 300)
        b.ok("memfd fill vm1 101", 600)
        b.ok("memfd fill vm2 202", 600)
        want = {"1G.total": 8, "1G.free": 4, "2M.total": 2048, "2M.free": 1024}
        for gen in range(1, 11):
            b.ok("luo create-session big")
            b.ok("luo create-session small")
            b.ok("luo preserve big vm1 1")
            b.ok("luo preserve small vm2 2")
            p = pools(b)
            assert {k: p[k] for k in want} == want
            assert (p["1G.preserved"], p["2M.preserved"]) == (4, 1024)
            fields = kexec(b, cmd if gen % 2 else "hugepages=1", timeout=300)
            assert fields["liveupdate-number"] == str(gen)
            p = pools(b)
            assert {k: p[k] for k in want} == want, f"generation {gen}: {p}"
            assert (p["1G.preserved"], p["2M.preserved"]) == (4, 1024)
            b.ok("luo retrieve-session big")
            b.ok("luo retrieve-session small")
            b.ok("luo retrieve big 1 vm1")
            b.ok("luo retrieve small 2 vm2")
            assert b.ok("memfd verify vm1 101", 600) == {"bytes": str(4 * GiB)}
            assert b.ok("memfd verify vm2 202", 600) == {"bytes": str(2 * GiB)}
            b.ok("luo finish big")
            b.ok("luo finish small")
            p = pools(b)
            assert {k: p[k] for k in want} == want
            assert (p["1G.preserved"], p["2M.preserved"]) == (0, 0)
