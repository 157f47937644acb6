"""A virtio-blk disk kept live across live updates (handler baton-virtio-blk-v1,
drivers/virtio/virtio_blk_luo.c, with the PCI FLB pci-v2, drivers/pci/pci_luo.c).

What the tests prove, from inside the guest (console, log lines) and from outside
(QEMU's own view of the device through QMP, and the image file on the host):

- Round trip (pc, q35): a disk preserved with `luo preserve S blk0 T` crosses
  `kexec exec` without a reset. The next kernel leaves it alone until `luo
  retrieve`, then adopts it: found-status is 0xf, and QEMU's queue state
  (last-avail-idx, used-idx, vring-desc) is the same after the jump as before it
  and then goes on counting; a device reset would zero those indices and clear the
  ring addresses. Data written before and after reaches the host's file.
- 20 updates in a row (q35), each kernel verifying the previous one's pattern and
  writing its own: used-idx only ever grows, the ring never moves.
- A write in flight across the blackout (q35): QEMU's write throttling holds the
  request submitted by `blk submit` in the device (QMP `inuse` is 1 before `kexec
  exec` and still 1 at the next kernel's prompt); the next kernel's retrieve reaps
  it, and its data is on the disk.
- Every kind of damaged record (`blk inject`, q35): the exact retrieve error, the
  logged reason, the device reset (QEMU's indices back to 0) and probed afresh, the
  data written before the update intact, and a memfd handed over in another
  session beside it unaffected. A failed freeze fails `kexec exec` and leaves the
  old kernel running with the disk.
- A disk never retrieved is reset and probed at its session's finish; a session
  never retrieved at all loses the disk at the next update (bus mastering off),
  and the kernel after that probes it like any other.
- The console's misuse errors, with the errno and message the code gives; a
  name no disk can take (`luo retrieve S T blk9`) is refused with ENODEV before
  anything is consumed, so the retrieve can be repeated with a good name.
"""
import re

import pytest

import baton
from test_virtio_blk import DISK_SECTORS, SECTOR, pattern

MACHINES = ["pc", "q35"]
KEXEC_TIMEOUT = 90
RETRIEVE_TIMEOUT = 60          # a retrieve may wait for a write in flight
ADOPTED_RE = re.compile(r"virtio-blk: blk0: adopted (\S+) without a reset: "
                        r"status=0xf avail=(\d+) used=(\d+)")
RETRIEVE_INVALID = "token {}: its handed-over record is invalid"
# After pci_luo_release (bus mastering off) QEMU drops DRIVER_OK but does not reset
# the device: the probe that follows finds ACKNOWLEDGE|DRIVER|FEATURES_OK.
FOUND_AFTER_RELEASE = "0xb"


@pytest.fixture
def disk(tmp_path):
    """A 4 MiB raw image of zeros."""
    f = tmp_path / "disk.img"
    f.write_bytes(bytes(DISK_SECTORS * SECTOR))
    return f


def expected_image(writes):
    """The disk image after the pattern writes [(lba, count, seed)] on zeros."""
    img = bytearray(DISK_SECTORS * SECTOR)
    for lba, count, seed in writes:
        img[lba * SECTOR:(lba + count) * SECTOR] = pattern(seed, count * SECTOR)
    return bytes(img)


def fill(b, writes, lba, count, seed):
    """`blk fill`, remembered in writes for the host's check at the end."""
    assert b.ok(f"blk fill {lba} {count} {seed}") == {"bytes": str(count * SECTOR)}
    writes.append((lba, count, seed))


def verify(b, lba, count, seed):
    assert b.ok(f"blk verify {lba} {count} {seed}") == {"bytes": str(count * SECTOR)}


def power_off(b):
    b.send("poweroff\n")
    assert b.wait_exit(30) == 1


# ---------------------------------------------------------------- QMP: QEMU's view


def blk_path(b):
    """The QOM path of the (first) virtio-blk device, for the x-query-virtio-* calls."""
    return next(d["path"] for d in b.qmp("x-query-virtio") if d["name"] == "virtio-blk")


def queue(b, path):
    """Queue 0 as the device holds it: last-avail-idx, used-idx, inuse, vring-desc..."""
    return b.qmp("x-query-virtio-queue-status", {"path": path, "queue": 0})


def device_live(b, path):
    """DRIVER_OK set and the device not disabled (QEMU disables it, and drops
    DRIVER_OK, when bus mastering is turned off)."""
    st = b.qmp("x-query-virtio-status", {"path": path})
    return (not st["disabled"] and
            any(s.startswith("VIRTIO_CONFIG_S_DRIVER_OK") for s in st["status"]["statuses"]))


def assert_fresh_queue(q):
    """A queue set up after a reset, before any request."""
    assert (q["last-avail-idx"], q["used-idx"], q["inuse"]) == (0, 0, 0), q


def start(qemu, disk, machine="q35"):
    """Boot with disk (a path, or (path, drive options)) as blk0 and a QMP monitor;
    returns the Baton, the device's QOM path and its PCI address."""
    b = qemu(machine=machine, disks=[disk], monitor=True)
    b.boot()
    return b, blk_path(b), b.ok("blk info")["pci"]


# ---------------------------------------------------------------- the update


def kept_re(pci):
    """What the next kernel prints at boot about a disk handed over to it."""
    p = re.escape(pci)
    return re.compile(rf"pci: {p} was kept live by the previous kernel \(refcount 1\)\n"
                      rf"(?:.*\n)*?virtio-blk: {p} waits to be retrieved \(kept live by "
                      rf"the previous kernel\)\n")


def preserve(b, session, token=7, dev="blk0"):
    assert b.ok(f"luo create-session {session}") == {"session": session}
    assert b.ok(f"luo preserve {session} {dev} {token}") == {"token": str(token)}


def update(b, pci, load="kexec load"):
    """`kexec load` (unless load is None) and `kexec exec` with the disk preserved:
    the next kernel boots, says the function was kept, and leaves blk0 undriven
    until it is retrieved."""
    fields, _ = baton.kexec(b, load, timeout=KEXEC_TIMEOUT, expect=kept_re(pci))
    assert fields["boot"] == "kexec"
    assert b.error("blk info", "ENODEV") == "no block device"
    return fields


def retrieve(b, session, token=7):
    """retrieve-session and retrieve into blk0, which must be adopted: returns the
    adoption line's PCI address, avail and used indices, and the retrieve's lines."""
    assert b.ok(f"luo retrieve-session {session}") == {"session": session, "files": "1"}
    r = b.cmd(f"luo retrieve {session} {token} blk0", RETRIEVE_TIMEOUT)
    assert r.result == "ok name=blk0", r
    m = ADOPTED_RE.fullmatch(r.details[0])
    assert m, r.details
    assert b.ok("blk info")["found-status"] == "0xf"
    return m.group(1), int(m.group(2)), int(m.group(3)), r.details


# ---------------------------------------------------------------- 1. round trip


@pytest.mark.parametrize("machine", MACHINES)
def test_round_trip_without_a_reset(qemu, disk, machine):
    b, path, pci = start(qemu, disk, machine)
    writes = []
    fill(b, writes, 100, 256, 11)
    preserve(b, "S")
    before = queue(b, path)
    assert before["last-avail-idx"] == before["used-idx"] > 0 and before["inuse"] == 0
    update(b, pci)
    # Before the retrieve: the device is untouched, still live, its queue where the
    # previous kernel left it.
    assert queue(b, path) == before
    assert device_live(b, path)
    got_pci, avail, used, details = retrieve(b, "S")
    assert got_pci == pci
    assert (avail, used) == (before["last-avail-idx"], before["used-idx"])
    assert details[1].startswith("virtio-blk: blk0: 8192 sectors (4 MiB)")
    verify(b, 100, 256, 11)
    fill(b, writes, 1000, 128, 12)
    after = queue(b, path)
    assert after["vring-desc"] == before["vring-desc"] != 0
    assert (after["vring-avail"], after["vring-used"]) == (before["vring-avail"],
                                                          before["vring-used"])
    assert after["used-idx"] > before["used-idx"]
    assert after["last-avail-idx"] == after["used-idx"] and after["inuse"] == 0
    assert b.ok("luo finish S") == {}
    fill(b, writes, 2000, 8, 13)                   # still ours after the finish
    assert queue(b, path)["used-idx"] > after["used-idx"]
    assert "not adopted" not in b.text and "device abandoned" not in b.text
    power_off(b)
    assert disk.read_bytes() == expected_image(writes)


# ---------------------------------------------------------------- 2. twenty updates


def test_twenty_updates_in_a_row(qemu, disk):
    b, path, pci = start(qemu, disk)
    writes = []
    fill(b, writes, 0, 64, 100)
    preserve(b, "s0")
    first = queue(b, path)
    used = [first["used-idx"]]
    for gen in range(1, 21):
        fields = update(b, pci)
        assert fields["liveupdate-number"] == str(gen)
        q = queue(b, path)
        assert q["used-idx"] == used[-1], f"update {gen}: the device was reset"
        _pci, _avail, adopted_used, _ = retrieve(b, f"s{gen - 1}")
        assert adopted_used == used[-1]
        verify(b, 64 * (gen - 1), 64, 100 + gen - 1)
        assert b.ok(f"luo finish s{gen - 1}") == {}
        fill(b, writes, 64 * gen, 64, 100 + gen)
        preserve(b, f"s{gen}")
        q = queue(b, path)
        assert q["vring-desc"] == first["vring-desc"] and q["inuse"] == 0
        used.append(q["used-idx"])
    assert used == sorted(set(used)), f"used-idx did not strictly grow: {used}"
    assert len(re.findall(ADOPTED_RE, b.text)) == 20
    assert "not adopted" not in b.text and "found status" not in b.text[b.banner_at[1]:]
    # The last kernel reads every pattern back, then the host does.
    for gen in range(21):
        verify(b, 64 * gen, 64, 100 + gen)
    power_off(b)
    assert disk.read_bytes() == expected_image(writes)


# ---------------------------------------------------------------- 3. a write in flight


# 8 KiB/s: the 32 KiB `blk fill` passes at once (the bucket is empty) and fills it;
# QEMU then holds the next write for about (32768 - 819) / 8192 = 3.9 s, far longer
# than a live update takes (tens of milliseconds) and well inside the next kernel's
# wait for a completion (VIRTIO_POLL_TICKS, about 11 s).
THROTTLE = "throttling.bps-write=8192"


def test_write_in_flight_across_the_update(qemu, disk):
    """The request is held in QEMU's throttle queue, so it is still in flight at
    `kexec exec` by construction, not by a race the guest happens to win."""
    b, path, pci = start(qemu, (disk, THROTTLE))
    writes = []
    fill(b, writes, 0, 64, 1)                      # takes the burst budget
    preserve(b, "S")
    b.ok("kexec load")
    assert b.ok("blk submit 200 8 2") == {"lba": "200", "count": "8"}
    writes.append((200, 8, 2))
    held = queue(b, path)
    assert held["inuse"] == 1, held
    assert held["last-avail-idx"] == held["used-idx"] + 1
    update(b, pci, load=None)
    q = queue(b, path)
    assert q["inuse"] == 1 and q["used-idx"] == held["used-idx"], \
        f"the write was no longer in flight at the next kernel's prompt: {q}"
    _pci, avail, used, details = retrieve(b, "S")
    assert (avail, used) == (held["last-avail-idx"], held["used-idx"])
    assert details[1] == "virtio-blk: blk0: the write in flight at the update (sector 200) " \
                         "completed"
    q = queue(b, path)
    assert q["inuse"] == 0 and q["used-idx"] == q["last-avail-idx"] == held["last-avail-idx"]
    verify(b, 200, 8, 2)
    verify(b, 0, 64, 1)
    assert b.ok("luo finish S") == {}
    power_off(b)
    assert disk.read_bytes() == expected_image(writes)


# ---------------------------------------------------------------- 4. damaged records


# The reason logged for each kind, and whether the record still names the device
# (then it is reset and probed at the failed retrieve; otherwise it waits for its
# session's finish, which resets and probes every kept function no record took).
INJECT = {
    "bdf": ("the function is gone", False),
    "devid": ("the function has another vendor or device ID", True),
    "ring": ("the ring block is not preserved as order-0 pages", True),
    # A page preserved at order 0, but the record's own (taken back before it).
    "req": ("the request page is not a preserved order-0 page", True),
    "reqring": ("req_pa is inside the ring block", False),
    "idx": ("avail_idx and last_used disagree with what is in flight", False),
    "features": ("the device no longer offers a recorded feature", True),
}


def setup_with_memfd(b, kind):
    """Data on the disk, a memfd preserved in session M, the disk in S, KIND armed."""
    b.ok("memfd create m 8192")
    b.ok("memfd fill m 3")
    preserve(b, "M", token=1, dev="m")
    fill(b, [], 0, 64, 1)
    preserve(b, "S")
    assert b.ok(f"blk inject {kind}") == {}


def memfd_intact(b):
    assert b.ok("luo retrieve-session M") == {"session": "M", "files": "1"}
    assert b.ok("luo retrieve M 1 m") == {"name": "m"}
    assert b.ok("memfd verify m 3") == {"bytes": "8192"}
    assert b.ok("luo finish M") == {}


@pytest.mark.parametrize("kind", list(INJECT))
def test_damaged_record(qemu, disk, kind):
    reason, named = INJECT[kind]
    b, path, pci = start(qemu, disk)
    setup_with_memfd(b, kind)
    before = queue(b, path)
    update(b, pci)
    assert queue(b, path) == before                # kept live up to the retrieve
    assert b.ok("luo retrieve-session S") == {"session": "S", "files": "1"}
    r = b.cmd("luo retrieve S 7 blk0")
    assert (r.ename, r.message) == ("EINVAL", RETRIEVE_INVALID.format(7)), r
    probed = [f"virtio: {pci} blk0 found status={FOUND_AFTER_RELEASE}",
              "virtio-blk: blk0: 8192 sectors (4 MiB), blk_size=512 ro=0 flush=1 "
              "queue=128 segs=64"]
    refused = f"virtio-blk: blk0 not adopted: {reason}; reset and probed afresh"
    assert r.details == [refused] + (probed if named else [])
    # The failure is the file's for good (Linux's sticky retrieve_status).
    r = b.cmd("luo retrieve S 7 blk1")
    assert (r.ename, r.message) == ("EINVAL", RETRIEVE_INVALID.format(7)), r
    assert r.details == []
    if named:
        assert_fresh_queue(queue(b, path))         # QEMU saw the reset
    else:
        assert b.error("blk info", "ENODEV") == "no block device"
        assert queue(b, path) == before            # still as the old kernel left it
    memfd_intact(b)                                # the other session is unaffected
    r = b.cmd("luo finish S")
    assert r.result == "ok", r
    if not named:
        assert r.details == [f"virtio-blk: {pci} not adopted: no record that could be "
                             "used names it; reset and probed afresh"] + probed
        assert_fresh_queue(queue(b, path))
    else:
        assert r.details == []
    assert b.ok("blk info")["found-status"] == FOUND_AFTER_RELEASE
    verify(b, 0, 64, 1)                            # the data written before the update
    fill(b, [], 64, 8, 2)
    verify(b, 64, 8, 2)
    assert "adopted" not in b.text.replace("not adopted", "")


def test_damaged_record_freeze(qemu, disk):
    """A freeze that fails fails `kexec exec`: no jump, the old kernel goes on with
    its disk, the preserved files stay preserved, and the next exec (the fault is
    armed once) hands the disk over after all."""
    b, path, pci = start(qemu, disk)
    setup_with_memfd(b, "freeze")
    b.ok("kexec load")
    before = queue(b, path)
    r = b.cmd("kexec exec", KEXEC_TIMEOUT)
    assert (r.ename, r.message) == ("EIO", "kexec failed: luo failed; nothing changed"), r
    assert r.details == ["luo: freeze of token 7 in session S failed (-5)",
                         "kexec: luo failed (-5); undoing"]
    assert len(b.banner_at) == 1
    assert b.ok("version")["liveupdate-number"] == "0"
    assert queue(b, path) == before and device_live(b, path)
    verify(b, 0, 64, 1)
    fill(b, [], 64, 8, 2)
    assert b.ok("memfd verify m 3") == {"bytes": "8192"}
    r = b.cmd("luo list")
    assert "    file token=7 handler=baton-virtio-blk-v1 state=preserved" in r.details
    update(b, pci, load=None)                      # the image loaded before stays loaded
    retrieve(b, "S")
    verify(b, 64, 8, 2)
    memfd_intact(b)
    assert b.ok("luo finish S") == {}


# ---------------------------------------------------------------- 5. never retrieved


def test_never_retrieved(qemu, disk):
    b, path, pci = start(qemu, disk)
    writes = []
    fill(b, writes, 0, 64, 1)
    preserve(b, "S")
    ring = queue(b, path)["vring-desc"]
    update(b, pci)
    assert b.ok(f"page {ring:#x}")["state"] == "preserved"
    # The session is retrieved, the disk in it is not: its finish resets the disk.
    assert b.ok("luo retrieve-session S") == {"session": "S", "files": "1"}
    r = b.cmd("luo finish S")
    assert r.result == "ok", r
    assert r.details[:2] == [
        "virtio-blk: a disk never retrieved not adopted: its session finished; reset and "
        "probed afresh",
        f"virtio: {pci} blk0 found status={FOUND_AFTER_RELEASE}"]
    q = queue(b, path)
    assert_fresh_queue(q)
    # The old ring went back to the allocator once the device was reset, after the
    # probe had set up its new one elsewhere.
    assert q["vring-desc"] != ring and b.ok(f"page {ring:#x}")["state"] == "free"
    assert b.ok("blk info")["found-status"] == FOUND_AFTER_RELEASE
    verify(b, 0, 64, 1)
    fill(b, writes, 64, 64, 2)
    # A session never retrieved at all: the kernel it was handed to updates again.
    preserve(b, "T")
    update(b, pci)
    assert device_live(b, path)                    # waiting, still live
    found = re.compile(r"virtio: (\S+) blk0 found status=(0x[0-9a-f]+)\n")
    fields, m = baton.kexec(b, timeout=KEXEC_TIMEOUT, expect=found)
    assert fields["liveupdate-number"] == "3"
    # Not reset (that would be 0x0), but bus mastering was turned off at the jump
    # (QEMU then drops DRIVER_OK: 0xf -> 0xb); nothing handed the disk over.
    assert m.groups() == (pci, FOUND_AFTER_RELEASE)
    assert "was kept live" not in b.text[b.banner_at[-1]:]
    assert b.ok("luo list") == {"sessions": "0"}
    verify(b, 0, 64, 1)
    verify(b, 64, 64, 2)
    fill(b, writes, 128, 8, 3)
    power_off(b)
    assert disk.read_bytes() == expected_image(writes)


# ---------------------------------------------------------------- 6. misuse


def test_misuse_errors(qemu, tmp_path):
    """Two disks: blk1 is preserved, blk0 is not. The next kernel drives blk0 (reset
    and probed as usual), and blk1 waits for its retrieve."""
    disks = []
    for name, sectors in (("a.img", DISK_SECTORS), ("b.img", DISK_SECTORS // 2)):
        disks.append(tmp_path / name)
        disks[-1].write_bytes(bytes(sectors * SECTOR))
    b = qemu(machine="q35", disks=disks)
    b.boot()
    pci1 = re.search(r"virtio: (\S+) blk1 found", b.text).group(1)
    preserve(b, "S", token=9, dev="blk1")
    assert b.ok("luo create-session U") == {"session": "U"}
    for line, ename, message in [
            ("luo preserve S blk1 10", "EBUSY", "'blk1' is already preserved"),
            ("luo preserve U blk1 10", "EBUSY", "'blk1' is already preserved"),
            ("luo preserve S blk1 9", "EEXIST", "token 9 is taken in this session"),
            ("luo preserve U blk7 10", "EBADF", "no file named 'blk7'"),
            ("luo preserve U blk2 10", "EBADF", "no file named 'blk2'")]:
        assert b.error(line, ename) == message, line
    fields, _ = baton.kexec(b, timeout=KEXEC_TIMEOUT, expect=kept_re(pci1))
    assert fields["boot"] == "kexec"
    assert b.ok("blk info")["found-status"] == "0x0"      # blk0: reset at the jump
    assert b.ok("luo retrieve-session S") == {"session": "S", "files": "1"}
    assert b.error("luo retrieve S 9 blk0", "EEXIST") == "a blk named 'blk0' exists"
    assert b.error("luo retrieve S 8 blk1", "ENOENT") == "no session 'S' or no token 8 in it"
    # U, empty, was handed over too, but is not retrieved.
    assert b.error("luo retrieve U 9 blk1", "EINVAL") == \
        "session 'U' is not a retrieved incoming one"
    r = b.cmd("luo retrieve S 9 blk1")
    assert r.result == "ok name=blk1" and r.details[0].startswith(
        f"virtio-blk: blk1: adopted {pci1} without a reset: status=0xf "), r
    # Retrieved already: LUO hands back the same file whatever name is typed (even
    # one no disk could have); the name it already has is taken.
    assert b.ok("luo retrieve S 9 blk9") == {"name": "blk1"}
    assert b.error("luo retrieve S 9 blk1", "EEXIST") == "a blk named 'blk1' exists"
    assert b.ok("luo finish S") == {}
    assert b.error("luo finish S", "ENOENT") == "no session 'S'"


def test_retrieve_bad_name_then_good(qemu, disk):
    """A retrieve into a name no disk can have, then into blk0: the first is refused
    (ENODEV, naming the name) and consumes nothing, so the second adopts the disk."""
    b = qemu(machine="q35", disks=[disk])
    b.boot()
    pci = b.ok("blk info")["pci"]
    fill(b, [], 0, 8, 1)
    preserve(b, "S")
    update(b, pci)
    assert b.ok("luo retrieve-session S") == {"session": "S", "files": "1"}
    for _ in range(2):                    # refused every time, and never sticky
        assert b.error("luo retrieve S 7 blk9", "ENODEV") == \
            "token 7 cannot be named 'blk9' (a disk takes blk0 to blk3)"
    r = b.cmd("luo retrieve S 7 blk0")
    assert r.result == "ok name=blk0" and ADOPTED_RE.fullmatch(r.details[0]), r
    verify(b, 0, 8, 1)
