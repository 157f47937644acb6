"""In-kernel tests (KTEST, include/ktest.h): one pytest per kernel test, discovered
from the __ktest_<suite>__<name> symbols of build/kernel.elf, all run by one boot with
ktest=* whose whole KTAP stream and exit status are checked."""
import pytest

import baton
from conftest import launch

NAMES = baton.ktest_names() if baton.KERNEL.exists() else []


class KtestBoot:
    """One boot with a ktest= option, run to its exit."""

    def __init__(self, glob, timeout=120):
        with launch(cmdline=f"ktest={glob}") as b:
            self.baton = b
            self.status = self.error = None
            try:
                self.status = b.wait_exit(timeout)
            except baton.BatonError as e:
                self.error = str(e)
            self.ktap = baton.Ktap(b.text)

    def check(self, names, verdict, status):
        k = self.ktap
        assert self.status is not None, self.error
        assert not k.problems, k.problems
        assert k.plan == len(names)
        assert list(k.results) == names, "KTAP lines out of order or misnamed"
        assert k.totals is not None
        assert k.verdict == (verdict,) + k.totals, f"verdict {k.verdict}, totals {k.totals}"
        assert self.status == status


@pytest.fixture(scope="session")
def ktest_all():
    return KtestBoot("*")


def test_symbols_found():
    assert NAMES, "no __ktest_<suite>__<name> symbols in build/kernel.elf"


def test_ktap_stream(ktest_all):
    """Plan = number of symbols, one line per test in section order, totals agree,
    one verdict line; PASS only with exit status 33, FAIL only with 35."""
    k = ktest_all.ktap
    passed = k.totals is not None and k.totals[1] == 0
    ktest_all.check(NAMES, "PASS" if passed else "FAIL",
                    baton.STATUS_KTEST_PASS if passed else baton.STATUS_KTEST_FAIL)


def test_ktest_verdict_pass(ktest_all):
    """Every kernel test passed: verdict PASS and QEMU exit status 33."""
    assert ktest_all.ktap.verdict is not None and ktest_all.ktap.verdict[0] == "PASS", \
        ktest_all.ktap.verdict
    assert ktest_all.status == baton.STATUS_KTEST_PASS


@pytest.mark.parametrize("name", NAMES)
def test_kernel(ktest_all, name):
    got = ktest_all.ktap.results.get(name)
    assert got is not None, (f"no KTAP line for {name}: "
                             f"{ktest_all.ktap.problems or 'stream incomplete'}")
    ok, _num, skip, diags = got
    assert ok, "not ok\n" + "\n".join(diags)
    if skip is not None:
        pytest.skip(f"kernel test skipped: {skip}")


def test_boot_glob_subset():
    """ktest=format.* runs exactly the format suite."""
    names = [n for n in NAMES if n.startswith("format.")]
    assert names
    KtestBoot("format.*").check(names, "PASS", baton.STATUS_KTEST_PASS)


def test_boot_glob_no_match():
    """A glob matching nothing is a FAIL verdict with exit status 35, not a pass."""
    run = KtestBoot("nosuchtest*")
    assert run.ktap.verdict == ("FAIL", 0, 0, 0)
    assert run.status == baton.STATUS_KTEST_FAIL


def test_console_no_match(console):
    msg = console.error("ktest nosuchtest*", "ENOENT")
    assert "nosuchtest*" in msg


def test_console_glob(console):
    names = [n for n in NAMES if n.startswith("format.")]
    r = console.cmd("ktest format.*")
    assert r.result == f"ok pass={len(names)} fail=0 skip=0"
    k = baton.Ktap("\n".join(r.details))
    assert not k.problems, k.problems
    assert list(k.results) == names
    assert k.totals == (len(names), 0, 0)
    console.ok("version")                 # the shell goes on


def test_memfd_large_folios_across_an_update(console):
    """memfd-v2 in folios of orders 0, 0, 1 and 2, as Linux's shmem writes it and
    Baton's writer never does (luo/memfd_ktest.c): kernel N preserves the blocks and
    writes the record by hand, kernel N+1's memfd handler retrieves the whole file."""
    b = console
    assert b.ok("ktest memfd_luo.large_folios_prepare") == {"pass": "1", "fail": "0", "skip": "0"}
    baton.kexec(b)
    assert b.ok("ktest memfd_luo.large_folios_retrieve") == {"pass": "1", "fail": "0", "skip": "0"}
    assert "not ok" not in b.text
