/*
 * In-kernel tests of the other CPUs (kernel/smp_boot.c); they skip on one CPU.
 * tests/qemu/test_cpus.py runs them with -smp 4.
 *   smp.call_each     smp_call on every online CPU runs there: the CPU's own index
 *                     and APIC ID as it reads them, the interrupts on
 *   smp.call_all      smp_call_all reaches every online CPU once, this one last
 *   smp.call_errors   cpu 0 (the caller), an index past the list, a CPU not online
 *   smp.stop_restart  smp_stop_others parks every other CPU, smp_restart_others
 *                     brings them back, and calls work again
 */
#include <errno.h>
#include <ktest.h>
#include <lapic.h>
#include <percpu.h>
#include <smp.h>
#include <x86.h>

struct who {
	unsigned id;
	uint32_t apic;
	bool irq_on;
};

static void whoami(void *arg)
{
	struct who *w = arg;
	w->id = cpu_id();
	w->apic = lapic_id();
	w->irq_on = read_rflags() & (1u << 9);
}

static void count(void *arg)
{
	uint64_t *seen = arg;
	__atomic_fetch_or(seen, 1ull << cpu_id(), __ATOMIC_RELAXED);
}

KTEST(smp, call_each)
{
	if (smp_online() < 2)
		KT_SKIP("one CPU");
	for (unsigned i = 1; i < smp_cpu_count(); i++) {
		if (smp_cpu(i)->state != CPU_ONLINE)
			continue;
		struct who w = { 99, 0, false };
		KT_EXPECT_EQ(smp_call(i, whoami, &w), 0);
		KT_EXPECT_EQ(w.id, i);
		KT_EXPECT_EQ(w.apic, smp_cpu(i)->apic_id);
		KT_EXPECT(w.irq_on);
	}
}

KTEST(smp, call_all)
{
	if (smp_online() < 2)
		KT_SKIP("one CPU");
	uint64_t seen = 0, want = 0;
	for (unsigned i = 0; i < smp_cpu_count(); i++)
		if (smp_cpu(i)->state == CPU_ONLINE)
			want |= 1ull << i;
	KT_EXPECT_EQ(smp_call_all(count, &seen), smp_online());
	KT_EXPECT_EQ(seen, want);
}

KTEST(smp, call_errors)
{
	struct who w;
	KT_EXPECT_EQ(smp_call(0, whoami, &w), (uint64_t)-EINVAL);
	KT_EXPECT_EQ(smp_call(CPU_MAX + 1, whoami, &w), (uint64_t)-EINVAL);
	for (unsigned i = 1; i < smp_cpu_count(); i++)
		if (smp_cpu(i)->state != CPU_ONLINE)
			KT_EXPECT_EQ(smp_call(i, whoami, &w), (uint64_t)-EINVAL);
}

KTEST(smp, stop_restart)
{
	unsigned n = smp_online();
	if (n < 2)
		KT_SKIP("one CPU");
	smp_stop_others();
	KT_EXPECT_EQ(smp_online(), 1);
	for (unsigned i = 1; i < smp_cpu_count(); i++)
		KT_EXPECT(smp_cpu(i)->state != CPU_ONLINE);
	smp_restart_others();
	KT_EXPECT_EQ(smp_online(), n);
	struct who w = { 99, 0, false };
	for (unsigned i = 1; i < smp_cpu_count(); i++)
		if (smp_cpu(i)->state == CPU_ONLINE) {
			KT_EXPECT_EQ(smp_call(i, whoami, &w), 0);
			KT_EXPECT_EQ(w.id, i);
		}
}
