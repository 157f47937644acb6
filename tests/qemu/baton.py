#!/usr/bin/python3
"""Boot Baton in QEMU and drive its serial console (contract: docs/console.md).

Library (used by the pytest suite in this directory):

    b = Baton(path="pvh", machine="q35", cmdline="", modules=[("script", "version\\n")],
              disks=["disk.img"])   # raw images -> virtio-blk (disable-legacy=on)
    b.boot()                      # banner, then the first `baton> ` prompt
    r = b.cmd("version")          # Result: echo, details, ok/kv or error/ename/message
    kv = b.ok("meminfo")          # asserts `ok`, returns the key=value pairs
    msg = b.error("x", "ENOENT")  # asserts `error: ENOENT: msg`, returns msg
    b.send("poweroff 5\\n"); assert b.wait_exit(10) == 11
    b = Baton(monitor=True)       # also a QMP monitor on a unix socket in its workdir
    b.dump_memory("mem.elf")      # dump-guest-memory (ELF, guest-physical PT_LOADs)
    read = elf_phys_reader("mem.elf"); read(0x1000, 16)   # bytes at guest-physical addresses
    b.close()                     # always kills QEMU

Every wait is on the reader thread's notifications (a condition variable), with a
ceiling; nothing sleeps. A wait fails on its timeout, on QEMU exiting, on `Kernel
panic` (unless the caller expects one) and on an unexpected boot banner (more
`Baton version=` lines than the caller declared: an unexpected reboot).

CLI (the Makefile's `make run` / `make debug`):

    baton.py run   [--path pvh|grub-bios|grub-efi|efi] [--machine q35|pc] [--mem 256M]
                   [--append CMDLINE] [--module FILE NAME]... [extra qemu args]
    baton.py debug ...same...     (adds -s -S and prints the gdb command)

Standard library only.
"""
import argparse
import collections
import fcntl
import json
import os
import re
import select
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build"
KERNEL = BUILD / "kernel.elf"
ISO = BUILD / "baton.iso"
ESP = BUILD / "esp.img"
BOOTX64 = BUILD / "BOOTX64.EFI"
MKISO = ROOT / "scripts" / "mkiso.sh"
MKESP = ROOT / "boot" / "efi" / "mkesp.sh"
OVMF = Path("/usr/share/ovmf/OVMF.fd")
QEMU = "qemu-system-x86_64"
# A newer QEMU (from bookworm-backports, unpacked by scripts/deps-qemu-bpo.sh) for
# what Debian 12's 7.2 cannot do under TCG: x2APIC. Its own option ROMs come first
# (-L); -nodefaults leaves out the empty CD-ROM drive of q35, on which its AHCI and
# Debian 12's SeaBIOS wait out a 32-second timeout at every boot.
QEMU_BPO_DIR = Path(os.environ.get("BATON_QEMU_BPO", "/opt/baton/qemu-bpo"))
QEMU_BPO = QEMU_BPO_DIR / "usr/bin/qemu-system-x86_64"
QEMU_BPO_ARGS = ["-L", str(QEMU_BPO_DIR / "usr/share/qemu"), "-nodefaults"]

# Leaving QEMU (mirrors include/exit.h). Baton writes a byte to the isa-debug-exit
# device (-device isa-debug-exit,iobase=0xf4,iosize=0x04); QEMU then exits with
# status (value << 1) | 1, so status 0 is impossible through this device:
#   value  status  meaning
#   0x10   33      ktest verdict: every test passed
#   0x11   35      ktest verdict: at least one test failed
#   0x12   37      panic or fatal exception (register dump printed before)
#   N      2N+1    `poweroff N` (N in 0..255); `poweroff` alone writes 0 -> 1
QEMU_EXIT_PORT = 0xF4
EXIT_KTEST_PASS = 0x10
EXIT_KTEST_FAIL = 0x11
EXIT_PANIC = 0x12


def exit_status(value):
    """QEMU's exit status for a value written to isa-debug-exit."""
    return ((value << 1) | 1) & 0xFF


STATUS_KTEST_PASS = exit_status(EXIT_KTEST_PASS)   # 33
STATUS_KTEST_FAIL = exit_status(EXIT_KTEST_FAIL)   # 35
STATUS_PANIC = exit_status(EXIT_PANIC)             # 37

PATHS = ("pvh", "grub-bios", "grub-efi", "efi")
MACHINES = ("q35", "pc")
# Ceilings for boot() (banner and first prompt), not sleeps. TCG under load is slow.
BOOT_TIMEOUT = {"pvh": 20, "grub-bios": 30, "grub-efi": 90, "efi": 90}

PROMPT = "baton> "
PROMPT_RE = re.compile(r"(?m)^baton> ")
BANNER_RE = re.compile(r"(?m)^Baton version=")
PANIC_TEXT = "Kernel panic"
ANSI_RE = re.compile(r"\x1b\[[0-9;=?]*[a-zA-Z]")
ANSI_TAIL_RE = re.compile(r"\x1b(\[[0-9;=?]*)?\Z")    # an escape cut by a read
OK_RE = re.compile(r"ok(?: [^\s=]+=\S*)*")
ERROR_RE = re.compile(r"error: (E[A-Z0-9]+): (.*)")
KTEST_SYM_RE = re.compile(r"__ktest_([A-Za-z0-9_]+?)__([A-Za-z0-9_]+)")


class BatonError(AssertionError):
    """A console expectation failed (timeout, QEMU exit, panic, reboot, bad result)."""


class Result:
    """One command's output: the echoed line, free-form detail lines and the result
    line, parsed as `ok` + key=value pairs or `error: ENAME: message`."""

    def __init__(self, line, echo, details, result):
        self.line = line            # what was sent (without the newline)
        self.echo = echo            # the echoed line as printed (may hold \b)
        self.details = details      # list of lines between the echo and the result
        self.result = result        # the result line
        self.kv = collections.OrderedDict()
        self.ename = self.message = None
        if OK_RE.fullmatch(result):
            self.status = "ok"
            for pair in result.split()[1:]:
                k, v = pair.split("=", 1)
                if k in self.kv:
                    raise BatonError(f"{line!r}: duplicate key {k!r} in {result!r}")
                self.kv[k] = v
        else:
            m = ERROR_RE.fullmatch(result)
            if not m:
                raise BatonError(f"{line!r}: malformed result line {result!r}")
            self.status = "error"
            self.ename, self.message = m.group(1), m.group(2)

    @property
    def ok(self):
        return self.status == "ok"

    @property
    def typed(self):
        """The echo as a terminal shows it (backspaces applied)."""
        return render(self.echo)

    def __repr__(self):
        return f"Result({self.line!r} -> {self.result!r})"


def render(text):
    """Apply backspaces to one line of echo as a terminal would ("\\b \\b" erases)."""
    out, col = [], 0
    for ch in text:
        if ch == "\b":
            col = max(0, col - 1)
            continue
        if col < len(out):
            out[col] = ch
        else:
            out.append(ch)
        col += 1
    return "".join(out).rstrip(" ")


def clean(text):
    """Serial text for matching: no CR, no ANSI escapes."""
    return ANSI_RE.sub("", text).replace("\r", "")


# ---------------------------------------------------------------- images and ELF


def newc_cpio(files):
    """A newc cpio archive of regular files: files is [(name, bytes)]."""
    out = bytearray()

    def entry(ino, name, data, mode):
        bname = name.encode() + b"\0"
        fields = (ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(bname), 0)
        out.extend(b"070701" + b"".join(b"%08x" % f for f in fields) + bname)
        out.extend(b"\0" * (-len(out) % 4))
        out.extend(data)
        out.extend(b"\0" * (-len(out) % 4))

    for ino, (name, data) in enumerate(files, 1):
        entry(ino, name, data, 0o100644)
    entry(0, "TRAILER!!!", b"", 0)
    return bytes(out)


def _module_bytes(content):
    if isinstance(content, Path):
        return content.read_bytes()
    if isinstance(content, str):
        return content.encode()
    return bytes(content)


def nm_symbols(elf=KERNEL):
    """[(address, type, name)] from `nm -n`, in address order."""
    out = subprocess.run(["nm", "-n", str(elf)], check=True, capture_output=True,
                         text=True).stdout
    syms = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3:
            syms.append((int(parts[0], 16), parts[1], parts[2]))
    return syms


def ktest_names(elf=KERNEL):
    """In-kernel tests as "suite.name", in section (= run) order, from the
    __ktest_<suite>__<name> descriptor symbols that KTEST() emits."""
    names = []
    for _addr, typ, sym in nm_symbols(elf):
        m = KTEST_SYM_RE.fullmatch(sym)
        if m and typ in "RrDd" and not sym.startswith("__ktest_fn_"):
            names.append(f"{m.group(1)}.{m.group(2)}")
    return names


def _elf_reader(elf):
    """A read(vaddr, size) function over an ELF64's PT_LOAD segments."""
    import struct
    data = Path(elf).read_bytes()
    if data[:4] != b"\x7fELF" or data[4] != 2:
        raise ValueError(f"{elf}: not an ELF64 file")
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    segs = []
    for i in range(phnum):
        p_type, _f, off, vaddr, _pa, filesz, _msz, _al = struct.unpack_from(
            "<IIQQQQQQ", data, phoff + i * phentsize)
        if p_type == 1:
            segs.append((vaddr, off, filesz))

    def read(addr, size):
        for vaddr, off, filesz in segs:
            if vaddr <= addr and addr + size <= vaddr + filesz:
                return data[off + addr - vaddr: off + addr - vaddr + size]
        raise ValueError(f"{elf}: address {addr:#x} not in a loaded segment")

    def cstr(addr):
        s = bytearray()
        while True:
            b = read(addr + len(s), 1)
            if b == b"\0":
                return s.decode()
            s += b

    return read, cstr


def elf_load_segments(path):
    """[(paddr, file offset, filesz)] of an ELF64 file's PT_LOAD segments, as
    QEMU's dump-guest-memory writes them (paging off: p_paddr is guest-physical)."""
    import struct
    with open(path, "rb") as f:
        head = f.read(64)
        if head[:4] != b"\x7fELF" or head[4] != 2:
            raise ValueError(f"{path}: not an ELF64 file")
        phoff, = struct.unpack_from("<Q", head, 0x20)
        phentsize, phnum = struct.unpack_from("<HH", head, 0x36)
        f.seek(phoff)
        table = f.read(phentsize * phnum)
    segs = []
    for i in range(phnum):
        p_type, _f, off, _va, paddr, filesz, _msz, _al = struct.unpack_from(
            "<IIQQQQQQ", table, i * phentsize)
        if p_type == 1:
            segs.append((paddr, off, filesz))
    return segs


def elf_phys_reader(path):
    """A read(paddr, size) function over a dump-guest-memory ELF file: the guest's
    bytes at physical addresses [paddr, paddr + size), which must lie inside one
    PT_LOAD segment (one RAM range), else ValueError."""
    segs = elf_load_segments(path)

    def read(addr, size):
        for paddr, off, filesz in segs:
            if paddr <= addr and addr + size <= paddr + filesz:
                with open(path, "rb") as f:
                    f.seek(off + addr - paddr)
                    return f.read(size)
        raise ValueError(f"{path}: guest-physical {addr:#x}+{size:#x} is not in a dumped "
                         "RAM range")

    return read


class Qmp:
    """A minimal QMP client on a unix socket (QEMU's docs/interop/qmp-spec):
    the greeting, qmp_capabilities, then one command at a time; events that arrive
    meanwhile are kept in self.events."""

    def __init__(self, path, timeout=30, proc=None):
        deadline = time.monotonic() + timeout
        while True:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.connect(str(path))
                break
            except (FileNotFoundError, ConnectionRefusedError):
                sock.close()
                if proc is not None and proc.poll() is not None:
                    raise BatonError(f"QEMU exited (status {proc.returncode}) before "
                                     f"its QMP socket {path} took a connection") from None
                if time.monotonic() > deadline:
                    raise BatonError(f"no QMP socket at {path} after {timeout} s") from None
                time.sleep(0.05)
        self.sock = sock
        self.buf = b""
        self.events = []
        greeting = self._read(timeout)
        if "QMP" not in greeting:
            raise BatonError(f"QMP: unexpected greeting {greeting!r}")
        self.execute("qmp_capabilities", timeout=timeout)

    def _read(self, timeout):
        self.sock.settimeout(timeout)
        while b"\n" not in self.buf:
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                raise BatonError(f"QMP: no answer within {timeout} s") from None
            if not chunk:
                raise BatonError("QMP: QEMU closed the monitor connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def execute(self, command, arguments=None, timeout=30):
        """Run one command and return its "return" value; an "error" answer raises
        BatonError with QEMU's class and description."""
        msg = {"execute": command}
        if arguments is not None:
            msg["arguments"] = arguments
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            r = self._read(timeout)
            if "event" in r:
                self.events.append(r)
                continue
            if "error" in r:
                raise BatonError(f"QMP {command}: {r['error'].get('class')}: "
                                 f"{r['error'].get('desc')}")
            return r.get("return")

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def shell_commands(elf=KERNEL):
    """Names of the console commands, read from the .shell_cmd table in the ELF
    (struct shell_cmd: four 8-byte pointers, the first the name)."""
    import struct
    syms = {name: addr for addr, _t, name in nm_symbols(elf)}
    start, end = syms["__shell_cmd_start"], syms["__shell_cmd_end"]
    read, cstr = _elf_reader(elf)
    names = []
    for addr in range(start, end, 32):
        name_ptr, = struct.unpack("<Q", read(addr, 8))
        names.append(cstr(name_ptr))
    return names


class Ktap:
    """A KTAP version 1 stream as Baton prints it (lib/ktest.c):
        KTAP version 1 / 1..N / "ok I suite.name [# SKIP why]" or "not ok I ..."
        (diagnostics "    # ..." before a result) / "# Totals: pass:P fail:F skip:S"
    then, for the ktest= boot option, "ktest: PASS|FAIL pass=P fail=F skip=S".
    problems lists every way the stream departs from that."""

    RESULT_RE = re.compile(r"(ok|not ok) (\d+) (\S+)(?: # SKIP ?(.*))?")
    TOTALS_RE = re.compile(r"# Totals: pass:(\d+) fail:(\d+) skip:(\d+)")
    VERDICT_RE = re.compile(r"ktest: (PASS|FAIL) pass=(\d+) fail=(\d+) skip=(\d+)")

    def __init__(self, text):
        self.plan = self.totals = self.verdict = None
        self.results = collections.OrderedDict()   # name -> (ok, number, skip, diags)
        self.problems = []
        self.bailout = "Bail out!" in text
        lines = text.split("\n")
        for line in lines:
            m = self.VERDICT_RE.fullmatch(line)
            if m:
                self.verdict = (m.group(1),) + tuple(int(x) for x in m.groups()[1:])
        try:
            i = lines.index("KTAP version 1")
        except ValueError:
            self.problems.append("no 'KTAP version 1' line")
            return
        m = re.fullmatch(r"1\.\.(\d+)", lines[i + 1]) if i + 1 < len(lines) else None
        if not m:
            self.problems.append("no plan line right after the version line")
            return
        self.plan = int(m.group(1))
        diags = []
        for line in lines[i + 2:]:
            m = self.RESULT_RE.fullmatch(line)
            if m:
                ok, num, name, skip = m.group(1) == "ok", int(m.group(2)), m.group(3), m.group(4)
                if name in self.results:
                    self.problems.append(f"{name} reported twice")
                if num != len(self.results) + 1:
                    self.problems.append(f"{name}: number {num}, expected {len(self.results) + 1}")
                self.results[name] = (ok, num, skip, diags)
                diags = []
                continue
            m = self.TOTALS_RE.fullmatch(line)
            if m:
                self.totals = tuple(int(x) for x in m.groups())
                break
            if line.lstrip().startswith("#"):
                diags.append(line)
        else:
            self.problems.append("no '# Totals:' line")
        counted = (sum(1 for ok, _n, skip, _d in self.results.values() if ok and skip is None),
                   sum(1 for ok, *_ in self.results.values() if not ok),
                   sum(1 for ok, _n, skip, _d in self.results.values() if ok and skip is not None))
        self.counted = counted
        if len(self.results) != self.plan:
            self.problems.append(f"plan 1..{self.plan} but {len(self.results)} results")
        if self.totals is not None and self.totals != counted:
            self.problems.append(f"totals pass:fail:skip {self.totals} disagree with the "
                                 f"result lines {counted}")
        if self.bailout:
            self.problems.append("Bail out! (the kernel panicked during the run)")


def efi_missing():
    """Why the efi path cannot run, or None."""
    for f in (MKESP, BOOTX64, OVMF):
        if not f.exists():
            return f"{f.relative_to(ROOT) if ROOT in f.parents else f} is missing"
    return None


def qemu_bpo_missing():
    """Why the newer QEMU cannot run, or None."""
    if not QEMU_BPO.exists():
        return f"{QEMU_BPO} is missing (sh scripts/deps-qemu-bpo.sh, as root, fetches it)"
    return None


def _fresh(image, *inputs):
    return image.exists() and all(image.stat().st_mtime >= i.stat().st_mtime
                                  for i in inputs if i.exists())


def _sh(args):
    """Run a helper (mkiso.sh, mkesp.sh, mtools); fail with its output."""
    p = subprocess.run(args, cwd=ROOT, capture_output=True)
    if p.returncode:
        raise RuntimeError(f"{shlex.join(args)} failed ({p.returncode}):\n"
                           + (p.stdout + p.stderr).decode(errors="replace"))
    return p.stdout


def make_iso(out, cmdline, modules, kernel=KERNEL):
    """A GRUB ISO through scripts/mkiso.sh; modules is [(name, content)]."""
    out = Path(out)
    args = ["sh", str(MKISO), str(out), str(kernel), cmdline]
    for i, (name, content) in enumerate(modules):
        f = out.with_name(f"{out.stem}.mod{i}")
        f.write_bytes(_module_bytes(content))
        args += [str(f), name]
    _sh(args)
    return out


def make_esp(out, cmdline, modules, kernel=KERNEL):
    """An ESP through boot/efi/mkesp.sh. mkesp.sh takes no modules, so each one is
    copied in afterwards with mtools and named by a `module` line appended to
    \\baton.cfg (the loader's documented directive: module <path> <name>)."""
    out = Path(out)
    args = ["sh", str(MKESP), str(out), str(kernel)] + ([cmdline] if cmdline else [])
    _sh(args)
    if modules:
        cfg = _sh(["mtype", "-i", str(out), "::/baton.cfg"])
        if cfg and not cfg.endswith(b"\n"):
            cfg += b"\n"
        for i, (name, content) in enumerate(modules):
            f = out.with_name(f"{out.stem}.mod{i}")
            f.write_bytes(_module_bytes(content))
            _sh(["mcopy", "-o", "-i", str(out), str(f), f"::/mod{i}"])
            cfg += f"module \\mod{i} {name}\n".encode()
        cfgf = out.with_name(f"{out.stem}.cfg")
        cfgf.write_bytes(cfg)
        _sh(["mcopy", "-o", "-i", str(out), str(cfgf), "::/baton.cfg"])
    return out


def disk_args(disks):
    """QEMU arguments that attach each raw image in disks as a modern-only
    virtio-blk PCI device (d0, d1, ...), on pc and q35 alike. An entry is a path,
    or (path, drive options) such as (path, "readonly=on")."""
    args = []
    for i, disk in enumerate(disks):
        disk, opts = disk if isinstance(disk, tuple) else (disk, "")
        opts = f",{opts}" if opts else ""
        args += ["-drive", f"file={disk},if=none,id=d{i},format=raw{opts}",
                 "-device", f"virtio-blk-pci,drive=d{i},disable-legacy=on"]
    return args


def qemu_args(path, machine, mem, cmdline, modules, workdir, extra=(),
              serial="stdio", kernel=KERNEL, disks=(), binary=QEMU):
    """The QEMU command line for one boot; images it needs are made in workdir.
    disks: raw image files attached as virtio-blk devices (disk_args); binary:
    QEMU, or QEMU_BPO (which takes QEMU_BPO_ARGS too)."""
    if path not in PATHS:
        raise ValueError(f"unknown boot path {path!r} (one of {', '.join(PATHS)})")
    if machine not in MACHINES:
        raise ValueError(f"unknown machine {machine!r} (one of {', '.join(MACHINES)})")
    workdir = Path(workdir)
    modules = [(name, content) for name, content in modules]
    args = [str(binary), "-M", machine, "-m", mem, "-nic", "none", "-display", "none",
            "-monitor", "none", "-no-reboot", "-serial", serial,
            "-device", f"isa-debug-exit,iobase={QEMU_EXIT_PORT:#x},iosize=0x04"]
    if path == "pvh":
        # Baton's own image is module "baton" on every path (kexec's default).
        initrd = workdir / "initrd.cpio"
        initrd.write_bytes(newc_cpio([("baton", Path(kernel).read_bytes())] +
                                     [(n, _module_bytes(c)) for n, c in modules]))
        args += ["-kernel", str(kernel), "-append", cmdline, "-initrd", str(initrd)]
    elif path in ("grub-bios", "grub-efi"):
        iso = ISO
        if cmdline or modules or kernel != KERNEL or not _fresh(ISO, kernel):
            iso = make_iso(workdir / "baton.iso", cmdline, modules, kernel)
        if path == "grub-efi":
            args += ["-bios", str(OVMF)]
        args += ["-cdrom", str(iso)]
    else:
        why = efi_missing()
        if why:
            raise FileNotFoundError(f"efi path unavailable: {why}")
        esp = ESP
        if cmdline or modules or kernel != KERNEL or not _fresh(ESP, kernel, BOOTX64):
            esp = make_esp(workdir / "esp.img", cmdline, modules, kernel)
        # snapshot=on: the image is never written, and several QEMUs may share it.
        args += ["-bios", str(OVMF), "-drive", f"format=raw,file={esp},snapshot=on"]
    if binary != QEMU:
        args += QEMU_BPO_ARGS
    return args + disk_args(disks) + list(extra)


# ---------------------------------------------------------------- the driver


class Baton:
    """One QEMU running Baton, its console on a pipe.

    banners: how many boot banners the test expects (1, plus one per kexec);
    set the attribute before a kexec. expect_panic: a `Kernel panic` is not an error.
    disks: raw image files to attach as virtio-blk devices (blk0, blk1, ...).
    """

    instances = []                 # every Baton made in this process (for logs)
    current_test = None            # set by conftest: the test node using Batons now

    def __init__(self, path="pvh", machine="q35", mem="256M", cmdline="", modules=(),
                 extra_args=(), banners=1, log_path=None, kernel=KERNEL, disks=(),
                 monitor=False, binary=QEMU):
        self.path, self.machine, self.mem, self.cmdline = path, machine, mem, cmdline
        self.qmp_path = None          # the QMP socket, with monitor=True
        self._qmp = None
        self.modules = list(modules)
        self.banners = banners
        self.expect_panic = False
        self.log_path = Path(log_path) if log_path else None
        self.users = []
        self._use()
        self.raw = bytearray()        # everything read from the serial port
        self.text = ""                # the same, cleaned for matching
        self.pos = 0                  # matching resumes here
        self.stderr = bytearray()
        self.returncode = None
        self._pending = ""            # an ANSI escape cut in two by a read
        self._cond = threading.Condition()
        self._eof = False
        self._scan = 0                # panic/banner scan position in self.text
        self.panic_at = None
        self.banner_at = []
        self.proc = None
        self._log = None
        self._workdir = tempfile.mkdtemp(prefix="baton-qemu.")
        self.argv = []
        if monitor:
            # A QMP monitor besides the console (-monitor none stays: no HMP).
            self.qmp_path = Path(self._workdir) / "qmp.sock"
            extra_args = list(extra_args) + [
                "-qmp", f"unix:{self.qmp_path},server=on,wait=off"]
        try:
            self.argv = qemu_args(path, machine, mem, cmdline, self.modules,
                                  self._workdir, extra_args, kernel=kernel,
                                  disks=list(disks), binary=binary)
        except BaseException:
            shutil.rmtree(self._workdir, ignore_errors=True)
            raise
        Baton.instances.append(self)
        self._start()

    # -- process and reader

    def _start(self):
        if self.log_path:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, cwd=ROOT)
        fd = self.proc.stdin.fileno()
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_NONBLOCK)
        self._threads = [threading.Thread(target=self._read_stdout, daemon=True),
                         threading.Thread(target=self._read_stderr, daemon=True)]
        for t in self._threads:
            t.start()

    def _read_stdout(self):
        fd = self.proc.stdout.fileno()
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            with self._cond:
                if not chunk:
                    self._eof = True
                    if self._pending:
                        self._append(self._pending.replace("\r", ""))
                        self._pending = ""
                    self._cond.notify_all()
                    return
                self.raw += chunk
                if self._log:
                    self._log.write(chunk)
                    self._log.flush()
                s = self._pending + chunk.decode("latin-1")
                cut = ANSI_TAIL_RE.search(s)
                if cut:
                    s, self._pending = s[:cut.start()], s[cut.start():]
                else:
                    self._pending = ""
                self._append(clean(s))
                self._cond.notify_all()

    def _append(self, s):
        self.text += s
        # Scan the new text (and a little before it, for markers split by reads).
        start = max(0, self._scan - 16)
        if self.panic_at is None:
            i = self.text.find(PANIC_TEXT, start)
            if i >= 0:
                self.panic_at = i
        for m in BANNER_RE.finditer(self.text, start):
            if not self.banner_at or m.start() > self.banner_at[-1]:
                self.banner_at.append(m.start())
        self._scan = len(self.text)

    def _read_stderr(self):
        fd = self.proc.stderr.fileno()
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                return
            with self._cond:
                self.stderr += chunk

    def _use(self):
        if Baton.current_test and Baton.current_test not in self.users:
            self.users.append(Baton.current_test)

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    # -- waiting

    def _tail(self, n=3000):
        t = self.text[-n:]
        err = self.stderr.decode(errors="replace").strip()
        return (f"\n--- serial (last {len(t)} chars, matching from {self.pos}) ---\n{t}"
                + (f"\n--- qemu stderr ---\n{err}" if err else ""))

    def _check(self, panic_ok):
        """Raise for a panic or an unexpected banner (caller holds the lock)."""
        if self.panic_at is not None and not (panic_ok or self.expect_panic):
            raise BatonError("unexpected kernel panic" + self._tail())
        if len(self.banner_at) > self.banners:
            raise BatonError(f"unexpected reboot: {len(self.banner_at)} boot banners, "
                             f"expected {self.banners}" + self._tail())

    def expect(self, pattern, timeout=30, panic_ok=False):
        """Wait until pattern (a regex string or compiled regex; expect_text() for
        literal text) appears after the read position; move the position past it and
        return the match. panic_ok: a `Kernel panic` is what the caller wants."""
        self._use()
        rx = pattern if isinstance(pattern, re.Pattern) else re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                m = rx.search(self.text, self.pos)
                self._check(panic_ok)
                if m:
                    self.pos = m.end()
                    return m
                if self._eof:
                    self.proc.wait()
                    raise BatonError(f"QEMU exited (status {self.proc.returncode}) while "
                                     f"waiting for {rx.pattern!r}" + self._tail())
                left = deadline - time.monotonic()
                if left <= 0:
                    raise BatonError(f"timeout ({timeout} s) waiting for {rx.pattern!r}"
                                     + self._tail())
                self._cond.wait(left)

    def expect_text(self, text, timeout=30, panic_ok=False):
        return self.expect(re.compile(re.escape(text)), timeout, panic_ok)

    def until_prompt(self, timeout=30):
        """The output from the read position up to the next prompt (at a line
        start); the position moves past the prompt."""
        start = self.pos
        m = self.expect(PROMPT_RE, timeout)
        return self.text[start:m.start()]

    def boot(self, timeout=None, prompt=True):
        """Wait for the boot banner, then (if prompt) the first prompt. Returns the
        banner line."""
        timeout = timeout or BOOT_TIMEOUT[self.path]
        deadline = time.monotonic() + timeout
        m = self.expect(re.compile(r"(?m)^(Baton version=.*)\n"), timeout)
        if prompt:
            self.expect(PROMPT_RE, max(0.1, deadline - time.monotonic()))
        return m.group(1)

    # -- typing

    def send(self, data, timeout=30):
        """Type bytes (or a str, UTF-8) at the console."""
        self._use()
        if isinstance(data, str):
            data = data.encode()
        data = memoryview(bytes(data))
        fd = self.proc.stdin.fileno()
        deadline = time.monotonic() + timeout
        while data:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BatonError(f"timeout ({timeout} s) typing at the console "
                                 f"({len(data)} bytes left)" + self._tail())
            _r, w, _x = select.select([], [fd], [], left)
            if not w:
                continue
            try:
                n = os.write(fd, data)
            except BlockingIOError:
                continue
            except BrokenPipeError:
                self.proc.wait()
                raise BatonError(f"QEMU exited (status {self.proc.returncode}) while "
                                 "typing" + self._tail()) from None
            data = data[n:]

    def run(self, data, timeout=30):
        """Type data and return the output up to the next prompt."""
        self.send(data, timeout)
        return self.until_prompt(timeout)

    def cmd(self, line, timeout=30):
        """Run one command line (str or bytes, no newline) and parse its output:
        the echo, the detail lines and the result line (the last before the prompt)."""
        out = self.run((line.encode() if isinstance(line, str) else bytes(line)) + b"\n",
                       timeout)
        lines = out.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        if len(lines) < 2:
            raise BatonError(f"{line!r}: no result line before the prompt; output "
                             f"{out!r}" + self._tail())
        r = Result(line if isinstance(line, str) else line.decode("latin-1"),
                   lines[0], lines[1:-1], lines[-1])
        plain = r.line
        if plain.isprintable() and plain.isascii() and len(plain) < 511 and \
                "\t" not in plain and r.echo != plain:
            raise BatonError(f"echo {r.echo!r} differs from the line typed {plain!r}")
        return r

    def ok(self, line, timeout=30):
        """Run line, assert `ok`, return its key=value pairs."""
        r = self.cmd(line, timeout)
        if not r.ok:
            raise BatonError(f"{line!r}: expected ok, got {r.result!r}")
        return r.kv

    def error(self, line, ename, timeout=30):
        """Run line, assert `error: ENAME: ...`, return the message."""
        r = self.cmd(line, timeout)
        if r.ename != ename:
            raise BatonError(f"{line!r}: expected error {ename}, got {r.result!r}")
        return r.message

    def script_results(self, lines, timeout=30):
        """After a boot with script=MODULE (boot(prompt=False)): each command line of
        the script (blank and # lines skipped) must be echoed after a prompt and end
        with a result line. Returns the Results; the position is then after the
        interactive prompt that follows the script."""
        cmds = [ln.rstrip("\r") for ln in lines]
        cmds = [ln for ln in cmds if ln.strip() and not ln.strip().startswith("#")]
        results = []
        self.expect(PROMPT_RE, timeout)
        for c in cmds:
            out = self.until_prompt(timeout)
            got = out.split("\n")
            if got and got[-1] == "":
                got.pop()
            if len(got) < 2 or got[0] != c:
                raise BatonError(f"script: expected {c!r} echoed after a prompt, then a "
                                 f"result line; got {out!r}" + self._tail())
            results.append(Result(c, got[0], got[1:-1], got[-1]))
        return results

    # -- the QMP monitor (monitor=True)

    def qmp(self, command, arguments=None, timeout=30):
        """Run a QMP command on this QEMU's monitor (connected on first use) and
        return its "return" value."""
        if self.qmp_path is None:
            raise BatonError("this Baton was started without monitor=True")
        if self._qmp is None:
            self._qmp = Qmp(self.qmp_path, timeout, self.proc)
        return self._qmp.execute(command, arguments, timeout)

    def dump_memory(self, path, fmt="elf", timeout=300):
        """Dump the guest's memory to path and return [(paddr, size)], the memory
        QEMU dumps: RAM, and device memory such as VGA RAM and the firmware at the
        top of 4 GiB; the call returns once the file is complete (QEMU stops the guest
        while it dumps, then lets it go on).
        fmt "elf": QEMU's dump-guest-memory with paging off, an ELF64 core whose
        PT_LOAD segments are the RAM ranges at their guest-physical addresses
        (elf_phys_reader reads it). fmt "raw": a flat file in which byte P is
        guest-physical address P, made from that ELF dump; the holes between the
        ranges are left sparse (they read as zeros), so the file's size is the top
        of the highest range (4 GiB on a small q35 guest, mostly holes)."""
        if fmt not in ("elf", "raw"):
            raise ValueError(f"dump_memory: fmt is 'elf' or 'raw', not {fmt!r}")
        path = Path(path).resolve()
        elf = path if fmt == "elf" else Path(self._workdir) / "dump.elf"
        if elf.exists():
            elf.unlink()
        self.qmp("dump-guest-memory", {"paging": False, "protocol": f"file:{elf}"},
                 timeout)
        segs = elf_load_segments(elf)
        if fmt == "raw":
            try:
                with open(elf, "rb") as src, open(path, "wb") as out:
                    end = 0
                    for paddr, off, filesz in segs:
                        src.seek(off)
                        out.seek(paddr)
                        left = filesz
                        while left:
                            chunk = src.read(min(left, 1 << 24))
                            if not chunk:
                                raise BatonError(f"{elf}: a PT_LOAD segment runs past "
                                                 "the end of the file")
                            out.write(chunk)
                            left -= len(chunk)
                        end = max(end, paddr + filesz)
                    out.truncate(end)
            finally:
                elf.unlink(missing_ok=True)
        return [(paddr, filesz) for paddr, _off, filesz in segs]

    # -- the end

    def wait_exit(self, timeout=30):
        """Wait for QEMU to exit; return its status (see the exit table above)."""
        self._use()
        try:
            self.returncode = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise BatonError(f"QEMU still running after {timeout} s" + self._tail()) \
                from None
        for t in self._threads:
            t.join(5)
        return self.returncode

    def close(self):
        """Kill QEMU (if it still runs) and drop temporary files."""
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait()
            self.returncode = self.proc.returncode
            for t in self._threads:
                t.join(5)
            for f in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
                try:
                    f.close()
                except OSError:
                    pass
        if self._qmp is not None:
            self._qmp.close()
            self._qmp = None
        if self._log:
            self._log.close()
            self._log = None
        shutil.rmtree(self._workdir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def log_text(self):
        """The serial log with a header, for keeping when a test fails."""
        head = (f"# {shlex.join(self.argv)}\n# path={self.path} machine={self.machine} "
                f"status={self.returncode if self.returncode is not None else 'running'}\n")
        err = self.stderr.decode(errors="replace")
        return (head.encode() + bytes(self.raw) +
                (b"\n# --- qemu stderr ---\n" + err.encode() if err.strip() else b""))


# ---------------------------------------------------------------- live update


BANNER_FIELDS_RE = re.compile(r"(?m)^Baton (version=.*)\n")


def kexec(b, load="kexec load", cmdline="", timeout=60, expect=None):
    """A live update of b into its next kernel, the one helper every test uses.

    load: the `kexec load` line (None: keep the image loaded before); cmdline, if
    given, is appended as ` -- CMDLINE`, the next kernel's command line. Then
    `kexec exec`, the jump, the next kernel's banner and its first prompt, each
    within timeout seconds. expect: a regex the next kernel must print between its
    banner and its prompt. Returns the banner's key=value fields, or with expect
    (fields, match)."""
    if cmdline:
        if not load:
            raise ValueError("kexec: a cmdline needs a load line")
        load = f"{load} -- {cmdline}"
    if load:
        b.ok(load, timeout)
    b.banners += 1
    b.send("kexec exec\n")
    b.expect_text("kexec: jumping\n", timeout)
    m = b.expect(BANNER_FIELDS_RE, timeout)
    found = b.expect(expect, timeout) if expect is not None else None
    b.expect(PROMPT_RE, timeout)
    fields = dict(f.split("=", 1) for f in m.group(1).split() if "=" in f)
    return (fields, found) if expect is not None else fields


# ---------------------------------------------------------------- CLI


USAGE = """usage: baton.py run   [--path pvh|grub-bios|grub-efi|efi] [--machine q35|pc] [--mem 256M]
                    [--append CMDLINE] [--module FILE NAME]... [--disk FILE]...
                    [extra qemu args]
       baton.py debug ...the same...   (QEMU waits for gdb on :1234)
The serial console is this terminal (-serial mon:stdio): Ctrl-A X quits, Ctrl-A C
switches to the QEMU monitor."""


def main(argv):
    if not argv or argv[0] not in ("run", "debug"):
        print(USAGE, file=sys.stderr)
        return 2
    mode, rest = argv[0], argv[1:]
    extra = []
    if "--" in rest:
        i = rest.index("--")
        rest, extra = rest[:i], rest[i + 1:]
    p = argparse.ArgumentParser(prog=f"baton.py {mode}", allow_abbrev=False)
    p.add_argument("--path", choices=PATHS, default="pvh")
    p.add_argument("--machine", choices=MACHINES, default="q35")
    p.add_argument("--mem", default="256M")
    p.add_argument("--append", default="", metavar="CMDLINE")
    p.add_argument("--module", nargs=2, action="append", default=[], metavar=("FILE", "NAME"))
    p.add_argument("--disk", action="append", default=[], metavar="FILE",
                   help="a raw image attached as a virtio-blk disk (blk0, blk1, ...)")
    opts, unknown = p.parse_known_args(rest)
    workdir = BUILD / "run"
    workdir.mkdir(parents=True, exist_ok=True)
    if not KERNEL.exists():
        print(f"baton.py: {KERNEL} is missing: run make", file=sys.stderr)
        return 1
    modules = [(name, Path(f)) for f, name in opts.module]
    args = qemu_args(opts.path, opts.machine, opts.mem, opts.append, modules, workdir,
                     unknown + extra, serial="mon:stdio", disks=[Path(d) for d in opts.disk])
    if mode == "debug":
        args += ["-s", "-S"]
        print(f"QEMU waits for gdb; in another terminal:\n"
              f"  gdb {KERNEL.relative_to(ROOT)} -ex 'target remote :1234'", flush=True)
    print("Serial console here; Ctrl-A X quits QEMU.", flush=True)
    os.chdir(ROOT)
    os.execvp(args[0], args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
