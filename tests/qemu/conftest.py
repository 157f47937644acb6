"""Fixtures and hooks for the QEMU suite (library: baton.py).

- `qemu(**kw)`: start a Baton (not yet booted); every one is killed at teardown.
- `console`: PVH on q35, booted to the first prompt.
- `launch(**kw)`: the same as a context manager, for module- or session-scoped fixtures.
- `alt_kernel`: this tree's kernel.elf built again with VERSION=9.9.9-alt (once per
  session), for updates into a build that is not the running one.
- The serial log of every failed test goes to build/test-logs/<test id>.log (every
  QEMU the test used, shared fixtures included); a passing test leaves no log.
"""
import contextlib
import itertools
import os
import re
import subprocess

import pytest

import baton
from baton import Baton

LOG_DIR = baton.BUILD / "test-logs"
_serial = itertools.count()


def _sanitise(nodeid):
    return re.sub(r"[^A-Za-z0-9._=-]+", "_", nodeid.replace("::", "__")).strip("_")


def _log_path(item):
    return LOG_DIR / f"{_sanitise(item.nodeid)}.log"


@contextlib.contextmanager
def launch(**kw):
    """A started Baton whose live log is under build/test-logs/live/; always killed."""
    live = LOG_DIR / "live" / f"qemu-{os.getpid()}-{next(_serial)}.log"
    b = Baton(log_path=live, **kw)
    try:
        yield b
    finally:
        b.close()
        live.unlink(missing_ok=True)


@pytest.fixture
def qemu():
    """Factory: qemu(path=, machine=, mem=, cmdline=, modules=, extra_args=) -> Baton."""
    with contextlib.ExitStack() as stack:
        yield lambda **kw: stack.enter_context(launch(**kw))


@pytest.fixture(scope="session")
def alt_kernel(tmp_path_factory):
    out = tmp_path_factory.mktemp("alt")
    subprocess.run(["make", "-s", "-j2", f"B={out}", "VERSION=9.9.9-alt",
                    f"{out}/kernel.elf"], cwd=baton.ROOT, check=True)
    return out / "kernel.elf"


_console_broken = None      # (test id, error) of the first failed standard boot


@pytest.fixture
def console(qemu, request):
    """PVH on q35 with 256M, at the first prompt. Every such boot is the same, so once
    one fails the rest fail at once instead of each waiting out its timeout."""
    global _console_broken
    if _console_broken:
        pytest.fail(f"the standard PVH boot already failed in {_console_broken[0]}: "
                    f"{_console_broken[1].splitlines()[0]}", pytrace=False)
    b = qemu()
    try:
        b.boot()
    except baton.BatonError as e:
        _console_broken = (request.node.nodeid, str(e))
        raise
    return b


def pytest_sessionstart(session):
    if not baton.KERNEL.exists():
        pytest.exit(f"{baton.KERNEL} is missing: run make first", returncode=2)


def pytest_sessionfinish(session):
    for b in Baton.instances:          # belt and braces: no QEMU outlives the run
        b.close()
    try:
        (LOG_DIR / "live").rmdir()
    except OSError:
        pass


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    Baton.current_test = item.nodeid
    _log_path(item).unlink(missing_ok=True)      # a stale log from an earlier run


def _batons_of(item):
    used = [b for b in Baton.instances if item.nodeid in b.users]
    for v in getattr(item, "funcargs", {}).values():
        for b in (v, getattr(v, "baton", None)):
            if isinstance(b, Baton) and b not in used:
                used.append(b)
    return used


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if not rep.failed:
        return
    batons = _batons_of(item)
    if not batons:
        return
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    with open(_log_path(item), "wb") as f:
        for b in batons:
            f.write(b.log_text())
            f.write(b"\n")
    rep.sections.append(("serial log", f"kept in {_log_path(item)}"))
