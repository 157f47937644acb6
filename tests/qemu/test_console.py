"""The console contract (docs/console.md) on the fast path: PVH, q35, 256M.
Every test boots its own QEMU (~0.2 s), so one broken shell cannot hide another test."""
import random
import re

import pytest

import baton

VERSION = (baton.ROOT / "VERSION").read_text().strip()
ABI = "kho-v4,luo-v5,memfd-v2"
MiB = 1 << 20


def test_banner_is_first_line(console):
    first = console.text.split("\n", 1)[0]
    assert first.startswith("Baton ")
    fields = dict(f.split("=", 1) for f in first.split()[1:] if "=" in f)
    assert fields["version"] == VERSION
    assert fields["boot"] == "cold"
    assert fields["liveupdate-number"] == "0"
    assert fields["entry"] == "pvh"


def test_version(console):
    kv = console.ok("version")
    assert list(kv) == ["version", "abi", "boot", "liveupdate-number", "kexec-count"]
    assert kv["version"] == VERSION
    assert kv["abi"] == ABI
    assert kv["boot"] == "cold"
    assert kv["liveupdate-number"] == "0"
    assert kv["kexec-count"] == "0"


def test_help_lists_every_command(console):
    r = console.cmd("help")
    assert r.result == "ok"
    listed = [line.split()[0] for line in r.details if line.strip()]
    commands = baton.shell_commands()
    assert sorted(listed) == sorted(commands)
    assert {"help", "version", "meminfo", "poweroff", "ktest", "fault"} <= set(listed)


def test_unknown_command(console):
    r = console.cmd("x")
    assert r.result == "error: ENOENT: unknown command 'x'"
    assert r.details == []


@pytest.mark.parametrize("line", ["version x", "help x", "meminfo x", "poweroff 1 2",
                                  "poweroff 256", "poweroff abc", "poweroff -1",
                                  "fault", "fault nosuch", "ktest a b"])
def test_bad_arguments_einval(console, line):
    console.error(line, "EINVAL")
    assert console.running
    console.ok("version")


def test_long_line(console):
    r = console.cmd("a" * 10000)
    assert r.ename == "EINVAL", r.result
    console.ok("version")
    r = console.cmd("version " + "x" * 9000)
    assert r.ename == "EINVAL", r.result
    console.ok("version")


def test_longest_line_that_fits(console):
    """511 bytes fit the 512-byte buffer; the command then rejects them itself."""
    r = console.cmd("version " + "x" * 503)
    assert r.echo == "version " + "x" * 503
    assert r.ename == "EINVAL"


def test_backspace(console):
    r = console.cmd("verx\x7fsion")
    assert r.typed == "version"
    assert r.ok and r.kv["version"] == VERSION
    r = console.cmd("meminfoo\x08\x08o")
    assert r.typed == "meminfo"
    assert r.ok and "total" in r.kv


def test_ctrl_c_cancels_line(console):
    out = console.run("poweroff 3\x03")
    assert out == "poweroff 3^C\n"          # no result line, a fresh prompt
    assert console.running
    console.ok("version")


def test_ctrl_u_clears_line(console):
    r = console.cmd("poweroff 3\x15version")
    assert r.typed == "version"
    assert r.ok


def test_crlf_gives_one_result(console):
    out = console.run("version\r\n")
    lines = out.rstrip("\n").split("\n")
    assert len(lines) == 2 and lines[0] == "version" and lines[1].startswith("ok version=")
    # The LF of CR LF is swallowed: no empty line and prompt before the next command.
    r = console.cmd("version")
    assert r.echo == "version" and r.ok
    out = console.run("version\r")           # CR alone ends a line too
    assert out.rstrip("\n").split("\n")[1].startswith("ok version=")
    console.ok("version")


def test_empty_line_gives_no_result(console):
    assert console.run("\n") == "\n"
    assert console.run("   \n") == "   \n"
    console.ok("version")


@pytest.mark.parametrize("line", [b"vers\x00ion", b"version\xff", b"\xffversion",
                                  b"version \x01"])
def test_bad_byte_einval(console, line):
    r = console.cmd(line)
    assert r.ename == "EINVAL", r.result
    console.ok("version")


def test_arrow_keys_are_swallowed(console):
    r = console.cmd("\x1b[Aversion\x1b[D\x1b[C")
    assert r.echo == "version" and r.ok


def test_random_garbage(console):
    """64 KiB of seeded random bytes (every byte value among them), typed in random
    chunks, never kill or wedge the kernel."""
    rng = random.Random(1234)
    data = list(range(256)) + list(rng.randbytes(64 * 1024 - 256))
    rng.shuffle(data)
    data = bytes(data)
    i = 0
    while i < len(data):
        n = rng.randint(1, 4096)
        console.send(data[i:i + n], timeout=60)
        i += n
    # Leave any escape sequence, then cancel whatever line is half typed.
    console.send(b"\x03\x03version\n")
    console.expect(r"(?m)^ok version=\S+ abi=" + re.escape(ABI) + r" .*\n", timeout=120)
    console.expect(baton.PROMPT_RE, timeout=30)
    assert console.ok("version")["boot"] == "cold"
    assert console.running
    assert console.panic_at is None and len(console.banner_at) == 1


SCRIPT = """# a comment line
version

   # an indented comment
\t
meminfo
nosuchcommand
poweroff 300
ktest format.*\r
help
"""


def test_script(qemu):
    b = qemu(cmdline="script=myscript", modules=[("myscript", SCRIPT)])
    b.boot(prompt=False)
    rs = b.script_results(SCRIPT.split("\n"))
    assert [r.line for r in rs] == ["version", "meminfo", "nosuchcommand", "poweroff 300",
                                    "ktest format.*", "help"]
    assert rs[0].ok and rs[0].kv["boot"] == "cold"
    assert rs[1].ok and "total" in rs[1].kv
    assert rs[2].result == "error: ENOENT: unknown command 'nosuchcommand'"
    assert rs[3].ename == "EINVAL"
    assert rs[4].ok and rs[4].kv["fail"] == "0"
    assert rs[5].result == "ok"
    # Skipped lines are not echoed: exactly one prompt per command, then the shell.
    assert b.text.count(baton.PROMPT) == len(rs) + 1
    assert b.ok("version")["boot"] == "cold"


def test_poweroff_code(console):
    console.send("poweroff 7\n")
    assert console.wait_exit(10) == baton.exit_status(7) == 15


def test_poweroff_default(console):
    console.send("poweroff\n")
    assert console.wait_exit(10) == 1


def test_poweroff_hex(console):
    console.send("poweroff 0x7f\n")
    assert console.wait_exit(10) == 255


def test_meminfo(console):
    kv = console.ok("meminfo")
    assert list(kv) == ["total", "free", "preserved", "scratch"]
    n = {k: int(v, 0) for k, v in kv.items()}
    assert 200 * MiB < n["total"] <= 256 * MiB
    assert 0 < n["free"] <= n["total"]
    assert n["preserved"] == 0


def test_meminfo_tracks_guest_size(qemu):
    b = qemu(mem="512M")
    b.boot()
    total = int(b.ok("meminfo")["total"])
    assert 450 * MiB < total <= 512 * MiB
