"""The production build, `make KTEST=0` (docs/design.md, "Test instruments"): no
in-kernel test and no test instrument is linked in, and the kernel still boots on
every path and keeps a memfd across a live update.

One QEMU per boot path (q35): the banner, then the instruments' absence seen from
the console (no `ktest` or `fault` command, no `luo inject`, `kho corrupt` or `kho
selftest` verb, no .ktest section in the ELF), then a live update with a memfd
preserved and verified byte for byte in the next kernel."""
import subprocess

import pytest

import baton
from conftest import launch

KTEST0 = baton.ROOT / "build-ktest0"
_efi_skip = pytest.mark.skipif(baton.efi_missing() is not None,
                               reason=f"efi path: {baton.efi_missing()}")
PATHS = [pytest.param(p, id=p, marks=[_efi_skip] if p == "efi" else [])
         for p in baton.PATHS]


@pytest.fixture(scope="session")
def ktest0_kernel():
    subprocess.run(["make", "-s", "-j2", "KTEST=0", "build-ktest0/kernel.elf"],
                   cwd=baton.ROOT, check=True)
    return KTEST0 / "kernel.elf"


def test_no_test_code_linked(ktest0_kernel):
    syms = {name for _addr, _typ, name in baton.nm_symbols(ktest0_kernel)}
    assert not [s for s in syms if s.startswith("__ktest_") and s not in
                ("__ktest_start", "__ktest_end")]
    for name in ("ktest_run", "fault_hook", "kho_set_corruption", "luo_inject_arm",
                 "kho_selftest_start", "kho_bench_preserve"):
        assert name not in syms, name
    assert "shell_usage" in syms                      # the production kernel itself


@pytest.mark.parametrize("path", PATHS)
def test_boots_and_live_updates(ktest0_kernel, path):
    with launch(path=path, machine="q35", kernel=ktest0_kernel) as b:
        banner = b.boot()
        assert "boot=cold" in banner
        listed = {line.split()[0] for line in b.cmd("help").details if line.strip()}
        assert {"help", "version", "memfd", "luo", "kho", "kexec"} <= listed
        assert not {"ktest", "fault"} & listed
        assert b.error("luo inject preserve", "EINVAL").startswith("usage: luo ")
        assert "inject" not in b.error("luo inject preserve", "EINVAL")
        assert b.error("kho corrupt magic", "EINVAL") == "usage: kho status | dump [raw]"
        b.error("kho selftest 1", "EINVAL")

        b.ok("memfd create vm 1M")
        b.ok("memfd fill vm 77")
        b.ok("luo create-session s")
        b.ok("luo preserve s vm 5")
        fields = baton.kexec(b)
        assert fields["boot"] == "kexec" and fields["liveupdate-number"] == "1"
        assert dict(b.ok("luo retrieve-session s")) == {"session": "s", "files": "1"}
        assert dict(b.ok("luo retrieve s 5 back")) == {"name": "back"}
        assert dict(b.ok("memfd verify back 77")) == {"bytes": str(1 << 20)}
        b.ok("luo finish s")
