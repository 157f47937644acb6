"""Live updates with every CPU busy (docs/smp.md): 100 updates in a row of a
-smp 4 guest whose three other CPUs run an allocator stress loop the whole time
(the test instrument smp_stress, in every kernel of the chain), with a memfd handed
over and verified byte for byte at each step. After each update:

- every CPU is back online (`cpus`), and nothing unexpected was taken;
- the stress loops balance: each block they allocated was freed (allocs = frees)
  when they were stopped, and none changed under them (each checks its stamp);
- free memory with the loops stopped is exactly the figure of the first updated
  kernel (no page lost or doubled across 100 parkings and restarts);
- the memfd's bytes are the ones written before the first update.
"""
import baton

UPDATES = 100
SIZE = 1 << 20


def stopped_free(b):
    """Stop the loops (allocs = frees), then the free memory; and the allocs, which
    may be few or none in one kernel when the host is busy (TCG runs a vCPU when
    the host schedules its thread), but not over the whole chain."""
    r = b.cmd("cpus stress off", timeout=60)
    assert r.ok, r
    assert r.kv["cpus"] == "3" and r.kv["allocs"] == r.kv["frees"], r
    return int(b.ok("meminfo")["free"]), int(r.kv["allocs"])


def test_hundred_updates_with_every_cpu_busy(qemu):
    b = qemu(cmdline="smp_stress", extra_args=["-smp", "4"])
    b.boot()
    b.ok(f"memfd create m {SIZE}")
    b.ok("memfd fill m 42")
    b.ok("luo create-session s")
    b.ok("luo preserve s m 1")
    figure, allocs = None, 0
    for i in range(UPDATES):
        fields = baton.kexec(b, timeout=90)
        assert fields["boot"] == "kexec" and fields["kexec-count"] == str(i + 1)
        r = b.cmd("cpus")
        assert r.result == "ok online=4 found=4 spurious=0 unexpected=0 apic=xapic", (i, r)
        b.ok("luo retrieve-session s")
        assert b.ok("luo retrieve s 1 m") == {"name": "m"}
        assert b.ok("memfd verify m 42") == {"bytes": str(SIZE)}
        b.ok("luo finish s")
        b.ok("luo create-session s")
        b.ok("luo preserve s m 1")
        free, n = stopped_free(b)
        allocs += n
        if figure is None:
            figure = free
        assert free == figure, f"update {i + 1}: free {free}, first updated kernel {figure}"
        assert b.ok("cpus stress on") == {"cpus": "3"}
    assert b.text.count("smp: 4 of 4 CPUs online") == UPDATES + 1
    assert allocs > 10 * UPDATES, allocs
