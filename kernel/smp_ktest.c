/*
 * In-kernel tests of the other CPUs (kernel/smp_boot.c); they skip on one CPU.
 * tests/qemu/test_cpus.py runs them with -smp 4.
 *   smp.call_each     smp_call on every online CPU runs there: the CPU's own index
 *                     and APIC ID as it reads them, the interrupts on
 *   smp.call_all      smp_call_all reaches every online CPU once, this one last
 *   smp.call_errors   cpu 0 (the caller), an index past the list, a CPU not online;
 *                     with two CPUs or more, a CPU busy with a posted call: EBUSY
 *                     for a call or a post, no part of a parallel_run, and calls
 *                     work again once it is done
 *   smp.stop_restart  smp_stop_others parks every other CPU, smp_restart_others
 *                     brings them back, and calls work again
 *   smp.preserve_any_cpu  every CPU at once (parallel_run) preserves and unpreserves
 *                     pages with KHO and creates and closes LUO sessions: no error,
 *                     and the preserved count is back where it was
 */
#include <errno.h>
#include <printk.h>
#include <kho.h>
#include <luo.h>
#include <mm.h>
#include <parallel.h>
#include <ktest.h>
#include <lapic.h>
#include <percpu.h>
#include <smp.h>
#include <x86.h>
#include <kmalloc.h>

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

static volatile bool held;

static void hold(void *arg)
{
	(void)arg;
	while (held && !smp_stopping())
		cpu_relax();
}

static void mark_part(void *arg, unsigned part, unsigned nparts)
{
	(void)part, (void)nparts;
	count(arg);
}

KTEST(smp, call_errors)
{
	struct who w;
	KT_EXPECT_EQ(smp_call(0, whoami, &w), (uint64_t)-EINVAL);
	KT_EXPECT_EQ(smp_call(CPU_MAX + 1, whoami, &w), (uint64_t)-EINVAL);
	for (unsigned i = 1; i < smp_cpu_count(); i++)
		if (smp_cpu(i)->state != CPU_ONLINE)
			KT_EXPECT_EQ(smp_call(i, whoami, &w), (uint64_t)-EINVAL);
	unsigned busy = 1;
	while (busy < smp_cpu_count() && smp_cpu(busy)->state != CPU_ONLINE)
		busy++;
	if (busy == smp_cpu_count())
		return;                                  /* one CPU: nothing to hold */
	held = true;
	KT_EXPECT_EQ(smp_post(busy, hold, NULL), 0);
	KT_EXPECT_EQ(smp_call(busy, whoami, &w), (uint64_t)-EBUSY);
	KT_EXPECT_EQ(smp_post(busy, hold, NULL), (uint64_t)-EBUSY);
	uint64_t seen = 0;
	KT_EXPECT_EQ(parallel_run(mark_part, &seen), smp_online() - 1);
	KT_EXPECT_EQ(seen & (1ull << busy), 0);      /* the busy CPU ran no part */
	KT_EXPECT(seen & 1);                         /* this one did */
	held = false;
	KT_EXPECT_EQ(smp_wait(busy), 0);
	w.id = 99;
	KT_EXPECT_EQ(smp_call(busy, whoami, &w), 0);
	KT_EXPECT_EQ(w.id, busy);
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

#define PRESERVE_PAGES 64

struct preserve_job {
	paddr_t pages[CPU_MAX][PRESERVE_PAGES];
	int errors;
};

static void preserve_part(void *arg, unsigned part, unsigned nparts)
{
	struct preserve_job *j = arg;
	(void)nparts;
	char name[32];
	snprintf(name, sizeof(name), "ktest-smp-%u", part);
	for (int round = 0; round < 20; round++) {
		int err = luo_create_session(name);
		for (unsigned i = 0; i < PRESERVE_PAGES; i++)
			err = err ?: kho_preserve_folio(j->pages[part][i], 0);
		for (unsigned i = 0; i < PRESERVE_PAGES; i++)
			err = kho_unpreserve_folio(j->pages[part][i], 0) ?: err;
		err = luo_close_session(name) ?: err;
		if (err)
			__atomic_fetch_add(&j->errors, 1, __ATOMIC_RELAXED);
	}
}

KTEST(smp, preserve_any_cpu)
{
	if (smp_online() < 2)
		KT_SKIP("one CPU");
	struct preserve_job *j = kzalloc(sizeof(*j));
	KT_ASSERT(j);
	unsigned n = smp_online();
	for (unsigned c = 0; c < n; c++)
		for (unsigned i = 0; i < PRESERVE_PAGES; i++) {
			j->pages[c][i] = page_alloc(0, GFP_PRESERVABLE);
			KT_EXPECT(j->pages[c][i]);
		}
	uint64_t before = kho_preserved_bytes();
	KT_EXPECT_EQ(parallel_run(preserve_part, j), n);
	KT_EXPECT_EQ(j->errors, 0);
	KT_EXPECT_EQ(kho_preserved_bytes(), before);
	for (unsigned c = 0; c < n; c++)
		for (unsigned i = 0; i < PRESERVE_PAGES; i++)
			if (j->pages[c][i])
				page_free(j->pages[c][i], 0);
	kfree(j);
}
