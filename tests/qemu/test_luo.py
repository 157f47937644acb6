"""The Linux LUO selftests, ported to Baton's console (PVH, q35).

Linux drives /dev/liveupdate with ioctls; Baton's console stands in for it
(docs/console.md, docs/luo.md):

    open /dev/liveupdate          nothing (the console is always there)
    CREATE_SESSION name           luo create-session NAME
    memfd_create + write          memfd create NAME SIZE + memfd write NAME 0 HEX
    PRESERVE_FD token             luo preserve SESSION FILE TOKEN
    close(session fd)             luo close-session NAME (outgoing: unpreserves)
    close(memfd) after preserve   memfd close NAME (LUO keeps the file alive)
    kexec_file_load + reboot      kexec load + kexec exec
    RETRIEVE_SESSION              luo retrieve-session NAME
    RETRIEVE_FD                   luo retrieve SESSION TOKEN NEWNAME
    SESSION_FINISH                luo finish SESSION

Numbers 2.x are the single-boot tests of Linux's selftest liveupdate.c, in its
order; 3.x the kexec round-trip selftests (3.1 luo_kexec_simple, 3.2
luo_multi_session, 3.3 luo_stress_sessions, 3.4 luo_stress_files, 3.5 luo_memfd).
Two Linux cases have no console equivalent and are not ported:

- 2.2 exclusive_open (a second open of /dev/liveupdate fails EBUSY): the console has
  no file descriptors and is LUO's one user, so there is nothing to open twice.
- 3.5's file-position check (restored as 0): the console has no file position;
  `memfd read/write` take an offset, and no command shows or moves it.

Long runs of commands are typed in one go and their results collected afterwards
(the UART is flow-controlled by QEMU, so nothing is lost); see batch().
"""
import re

import baton
from baton import Result, kexec

PAGE = 4096
MiB = 1 << 20


# ---------------------------------------------------------------- helpers


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


def batch(b, lines, timeout=60):
    """Type every line at once, then collect one Result per line (in order)."""
    b.send("".join(line + "\n" for line in lines), timeout)
    results = []
    for line in lines:
        out = b.until_prompt(timeout)
        got = out.split("\n")
        if got and got[-1] == "":
            got.pop()
        if len(got) < 2 or got[0] != line:
            raise baton.BatonError(f"batch: expected {line!r} echoed, then a result "
                                   f"line; got {out!r}" + b._tail())
        results.append(Result(line, got[0], got[1:-1], got[-1]))
    return results


def batch_ok(b, lines, timeout=60):
    """batch(), asserting every result line is `ok`; returns the key=value dicts."""
    results = batch(b, lines, timeout)
    bad = [r for r in results if not r.ok]
    assert not bad, f"{len(bad)} of {len(results)} failed, first: {bad[0]!r}"
    return [r.kv for r in results]


def free_bytes(b):
    """Free memory plus the outgoing KHO tree's pages: how many of those exist depends
    on where LUO's and KHO's own pages happen to lie, and they are kept once made."""
    return int(b.ok("meminfo")["free"]) + 4096 * int(b.ok("kho status")["tree-pages"])


def cstr_hex(s):
    """The bytes Linux's helpers write: the string and its NUL."""
    return (s.encode() + b"\0").hex()


def memfd_empty(b, name):
    """memfd_create(2): a file of size 0 (the console's create wants a size)."""
    assert b.ok(f"memfd create {name} 1")["name"] == name
    assert b.ok(f"memfd truncate {name} 0") == {"size": "0"}


def memfd_with(b, name, data):
    """memfd_create + write(2) of data at offset 0 (the file grows to len(data))."""
    memfd_empty(b, name)
    b.ok(f"memfd write {name} 0 {data.hex()}")
    assert memfd_size(b, name) == len(data)


def memfd_info(b, name):
    """The `memfd list` line of name as a dict (size, backing, folios, seals, preserved)."""
    r = b.cmd("memfd list")
    assert r.ok
    for line in r.details:
        words = line.split()
        if words and words[0] == name:
            d = dict(w.split("=", 1) for w in words[1:] if "=" in w)
            d["preserved"] = "preserved" in words[1:]
            return d
    return None


def memfd_size(b, name):
    return int(memfd_info(b, name)["size"])


def read_back(b, name, length):
    return bytes.fromhex(b.ok(f"memfd read {name} 0 {length}")["data"])


def create_and_preserve_memfd(b, session, token, text):
    """luo_test_utils.c: a one-page memfd "test_mfd" holding text + NUL, preserved
    with token, then closed (LUO's reference keeps it alive; the name is free)."""
    b.ok("memfd create test_mfd 4096")
    b.ok(f"memfd write test_mfd 0 {cstr_hex(text)}")
    assert b.ok(f"luo preserve {session} test_mfd {token}") == {"token": str(token)}
    b.ok("memfd close test_mfd")


def restore_and_verify_memfd(b, session, token, text, name="restored"):
    """Retrieve token as name and compare the page with text + NUL (+ zeros)."""
    assert b.ok(f"luo retrieve {session} {token} {name}") == {"name": name}
    want = text.encode() + b"\0"
    assert read_back(b, name, 128) == want.ljust(128, b"\0")
    return name


def create_state_file(b, session, token, next_stage):
    """The kexec tests' state session: a memfd holding the decimal next stage."""
    b.error(f"luo retrieve-session {session}", "ENOENT")     # stage detection: stage 1
    b.ok(f"luo create-session {session}")
    create_and_preserve_memfd(b, session, token, str(next_stage))


def restore_and_read_stage(b, session, token):
    assert b.ok(f"luo retrieve-session {session}")["session"] == session  # stage 2
    b.ok(f"luo retrieve {session} {token} state")
    raw = read_back(b, "state", 16)
    b.ok("memfd close state")
    return int(raw.split(b"\0")[0])


def list_sessions(b):
    """`luo list` as {name: (direction, files, retrieved)}."""
    r = b.cmd("luo list", timeout=60)
    assert r.ok
    out = {}
    for line in r.details:
        m = re.fullmatch(r"\s*(incoming|outgoing) session (\S+) files=(\d+)( retrieved)?", line)
        if m:
            out[m.group(2)] = (m.group(1), int(m.group(3)), bool(m.group(4)))
    assert len(out) == int(r.kv["sessions"])
    return out


# ---------------------------------------------------- §2 liveupdate.c, one boot


def test_basic_open_close(console):
    """2.1: the device is there. Baton: LUO answers, with no session on a cold boot."""
    assert console.ok("luo list") == {"sessions": "0"}


def test_create_duplicate_session(console):
    """2.3"""
    assert console.ok("luo create-session duplicate-session-test") == \
        {"session": "duplicate-session-test"}
    console.error("luo create-session duplicate-session-test", "EEXIST")
    console.ok("luo close-session duplicate-session-test")
    # Baton: the name is free again once the session is closed.
    console.ok("luo create-session duplicate-session-test")


def test_create_distinct_sessions(console):
    """2.4"""
    console.ok("luo create-session distinct-session-1")
    console.ok("luo create-session distinct-session-2")
    assert list_sessions(console) == {"distinct-session-1": ("outgoing", 0, False),
                                      "distinct-session-2": ("outgoing", 0, False)}
    console.ok("luo close-session distinct-session-1")
    console.ok("luo close-session distinct-session-2")
    assert console.ok("luo list") == {"sessions": "0"}


def test_preserve_memfd(console):
    """2.5: closing the session unpreserves; the data stays and the file is usable."""
    b = console
    b.ok("luo create-session preserve-memfd-test")
    data = b"hello liveupdate"
    memfd_with(b, "test-memfd", data)
    assert b.ok("luo preserve preserve-memfd-test test-memfd 0x1234") == {"token": "0x1234"}
    assert memfd_info(b, "test-memfd")["preserved"]
    b.ok("luo close-session preserve-memfd-test")
    assert read_back(b, "test-memfd", 64) == data
    info = memfd_info(b, "test-memfd")
    assert not info["preserved"] and info["size"] == "16"
    # Baton: unpreserved, the size is no longer frozen.
    b.ok("memfd truncate test-memfd 32")
    b.ok("memfd close test-memfd")


def test_preserve_multiple_memfds(console):
    """2.6: two memfds preserved in one session read back while preserved."""
    b = console
    b.ok("luo create-session preserve-multi-memfd-test")
    d1, d2 = b"data for memfd one", b"data for memfd two"
    memfd_with(b, "m1", d1)
    memfd_with(b, "m2", d2)
    b.ok("luo preserve preserve-multi-memfd-test m1 0xAAAA")
    b.ok("luo preserve preserve-multi-memfd-test m2 0xBBBB")
    assert read_back(b, "m1", 64) == d1
    assert read_back(b, "m2", 64) == d2
    b.ok("memfd close m1")
    b.ok("memfd close m2")
    b.ok("luo close-session preserve-multi-memfd-test")


def test_preserve_complex_scenario(console):
    """2.7: zero-size memfds are preservable, next to data ones, in two sessions."""
    b = console
    b.ok("luo create-session complex-session-1")
    b.ok("luo create-session complex-session-2")
    data1, data2 = b"data for session 1", b"data for session 2"
    memfd_with(b, "data1", data1)
    memfd_empty(b, "empty1")
    memfd_with(b, "data2", data2)
    memfd_empty(b, "empty2")
    b.ok("luo preserve complex-session-1 data1 0x1111")
    b.ok("luo preserve complex-session-1 empty1 0x2222")
    b.ok("luo preserve complex-session-2 data2 0x3333")
    b.ok("luo preserve complex-session-2 empty2 0x4444")
    assert read_back(b, "data1", 64) == data1
    assert read_back(b, "data2", 64) == data2
    assert read_back(b, "empty1", 64) == b""
    assert read_back(b, "empty2", 64) == b""
    for f in ("data1", "empty1", "data2", "empty2"):
        b.ok(f"memfd close {f}")
    b.ok("luo close-session complex-session-1")
    b.ok("luo close-session complex-session-2")


def test_preserve_unsupported_fd(qemu):
    """2.8: a file no handler takes -> ENOENT. Linux uses /dev/null; every file the
    console can name is a memfd, and since the hugetlb handler exists every memfd has
    a handler, so the ENOENT path itself is covered in the kernel (ktest
    luo.preserve_without_handler). Here: a hugetlb-backed memfd, which Linux's memfd
    handler refuses, goes to Baton's own handler instead, and nothing else moves."""
    b = qemu(cmdline="hugepages=2")
    b.boot()
    b.ok("luo create-session unsupported-fd-test")
    b.ok("memfd create h 2M huge=2M")
    b.ok("luo preserve unsupported-fd-test h 0xDEAD")
    r = b.cmd("luo list")
    assert any("handler=baton-hugememfd-v1" in ln for ln in r.details), r.details
    assert list_sessions(b)["unsupported-fd-test"] == ("outgoing", 1, False)
    b.ok("memfd create plain 4096")
    b.error("luo preserve unsupported-fd-test plain 0xDEAD", "EEXIST")
    b.ok("luo preserve unsupported-fd-test plain 0xBEEF")


def test_prevent_double_preservation(console):
    """2.9: one file in two sessions, or twice in one session -> EBUSY."""
    b = console
    b.ok("luo create-session double-preserve-session-1")
    b.ok("luo create-session double-preserve-session-2")
    b.ok("memfd create test_mfd 4096")
    b.ok("luo preserve double-preserve-session-1 test_mfd 0x1111")
    b.error("luo preserve double-preserve-session-2 test_mfd 0x2222", "EBUSY")
    b.error("luo preserve double-preserve-session-1 test_mfd 0x3333", "EBUSY")
    assert list_sessions(b) == {"double-preserve-session-1": ("outgoing", 1, False),
                                "double-preserve-session-2": ("outgoing", 0, False)}


def test_preserve_token_taken(console):
    """Checklist 8 (derived): a token used twice in one session -> EEXIST; the same
    token in another session is fine; a missing file -> EBADF; a missing session ->
    ENOENT."""
    b = console
    b.ok("luo create-session tok-1")
    b.ok("luo create-session tok-2")
    b.ok("memfd create a 4096")
    b.ok("memfd create c 4096")
    b.ok("luo preserve tok-1 a 7")
    b.error("luo preserve tok-1 c 7", "EEXIST")
    b.ok("luo preserve tok-2 c 7")
    b.error("luo preserve tok-1 nosuchfile 8", "EBADF")
    b.error("luo preserve nosuchsession a 8", "ENOENT")


def test_create_session_no_null_termination(console):
    """2.10: a name filling all 64 bytes (no room for the NUL) -> EINVAL."""
    console.error("luo create-session " + "X" * 64, "EINVAL")
    console.error("luo create-session " + "X" * 100, "EINVAL")
    assert console.ok("luo list") == {"sessions": "0"}


def test_create_session_empty_name(console):
    """2.11: an empty name -> EINVAL. An empty word cannot be typed at the console
    (no quoting); the nearest form, the name left out, must also be EINVAL."""
    console.error("luo create-session", "EINVAL")
    console.error("luo create-session ", "EINVAL")
    assert console.ok("luo list") == {"sessions": "0"}


def test_get_session_name(console):
    """2.12: GET_NAME -> the session's name, here as `luo list` shows it."""
    assert console.ok("luo create-session get-name-test-session") == \
        {"session": "get-name-test-session"}
    assert list_sessions(console) == {"get-name-test-session": ("outgoing", 0, False)}


def test_get_session_name_max_length(console):
    """2.13: 63 characters are accepted and returned whole."""
    name = "A" * 63
    assert console.ok(f"luo create-session {name}") == {"session": name}
    assert list_sessions(console) == {name: ("outgoing", 0, False)}


def test_preserve_many_sessions(console):
    """2.14: 2000 sessions created and closed (block chain growth, shrink, reuse)."""
    b = console
    free0 = free_bytes(b)
    names = [f"many-session-{i}" for i in range(2000)]
    kvs = batch_ok(b, [f"luo create-session {n}" for n in names])
    assert [kv["session"] for kv in kvs] == names
    assert b.ok("luo list", timeout=60) == {"sessions": "2000"}
    batch_ok(b, [f"luo close-session {n}" for n in names])
    assert b.ok("luo list") == {"sessions": "0"}
    # Baton: the memory comes back, and the names can be used again.
    assert free_bytes(b) == free0
    batch_ok(b, [f"luo create-session {n}" for n in names[:100]])


def test_preserve_many_files(console):
    """2.15: 500 memfds preserved in one session, tokens 0..499 (0 is valid); the
    memfds closed, then the session."""
    b = console
    free0 = free_bytes(b)
    after = []
    for _round in range(2):
        b.ok("luo create-session many-files-test")
        lines = []
        for i in range(500):
            lines += [f"memfd create mf{i} 4096", f"luo preserve many-files-test mf{i} {i}"]
        batch_ok(b, lines)
        assert list_sessions(b)["many-files-test"] == ("outgoing", 500, False)
        batch_ok(b, [f"memfd close mf{i}" for i in range(500)])
        assert b.ok("memfd list") == {"count": "0"}
        assert free_bytes(b) < free0 - 500 * PAGE, "LUO keeps the closed files alive"
        b.ok("luo close-session many-files-test")
        after.append(free_bytes(b))
    # Baton: unpreserving the closed files frees them. KHO's radix tree keeps the
    # nodes it grew (nothing is ever freed there, as in Linux; at most 6 levels),
    # so the first round may keep a few pages, and a second round none.
    assert 0 <= free0 - after[0] <= 6 * PAGE, (free0, after)
    assert after[1] == after[0], "a second round of 500 files leaks nothing"


def test_preserved_ops(console):
    """3.5 preserved_ops (stage 1 only): a preserved memfd takes in-bounds writes but
    cannot grow or shrink."""
    b = console
    b.ok("luo create-session preserved_session")
    b.ok("memfd create m 1M")
    b.ok("memfd fill m 11")
    b.ok("luo preserve preserved_session m 1")
    data = bytes(range(128))
    b.ok(f"memfd write m 0 {data.hex()}")
    assert read_back(b, "m", 128) == data
    b.error(f"memfd write m {MiB - 1} {data.hex()}", "EPERM")
    assert memfd_size(b, "m") == MiB
    assert bytes.fromhex(b.ok(f"memfd read m {MiB - 1} 128")["data"]) == \
        pattern(11, MiB - 1, 1), "the refused write changed nothing"
    b.error("memfd truncate m 512K", "EPERM")
    b.error("memfd truncate m 2M", "EPERM")
    assert memfd_size(b, "m") == MiB
    # Once the session is closed the file may change size again.
    b.ok("luo close-session preserved_session")
    assert b.ok("memfd truncate m 512K") == {"size": str(512 * 1024)}


# ---------------------------------------------------------- §3 across a kexec


def test_luo_kexec_simple(console):
    """3.1"""
    b = console
    create_state_file(b, "kexec_simple_state", 999, 2)
    b.ok("luo create-session test-session")
    create_and_preserve_memfd(b, "test-session", 0x1A, "hello kexec world")
    assert kexec(b)["boot"] == "kexec"
    assert restore_and_read_stage(b, "kexec_simple_state", 999) == 2
    assert b.ok("luo retrieve-session test-session") == {"session": "test-session",
                                                          "files": "1"}
    restore_and_verify_memfd(b, "test-session", 0x1A, "hello kexec world")
    b.ok("memfd close restored")
    b.ok("luo finish test-session")
    b.ok("luo finish kexec_simple_state")
    assert b.ok("luo list") == {"sessions": "0"}


def test_luo_multi_session(console):
    """3.2: empty sessions survive; several files per session."""
    b = console
    files = {"multi-test-files-1": [(0x1001, "Data for session files 1")],
             "multi-test-files-2": [(0x2002, "First file for session files 2"),
                                    (0x3003, "Second file for session files 2")]}
    create_state_file(b, "kexec_multi_state", 998, 2)
    b.ok("luo create-session multi-test-empty-1")
    b.ok("luo create-session multi-test-empty-2")
    for s, fl in files.items():
        b.ok(f"luo create-session {s}")
        for token, text in fl:
            create_and_preserve_memfd(b, s, token, text)
    kexec(b)
    assert restore_and_read_stage(b, "kexec_multi_state", 998) == 2
    for s in ("multi-test-empty-1", "multi-test-empty-2"):
        assert b.ok(f"luo retrieve-session {s}") == {"session": s, "files": "0"}
    for s, fl in files.items():
        assert b.ok(f"luo retrieve-session {s}") == {"session": s, "files": str(len(fl))}
        for token, text in fl:
            restore_and_verify_memfd(b, s, token, text, name=f"r{token:x}")
    for s in ("multi-test-empty-1", "multi-test-empty-2", *files):
        b.ok(f"luo finish {s}")
    b.ok("luo finish kexec_multi_state")
    assert b.ok("luo list") == {"sessions": "0"}


def test_luo_stress_sessions(console):
    """3.3: 2000 empty sessions across a kexec (40 session blocks of 51)."""
    b = console
    create_state_file(b, "kexec_many_state", 999, 2)
    names = [f"many-test-{i}" for i in range(2000)]
    batch_ok(b, [f"luo create-session {n}" for n in names])
    kexec(b, timeout=120)
    assert restore_and_read_stage(b, "kexec_many_state", 999) == 2
    got = list_sessions(b)
    assert len(got) == 2001
    assert all(got[n] == ("incoming", 0, False) for n in names)
    lines = []
    for n in names:
        lines += [f"luo retrieve-session {n}", f"luo finish {n}"]
    kvs = batch_ok(b, lines)
    assert kvs[0::2] == [{"session": n, "files": "0"} for n in names]
    b.ok("luo finish kexec_many_state")
    assert b.ok("luo list") == {"sessions": "0"}


def test_luo_stress_files(console):
    """3.4: 500 one-page memfds in one session across a kexec (8 file blocks of 63)."""
    b = console
    create_state_file(b, "kexec_many_files_state", 9999, 2)
    b.ok("luo create-session many_files_session")
    lines = []
    for i in range(500):
        lines += ["memfd create test_mfd 4096",
                  f"memfd write test_mfd 0 {cstr_hex(f'file-data-{i}')}",
                  f"luo preserve many_files_session test_mfd {i}",
                  "memfd close test_mfd"]
    batch_ok(b, lines)
    kexec(b, timeout=120)
    assert restore_and_read_stage(b, "kexec_many_files_state", 9999) == 2
    assert b.ok("luo retrieve-session many_files_session") == \
        {"session": "many_files_session", "files": "500"}
    lines = []
    for i in range(500):
        lines += [f"luo retrieve many_files_session {i} f{i}", f"memfd read f{i} 0 32",
                  f"memfd close f{i}"]
    kvs = batch_ok(b, lines)
    for i in range(500):
        assert kvs[3 * i] == {"name": f"f{i}"}
        want = (f"file-data-{i}".encode() + b"\0").ljust(32, b"\0")
        assert bytes.fromhex(kvs[3 * i + 1]["data"]) == want, f"token {i}"
    b.ok("luo finish many_files_session")
    b.ok("luo finish kexec_many_files_state")


# --------------------------------------------- §3.5 memfd semantics across a kexec


def test_memfd_data(console):
    """3.5 memfd_data: 1 MiB of pattern bytes (Linux: random, saved to a file)."""
    b = console
    b.ok("luo create-session memfd_data_session")
    b.ok("memfd create data 1M")
    b.ok("memfd fill data 0x5eed")
    b.ok("luo preserve memfd_data_session data 1")
    b.ok("memfd close data")
    kexec(b)
    b.ok("luo retrieve-session memfd_data_session")
    b.ok("luo retrieve memfd_data_session 1 data")
    assert b.ok("memfd verify data 0x5eed") == {"bytes": str(MiB)}
    for off in (0, 4090, MiB // 2 + 3, MiB - 128):       # from the host, too
        assert bytes.fromhex(b.ok(f"memfd read data {off} 128")["data"]) == \
            pattern(0x5EED, off, 128)
    b.ok("luo finish memfd_data_session")


def test_zero_memfd(console):
    """3.5 zero_memfd: an empty memfd comes back with size 0."""
    b = console
    b.ok("luo create-session zero_session")
    memfd_empty(b, "zero_memfd")
    b.ok("luo preserve zero_session zero_memfd 1")
    b.ok("memfd close zero_memfd")
    kexec(b)
    b.ok("luo retrieve-session zero_session")
    b.ok("luo retrieve zero_session 1 zero_memfd")
    info = memfd_info(b, "zero_memfd")
    assert info["size"] == "0" and info["folios"] == "0"
    assert read_back(b, "zero_memfd", 16) == b""
    b.ok("luo finish zero_session")
    # It is an ordinary file now: it can grow.
    b.ok("memfd write zero_memfd 0 abcd")
    assert memfd_size(b, "zero_memfd") == 2


def test_fallocate_memfd(console):
    """3.5 fallocate_memfd: pages allocated (zeroed) before preservation, the data
    written after it: the live pages are what is handed over."""
    b = console
    b.ok("luo create-session fallocate_session")
    b.ok("memfd create fa 1M")
    b.ok("luo preserve fallocate_session fa 1")
    b.ok("memfd fill fa 77")
    kexec(b)
    b.ok("luo retrieve-session fallocate_session")
    b.ok("luo retrieve fallocate_session 1 fa")
    assert b.ok("memfd verify fa 77") == {"bytes": str(MiB)}
    b.ok("luo finish fallocate_session")


SIZES = [1, 7, 8, 100, PAGE - 1, PAGE, PAGE + 1, 3 * PAGE + 5, MiB + 1, 4 * MiB]


def test_memfd_sizes(console):
    """Sizes around page boundaries, each with its own pattern, byte for byte."""
    b = console
    b.ok("luo create-session sizes")
    for i, size in enumerate(SIZES):
        b.ok(f"memfd create s{i} {size}")
        b.ok(f"memfd fill s{i} {100 + i}")
        b.ok(f"luo preserve sizes s{i} {i}")
        b.ok(f"memfd close s{i}")
    kexec(b)
    assert b.ok("luo retrieve-session sizes")["files"] == str(len(SIZES))
    for i, size in enumerate(SIZES):
        b.ok(f"luo retrieve sizes {i} s{i}")
        info = memfd_info(b, f"s{i}")
        assert int(info["size"]) == size
        assert int(info["folios"]) == (size + PAGE - 1) // PAGE
        assert b.ok(f"memfd verify s{i} {100 + i}") == {"bytes": str(size)}
        tail = max(0, size - 64)
        assert bytes.fromhex(b.ok(f"memfd read s{i} {tail} 128")["data"]) == \
            pattern(100 + i, tail, size - tail)
    b.ok("luo finish sizes")


def test_memfd_seals_preserved(console):
    """Checklist 16 (derived): seals set before preservation are there after it."""
    b = console
    b.ok("luo create-session seals")
    b.ok("memfd create sealed 8192")
    b.ok("memfd fill sealed 3")
    assert b.ok("memfd seal sealed shrink,grow,write") == {"seals": "shrink,grow,write"}
    b.ok("memfd create fw 4096")
    assert b.ok("memfd seal fw future-write,seal") == {"seals": "seal,future-write"}
    b.ok("memfd create none 4096")
    b.ok("luo preserve seals sealed 1")
    b.ok("luo preserve seals fw 2")
    b.ok("luo preserve seals none 3")
    kexec(b)
    b.ok("luo retrieve-session seals")
    b.ok("luo retrieve seals 1 sealed2")
    b.ok("luo retrieve seals 2 fw2")
    b.ok("luo retrieve seals 3 none2")
    assert memfd_info(b, "sealed2")["seals"] == "shrink,grow,write"
    assert memfd_info(b, "fw2")["seals"] == "seal,future-write"
    assert memfd_info(b, "none2")["seals"] == "none"
    b.ok("luo finish seals")
    # ... and they act.
    b.ok("memfd verify sealed2 3")
    b.error("memfd write sealed2 0 00", "EPERM")
    b.error("memfd truncate sealed2 4096", "EPERM")
    b.error("memfd truncate sealed2 16K", "EPERM")
    b.error("memfd write fw2 0 00", "EPERM")
    b.error("memfd seal fw2 write", "EPERM")
    b.ok("memfd seal sealed2 seal")
    b.ok("memfd write none2 0 00")
    b.ok("memfd truncate none2 0")


# --------------------------------------------------------- Baton-specific checks


def test_no_leak_after_finish(console):
    """After `luo finish` the preserved memory is free again: retrieved-and-closed
    files and never-retrieved files (finish discards them) alike, also mixed in one
    session. The figure to
    return to is a kexec'd kernel's with nothing preserved."""
    b = console
    kexec(b)
    free_clean = free_bytes(b)
    b.ok("luo create-session kept")
    b.ok("luo create-session dropped")
    b.ok("luo create-session empty")
    for i in range(4):
        b.ok(f"memfd create k{i} {(i + 1) * 300}K")
        b.ok(f"memfd fill k{i} {i}")
        b.ok(f"luo preserve kept k{i} {i}")
        b.ok(f"memfd close k{i}")
        b.ok(f"memfd create d{i} 256K")
        b.ok(f"luo preserve dropped d{i} {i}")
        b.ok(f"memfd close d{i}")
    kexec(b)
    free_in = free_bytes(b)
    assert free_in < free_clean - (3000 + 1024) * 1024
    b.ok("luo retrieve-session kept")
    for i in range(3):                            # k3 stays behind: finish drops it
        b.ok(f"luo retrieve kept {i} k{i}")
        b.ok(f"memfd verify k{i} {i}")
        b.ok(f"memfd close k{i}")
    b.ok("luo finish kept")
    b.ok("luo retrieve-session dropped")
    b.ok("luo finish dropped")                    # nothing retrieved: all discarded
    b.ok("luo retrieve-session empty")
    b.ok("luo finish empty")
    assert b.ok("luo list") == {"sessions": "0"}
    assert free_bytes(b) == free_clean


def test_unretrieved_incoming_session_stays_listed(console):
    b = console
    b.ok("luo create-session left-alone")
    b.ok("memfd create x 4096")
    b.ok("luo preserve left-alone x 5")
    b.ok("luo create-session taken")
    kexec(b)
    assert list_sessions(b) == {"left-alone": ("incoming", 1, False),
                                "taken": ("incoming", 0, False)}
    b.ok("luo retrieve-session taken")
    b.ok("luo finish taken")
    b.ok("luo create-session new-one")
    assert list_sessions(b) == {"left-alone": ("incoming", 1, False),
                                "new-one": ("outgoing", 0, False)}
    r = b.cmd("luo list")
    assert any(re.fullmatch(r"\s*file token=5 handler=memfd-v2 state=incoming", ln)
               for ln in r.details)
    # Only a retrieved session has a "fd" to close.
    b.error("luo close-session left-alone", "EINVAL")
    assert list_sessions(b)["left-alone"] == ("incoming", 1, False)


def test_retrieve_twice_returns_the_same_file(console):
    """Checklist 18 (derived): a second RETRIEVE_FD of a token gives the same file."""
    b = console
    b.ok("luo create-session twice")
    b.ok("memfd create f 8192")
    b.ok("memfd fill f 9")
    b.ok("luo preserve twice f 0x42")
    kexec(b)
    b.ok("luo retrieve-session twice")
    assert b.ok("luo retrieve twice 0x42 first") == {"name": "first"}
    assert b.ok("luo retrieve twice 0x42 second") == {"name": "first"}
    assert b.ok("memfd list") == {"count": "1"}
    b.error("memfd read second 0 8", "ENOENT")
    b.ok("memfd write first 0 cafe")                 # one file: one content
    assert b.ok("luo retrieve twice 0x42 third") == {"name": "first"}
    assert read_back(b, "first", 2) == b"\xca\xfe"
    b.ok("luo finish twice")
    assert read_back(b, "first", 2) == b"\xca\xfe", "finish leaves a retrieved file alone"


def test_retrieve_after_close_of_retrieved_file(console):
    """Linux's LUO holds a reference on a retrieved file until FINISH, so RETRIEVE_FD
    after the user closed its fd gives the same, intact file."""
    b = console
    b.ok("luo create-session rc")
    b.ok("memfd create f 8192")
    b.ok("memfd fill f 21")
    b.ok("luo preserve rc f 1")
    kexec(b)
    b.ok("luo retrieve-session rc")
    assert b.ok("luo retrieve rc 1 x") == {"name": "x"}
    b.ok("memfd close x")
    name = b.ok("luo retrieve rc 1 y")["name"]
    assert name in ("x", "y"), f"retrieve after close gave name={name!r}"
    assert b.ok(f"memfd verify {name} 21") == {"bytes": "8192"}
    b.ok("luo finish rc")


def test_retrieve_with_bad_name_changes_nothing(console):
    """A typing mistake in the new name must not destroy the preserved file: the
    console checks a name that is taken (EEXIST) before retrieving; one that is too
    long must be refused just as harmlessly, and a retry with a good name works."""
    b = console
    b.ok("luo create-session s")
    b.ok("memfd create a 8192")
    b.ok("memfd fill a 5")
    b.ok("luo preserve s a 1")
    kexec(b)
    b.ok("luo retrieve-session s")
    b.error("luo retrieve s 1 " + "N" * 64, "EINVAL")
    r = b.cmd("luo list")
    assert any(re.fullmatch(r"\s*file token=1 handler=memfd-v2 state=incoming", ln)
               for ln in r.details), r.details
    assert b.ok("luo retrieve s 1 good") == {"name": "good"}
    assert b.ok("memfd verify good 5") == {"bytes": "8192"}
    b.ok("luo finish s")


def test_session_state_errors(console):
    """Incoming vs outgoing misuse, and the errors that follow from it."""
    b = console
    b.ok("luo create-session in")
    b.ok("memfd create f 4096")
    b.ok("luo preserve in f 3")
    b.ok("memfd create big 4096")
    b.ok("memfd fill big 8")
    b.ok("luo preserve in big 0xFFFFFFFFFFFFFFFF")             # the largest token
    b.error("luo preserve in f 0x10000000000000000", "EINVAL")  # one more: no token
    b.ok("luo create-session closed-after-retrieve")
    kexec(b)
    b.ok("luo create-session out")
    b.error("luo retrieve in 3 g", "EINVAL")         # session not retrieved yet
    b.error("luo finish in", "EINVAL")
    b.error("luo finish out", "EINVAL")              # an outgoing session
    b.error("luo retrieve out 3 g", "EINVAL")
    b.error("luo retrieve-session nosuch", "ENOENT")
    b.error("luo retrieve nosuch 3 g", "ENOENT")
    b.error("luo finish nosuch", "ENOENT")
    b.ok("memfd create g0 4096")
    b.error("luo preserve in g0 9", "EINVAL")        # incoming sessions take no files
    b.ok("luo retrieve-session in")
    b.error("luo retrieve-session in", "EINVAL")     # twice
    b.error("luo retrieve in 4 g", "ENOENT")         # no such token
    b.ok("luo retrieve in 3 g")
    assert b.ok("luo retrieve in 18446744073709551615 big") == {"name": "big"}
    b.ok("memfd verify big 8")
    b.ok("luo finish in")
    b.error("luo retrieve in 3 h", "ENOENT")         # finished: gone
    b.error("luo retrieve-session in", "ENOENT")
    # Closing a retrieved incoming session finishes it; an unretrieved one has no
    # "fd" to close.
    b.error("luo close-session closed-after-retrieve", "EINVAL")
    b.ok("luo retrieve-session closed-after-retrieve")
    b.ok("luo close-session closed-after-retrieve")
    b.error("luo retrieve-session closed-after-retrieve", "ENOENT")
    assert b.ok("luo list") == {"sessions": "1"}                # "out"
    # An incoming name does not block an outgoing session of the same name.
    b.ok("luo create-session in")


def test_liveupdate_number_counts_updates(console):
    """liveupdate-number: 0 on a cold boot, +1 per live update; state can be handed
    on through two updates (retrieved in N+1, preserved again for N+2)."""
    b = console
    assert b.ok("version")["liveupdate-number"] == "0"
    name = "L" * 63                                   # the longest name survives too
    b.ok(f"luo create-session {name}")
    b.ok("memfd create gen 64K")
    b.ok("memfd fill gen 1")
    b.ok(f"luo preserve {name} gen 1")
    assert kexec(b)["liveupdate-number"] == "1"
    assert b.ok("version")["liveupdate-number"] == "1"
    b.ok(f"luo retrieve-session {name}")
    b.ok(f"luo retrieve {name} 1 gen")
    b.ok(f"luo finish {name}")
    b.ok("memfd verify gen 1")
    b.ok(f"luo create-session {name}")
    b.ok(f"luo preserve {name} gen 2")
    assert kexec(b)["liveupdate-number"] == "2"
    assert b.ok("version")["liveupdate-number"] == "2"
    assert b.ok(f"luo retrieve-session {name}") == {"session": name, "files": "1"}
    b.ok(f"luo retrieve {name} 2 gen")
    b.ok("memfd verify gen 1")
    b.ok(f"luo finish {name}")


def test_name_reuse_after_close_while_preserved(console):
    """`memfd close` of a preserved file frees its name at once; a new file of that
    name is a different file, preservable beside the first."""
    b = console
    b.ok("luo create-session reuse")
    b.ok("memfd create n 4096")
    b.ok("memfd fill n 1")
    b.ok("luo preserve reuse n 1")
    b.ok("memfd close n")
    b.ok("memfd create n 8192")
    b.ok("memfd fill n 2")
    b.ok("luo preserve reuse n 2")
    kexec(b)
    assert b.ok("luo retrieve-session reuse")["files"] == "2"
    b.ok("luo retrieve reuse 1 a")
    b.ok("luo retrieve reuse 2 c")
    assert b.ok("memfd verify a 1") == {"bytes": "4096"}
    assert b.ok("memfd verify c 2") == {"bytes": "8192"}
    b.ok("luo finish reuse")


def test_retrieved_file_preserved_again_and_unretrieved_session_dropped(console):
    """A retrieved file can be preserved for the next update before its incoming
    session is finished; an incoming session never retrieved is not handed on, and
    once the update after it is done its memory is free again."""
    b = console
    kexec(b)
    free_clean = free_bytes(b)
    b.ok("luo create-session s")
    b.ok("memfd create a 1M")
    b.ok("memfd fill a 5")
    b.ok("luo preserve s a 1")
    b.ok("luo create-session u")
    b.ok("memfd create u1 1M")
    b.ok("luo preserve u u1 1")
    kexec(b)
    b.ok("luo retrieve-session s")
    b.ok("luo retrieve s 1 a")
    b.ok("luo create-session s2")
    b.ok("luo preserve s2 a 7")                   # before s is finished
    b.ok("luo finish s")
    assert memfd_info(b, "a")["preserved"]
    assert list_sessions(b) == {"s2": ("outgoing", 1, False), "u": ("incoming", 1, False)}
    kexec(b)
    assert list_sessions(b) == {"s2": ("incoming", 1, False)}
    b.ok("luo retrieve-session s2")
    b.ok("luo retrieve s2 7 a")
    assert b.ok("memfd verify a 5") == {"bytes": str(MiB)}
    b.ok("memfd close a")
    b.ok("luo finish s2")
    assert free_bytes(b) == free_clean


def test_memfd_seal_exec_preserved(console):
    """F_SEAL_EXEC (0x20) is one of the seals memfd-v2 carries: it can be set, is
    listed, survives preserve and update with the others, and still counts as a seal
    afterwards (seal then stops adding more)."""
    b = console
    b.ok("luo create-session sx")
    b.ok("memfd create ex 4096")
    b.ok("memfd fill ex 9")
    assert b.ok("memfd seal ex exec") == {"seals": "exec"}
    b.ok("memfd create ex2 4096")
    assert b.ok("memfd seal ex2 exec,write,seal") == {"seals": "seal,write,exec"}
    assert memfd_info(b, "ex")["seals"] == "exec"
    b.ok("luo preserve sx ex 1")
    b.ok("luo preserve sx ex2 2")
    kexec(b)
    b.ok("luo retrieve-session sx")
    b.ok("luo retrieve sx 1 exr")
    b.ok("luo retrieve sx 2 ex2r")
    assert memfd_info(b, "exr")["seals"] == "exec"
    assert memfd_info(b, "ex2r")["seals"] == "seal,write,exec"
    b.ok("luo finish sx")
    b.ok("memfd verify exr 9")
    b.ok("memfd write exr 0 00")                      # exec alone stops no write
    b.error("memfd seal ex2r shrink", "EPERM")
