"""The blackout timeline in time, not only in ticks (kernel/tsc.c): after a live
update the next kernel prints its phases in TSC ticks and again in microseconds,
with the TSC's frequency and how it was measured. Under -icount shift=0 the guest
TSC runs at exactly 1 GHz of virtual time, so the figures must agree to the tick."""
import re

import baton
from conftest import launch

TICKS = re.compile(r"kexec: timeline \(TSC ticks\) serialize=(\d+) prepare=(\d+) "
                   r"trampoline=(\d+) early-boot=(\d+) prompt=(\d+) blackout=(\d+)\n")
US = re.compile(r"kexec: timeline \(us\) serialize=(\d+\.\d{3}) prepare=(\d+\.\d{3}) "
                r"trampoline=(\d+\.\d{3}) early-boot=(\d+\.\d{3}) prompt=(\d+\.\d{3}) "
                r"blackout=(\d+\.\d{3}); TSC (\d+\.\d{3}) MHz from (CPUID 0x15|CPUID 0x16|"
                r"the PIT); guest time in a virtual machine\n")


def test_timeline_in_microseconds_under_icount():
    with launch(path="pvh", machine="q35",
                extra_args=["-icount", "shift=0,sleep=off"]) as b:
        b.boot()
        baton.kexec(b)
        ticks = [int(x) for x in TICKS.search(b.text).groups()]
        m = US.search(b.text)
        assert m, "no timeline in microseconds"
        assert m.group(7) == "1000.000"
        for t, us in zip(ticks, m.groups()[:6]):
            ns = round(float(us) * 1000)
            assert abs(ns - t) <= 1, (t, us)


def test_timeline_in_microseconds_without_icount():
    with launch(path="pvh", machine="q35") as b:
        b.boot()
        baton.kexec(b)
        ticks = [int(x) for x in TICKS.search(b.text).groups()]
        m = US.search(b.text)
        assert m, "no timeline in microseconds"
        mhz = float(m.group(7))
        assert 100 < mhz < 20000
        blackout_us = ticks[5] / mhz
        assert abs(float(m.group(6)) - blackout_us) <= max(1.0, blackout_us / 1000)
