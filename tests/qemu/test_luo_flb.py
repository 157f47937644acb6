"""LUO beyond the Linux selftests: File-Lifecycle-Bound state counted through the
test FLBs (boot option luo_test), failures injected in preserve and freeze, and LUO
blobs that the next kernel must refuse (Linux panics there; Baton boots cold)."""
import re

import pytest

import baton
from conftest import launch

FLB_RE = re.compile(r"flb liveupdate-test-flb-v(\d) preserve=(\d+) unpreserve=(\d+) "
                    r"retrieve=(\d+) finish=(\d+) outgoing=(\d+) incoming=(\d+)( \w+)? "
                    r"data=(0x[0-9a-f]+|0)")


def stats(b):
    r = b.cmd("luo test-stats")
    assert r.ok
    rows = [FLB_RE.search(line) for line in r.details]
    assert all(rows) and len(rows) == 3
    return [dict(preserve=int(m[2]), unpreserve=int(m[3]), retrieve=int(m[4]),
                 finish=int(m[5]), outgoing=int(m[6]), incoming=int(m[7]),
                 state=(m[8] or "").strip(), data=int(m[9], 16)) for m in rows]


def kexec(b):
    """A live update whose next kernel registers the test FLBs too."""
    return baton.kexec(b, cmdline="luo_test=lazy")


@pytest.fixture
def flb():
    with launch(cmdline="luo_test=lazy") as b:
        b.boot()
        yield b


def test_flb_created_once_destroyed_on_last_unpreserve(flb):
    assert all(s["preserve"] == 0 and s["outgoing"] == 0 for s in stats(flb))
    flb.ok("luo create-session s1")
    flb.ok("luo create-session s2")
    for f in "abc":
        flb.ok(f"memfd create {f} 4K")
    flb.ok("luo preserve s1 a 1")
    flb.ok("luo preserve s1 b 2")
    flb.ok("luo preserve s2 c 3")
    assert all(s["preserve"] == 1 and s["outgoing"] == 3 for s in stats(flb))
    flb.ok("luo close-session s1")
    assert all(s["unpreserve"] == 0 and s["outgoing"] == 1 for s in stats(flb))
    flb.ok("luo close-session s2")
    assert all(s["preserve"] == 1 and s["unpreserve"] == 1 and s["outgoing"] == 0
               for s in stats(flb))
    flb.ok("luo create-session s3")
    flb.ok("luo preserve s3 a 1")
    assert all(s["preserve"] == 2 and s["outgoing"] == 1 for s in stats(flb))


def test_flb_retrieved_once_finished_once_after_last_file(flb):
    flb.ok("luo create-session s1")
    flb.ok("luo create-session s2")
    for f in "ab":
        flb.ok(f"memfd create {f} 4K")
    flb.ok("luo preserve s1 a 1")
    flb.ok("luo preserve s2 b 2")
    kexec(flb)
    st = stats(flb)
    assert all(s["incoming"] == 2 and s["retrieve"] == 0 and s["finish"] == 0 for s in st)
    flb.ok("luo retrieve-session s1")
    flb.ok("luo retrieve s1 1 x")
    flb.ok("luo finish s1")
    assert all(s["incoming"] == 1 and s["finish"] == 0 for s in stats(flb))
    flb.ok("luo retrieve-session s2")
    flb.ok("luo finish s2")                     # b never retrieved: discarded
    st = stats(flb)
    assert [s["data"] for s in st] == [0xFEEDF00DCAFEBEE0 + i for i in range(3)]
    assert all(s["retrieve"] == 1 and s["finish"] == 1 and s["state"] == "finished"
               and s["incoming"] == 0 for s in st)


def test_injected_preserve_failure_leaves_everything_else(flb):
    flb.ok("luo create-session s1")
    flb.ok("memfd create a 4K")
    flb.ok("memfd create b 4K")
    flb.ok("luo preserve s1 a 1")
    before = stats(flb)
    flb.ok("luo inject preserve")
    flb.error("luo preserve s1 b 2", "EIO")
    assert stats(flb) == before                 # no FLB or file state left behind
    flb.ok("luo preserve s1 b 2")               # one shot: it works now
    flb.ok("memfd write b 0 beef")
    assert kexec(flb)["boot"] == "kexec"
    flb.ok("luo retrieve-session s1")
    flb.ok("luo retrieve s1 2 b2")
    assert flb.ok("memfd read b2 0 2") == {"data": "beef"}


def test_injected_freeze_failure_unwinds_and_next_kexec_works(flb):
    flb.ok("luo create-session s1")
    flb.ok("luo create-session s2")
    flb.ok("memfd create a 1M")
    flb.ok("memfd fill a 11")
    flb.ok("memfd create b 4K")
    flb.ok("luo preserve s1 a 1")
    flb.ok("luo preserve s2 b 2")
    flb.ok("kexec load -- luo_test=lazy")
    free = flb.ok("meminfo")["free"]
    flb.ok("luo inject freeze")
    flb.error("kexec exec", "EIO")
    r = flb.cmd("luo list")
    assert r.kv == {"sessions": "2"}
    assert sum("state=preserved" in line for line in r.details) == 2
    assert flb.ok("meminfo")["free"] == free    # the failed serialization left nothing
    assert kexec(flb)["liveupdate-number"] == "1"
    flb.ok("luo retrieve-session s1")
    flb.ok("luo retrieve s1 1 a2")
    flb.ok("memfd verify a2 11")
    flb.ok("luo retrieve-session s2")
    flb.ok("luo finish s1")
    flb.ok("luo finish s2")


@pytest.mark.parametrize("kind,reason", [("short", "short"), ("version", "another version")])
def test_bad_luo_blob_refused_and_cold(flb, kind, reason):
    flb.ok("luo create-session s1")
    flb.ok("memfd create a 4K")
    flb.ok("luo preserve s1 a 1")
    flb.ok(f"luo inject {kind}")
    fields = kexec(flb)
    assert fields["boot"] == "cold" and fields["liveupdate-number"] == "0"
    m = re.search(r"kho: incoming handover refused: (.*); booting cold", flb.text)
    assert m and reason in m.group(1)
    assert flb.cmd("luo list").kv == {"sessions": "0"}
    flb.error("luo retrieve-session s1", "ENOENT")
    # The cold kernel works, and a clean update from it carries a session again.
    flb.ok("luo create-session again")
    assert kexec(flb)["liveupdate-number"] == "1"
    flb.ok("luo retrieve-session again")


def test_memfd_record_with_a_wrapping_size_is_refused(flb):
    """A handed-over memfd-v2 record of size 2^64 - 1 and no folios (the size wraps a
    rounded-up folio count to 0) is refused at retrieve with EINVAL, and the next
    kernel goes on; a sound file in the same session still comes back whole."""
    flb.ok("luo create-session s1")
    flb.ok("memfd create bad 4K")
    flb.ok("memfd create good 64K")
    flb.ok("memfd fill good 77")
    flb.ok("luo preserve s1 bad 1")
    flb.ok("luo preserve s1 good 2")
    flb.ok("luo inject memfdsize")              # the first file frozen gets it
    assert kexec(flb)["liveupdate-number"] == "1"
    flb.ok("luo retrieve-session s1")
    flb.error("luo retrieve s1 1 bad2", "EINVAL")
    assert flb.ok("luo retrieve s1 2 good2") == {"name": "good2"}
    assert flb.ok("memfd verify good2 77") == {"bytes": str(64 << 10)}
    flb.ok("luo finish s1")
    flb.ok("version")


def test_flb_registered_twice_gives_eexist(flb):
    """As Linux's test module does at registration, the test FLB 0 is registered on
    the memfd handler a second time, and LUO answers EEXIST."""
    r = flb.cmd("luo test-stats")
    assert r.ok and r.kv.get("register-twice") == "EEXIST", r.kv
    assert "test FLB 0 registered twice" not in flb.text


def test_flb_retrieved_at_registration_like_linux():
    """luo_test (as Linux's test module): the test FLBs ask for their incoming data when they register
    at boot (Linux's test module calls liveupdate_flb_get_incoming there), so they
    are retrieved before the prompt, with their own data, and still finished once,
    after the last dependent file. A cold boot has nothing to retrieve, quietly."""
    with launch(cmdline="luo_test") as b:
        b.boot()
        st = stats(b)
        assert all(s["retrieve"] == 0 and s["state"] == "absent" for s in st)
        assert "test FLB" not in b.text            # ENOENT on a cold boot is no failure
        b.ok("luo create-session s1")
        for f in "ab":
            b.ok(f"memfd create {f} 4K")
        b.ok("luo preserve s1 a 1")
        b.ok("luo preserve s1 b 2")
        assert baton.kexec(b, cmdline="luo_test")["liveupdate-number"] == "1"
        st = stats(b)
        assert [s["data"] for s in st] == [0xFEEDF00DCAFEBEE0 + i for i in range(3)]
        assert all(s["retrieve"] == 1 and s["finish"] == 0 and s["incoming"] == 2
                   and s["state"] == "" for s in st), st
        assert b.cmd("luo test-stats").kv.get("register-twice") == "EEXIST"
        b.ok("luo retrieve-session s1")
        b.ok("luo retrieve s1 1 a2")
        b.ok("luo finish s1")
        st = stats(b)
        assert all(s["retrieve"] == 1 and s["finish"] == 1 and s["state"] == "finished"
                   for s in st), st
