"""The core checks on every boot path x machine: PVH (-kernel), GRUB under SeaBIOS,
GRUB under OVMF, and Baton's own EFI loader under OVMF; q35 and pc. One QEMU per
(path, machine), shared by its checks; each check is its own test. The boot carries a
command line (script=) and a module, so the script's run proves both arrived."""
import pytest

import baton
from conftest import launch

ENTRY = {"pvh": "pvh", "grub-bios": "multiboot2", "grub-efi": "multiboot2",
         "efi": "multiboot2"}
_efi_skip = pytest.mark.skipif(baton.efi_missing() is not None,
                               reason=f"efi path: {baton.efi_missing()}")
COMBOS = [pytest.param((p, m), id=f"{p}-{m}", marks=[_efi_skip] if p == "efi" else [])
          for p in baton.PATHS for m in baton.MACHINES]


def script_for(path, machine):
    return (f"# boot-path check\nversion\n\nnosuch-{path}-{machine}\nhelp\n")


class PathBoot:
    """One boot; booted() waits for it (once) so any subset of the tests runs."""

    def __init__(self, b, path, machine):
        self.baton, self.path, self.machine = b, path, machine
        self.script = script_for(path, machine)
        self._done = False
        self._error = None

    def booted(self):
        if not self._done:
            self._done = True
            try:
                self.banner = self.baton.boot(prompt=False)
                self.results = self.baton.script_results(self.script.split("\n"))
                b = self.baton
                self.at_prompt = b.text[b.pos - len(baton.PROMPT):b.pos] == baton.PROMPT
            except baton.BatonError as e:
                self._error = e
        if self._error:
            raise self._error
        return self.baton


@pytest.fixture(scope="module", params=COMBOS)
def pb(request):
    path, machine = request.param
    with launch(path=path, machine=machine, cmdline="script=check",
                modules=[("check", script_for(path, machine))]) as b:
        yield PathBoot(b, path, machine)


def test_reaches_prompt(pb):
    assert pb.booted().running
    assert pb.at_prompt


def test_banner(pb):
    pb.booted()
    fields = dict(f.split("=", 1) for f in pb.banner.split()[1:] if "=" in f)
    assert fields["boot"] == "cold"
    assert fields["liveupdate-number"] == "0"
    assert fields["entry"] == ENTRY[pb.path]


def test_script_module_runs(pb):
    pb.booted()
    rs = pb.results
    assert [r.line for r in rs] == ["version", f"nosuch-{pb.path}-{pb.machine}", "help"]
    assert rs[0].ok and rs[0].kv["boot"] == "cold"
    assert rs[1].result == f"error: ENOENT: unknown command 'nosuch-{pb.path}-{pb.machine}'"
    assert rs[2].result == "ok"


def test_version(pb):
    kv = pb.booted().ok("version")
    assert kv["boot"] == "cold"
    assert kv["abi"] == "kho-v4,luo-v5,memfd-v2"


def test_meminfo(pb):
    kv = pb.booted().ok("meminfo")
    assert list(kv) == ["total", "free", "preserved", "scratch"]
    assert 200 << 20 < int(kv["total"]) <= 256 << 20


def test_poweroff(pb):
    """Last: it ends the shared QEMU."""
    b = pb.booted()
    b.send("poweroff 5\n")
    assert b.wait_exit(30) == baton.exit_status(5) == 11
