"""The harness itself (baton.py): it must fail loudly, never pass by accident."""
import pytest

import baton


def test_exit_table_mirrors_exit_h():
    text = (baton.ROOT / "include" / "exit.h").read_text()
    for name in ("EXIT_KTEST_PASS", "EXIT_KTEST_FAIL", "EXIT_PANIC", "QEMU_EXIT_PORT"):
        value = int(text.split(f"#define {name}")[1].split()[0], 0)
        assert getattr(baton, name) == value, name
    assert (baton.STATUS_KTEST_PASS, baton.STATUS_KTEST_FAIL, baton.STATUS_PANIC) == (33, 35, 37)


def test_newc_cpio_layout():
    a = baton.newc_cpio([("script", b"abc"), ("x/y", b"")])
    assert a.startswith(b"070701")
    # header 110 + "script\0" = 117 -> padded to 120; data 3 -> padded to 124
    assert a[110:117] == b"script\0" and a[120:123] == b"abc" and a[123:124] == b"\0"
    assert a[124:130] == b"070701"
    assert b"TRAILER!!!\0" in a and len(a) % 4 == 0


def test_clean_strips_cr_and_ansi():
    assert baton.clean("\x1b[2J\x1b[1;1Hok\r\n\x1b[=3h") == "ok\n"
    assert baton.render("verx\b \bsion") == "version"


@pytest.mark.parametrize("result,status,kv", [
    ("ok", "ok", {}),
    ("ok a=1 b=x=y c=", "ok", {"a": "1", "b": "x=y", "c": ""}),
    ("error: EINVAL: bad thing: here", "error", None),
])
def test_result_parsing(result, status, kv):
    r = baton.Result("cmd", "cmd", [], result)
    assert r.status == status
    if kv is not None:
        assert dict(r.kv) == kv
    else:
        assert (r.ename, r.message) == ("EINVAL", "bad thing: here")


@pytest.mark.parametrize("bad", ["", "okay", "ok a", "ok  a=1", "error: einval: x",
                                 "error: EINVAL", "Error: EINVAL: x", "ok a=1 a=2"])
def test_malformed_result_lines_fail(bad):
    with pytest.raises(baton.BatonError):
        baton.Result("cmd", "cmd", [], bad)


def test_unexpected_panic_fails(console):
    console.send("fault panic\n")
    with pytest.raises(baton.BatonError, match="unexpected kernel panic"):
        console.expect("never printed", timeout=30)


def test_qemu_exit_fails_expect(console):
    console.send("poweroff 2\n")
    with pytest.raises(baton.BatonError, match=r"QEMU exited \(status 5\)"):
        console.expect("never printed", timeout=30)


def test_timeout_fails_expect(console):
    with pytest.raises(baton.BatonError, match="timeout"):
        console.expect("never printed", timeout=0.5)
    assert console.running


def test_unexpected_banner_fails(qemu):
    b = qemu(banners=0)                  # as if this boot were a surprise reboot
    with pytest.raises(baton.BatonError, match="unexpected reboot"):
        b.expect(baton.PROMPT_RE, timeout=20)


def test_missing_result_line_fails(console):
    with pytest.raises(baton.BatonError, match="no result line"):
        console.cmd("")                  # an empty line prints no result line


KTAP_GOOD = """boot: something
KTAP version 1
1..3
ok 1 a.one
    # a.c:10: expected x == y, got 0x1 != 0x2
not ok 2 a.two
ok 3 b.three # SKIP no hardware
# Totals: pass:1 fail:1 skip:1
ktest: FAIL pass=1 fail=1 skip=1
"""


def test_ktap_parser():
    k = baton.Ktap(KTAP_GOOD)
    assert not k.problems
    assert k.plan == 3 and list(k.results) == ["a.one", "a.two", "b.three"]
    assert k.results["a.two"][0] is False
    assert k.results["a.two"][3] == ["    # a.c:10: expected x == y, got 0x1 != 0x2"]
    assert k.results["b.three"][2] == "no hardware"
    assert k.totals == k.counted == (1, 1, 1)
    assert k.verdict == ("FAIL", 1, 1, 1)


@pytest.mark.parametrize("edit,problem", [
    (("1..3", "1..4"), "plan 1..4 but 3 results"),
    (("pass:1 fail:1", "pass:2 fail:1"), "disagree"),
    (("ok 3 b.three", "ok 4 b.three"), "number 4, expected 3"),
    (("# Totals: pass:1 fail:1 skip:1\n", ""), "no '# Totals:' line"),
    (("KTAP version 1\n", ""), "no 'KTAP version 1' line"),
    (("ok 3 b.three # SKIP no hardware\n", "Bail out! kernel panic\n"), "Bail out!"),
])
def test_ktap_parser_catches(edit, problem):
    k = baton.Ktap(KTAP_GOOD.replace(*edit))
    assert any(problem in p for p in k.problems), k.problems
