/*
 * Calls on another CPU (model in include/smp.h, the mailbox in smp_internal.h;
 * docs/smp.md, "Inter-processor interrupts" and "Work over every CPU"): the AP's
 * loop that serves its mailbox, smp_post / smp_wait / smp_call / smp_call_all on
 * the caller's side, and parallel_run's backend, which gives each online CPU a
 * part. Bring-up and parking, which make the CPUs these calls go to, are
 * kernel/smp_boot.c's.
 */
#include <errno.h>
#include <lapic.h>
#include <panic.h>
#include <parallel.h>
#include <percpu.h>
#include <smp.h>
#include <x86.h>
#include "smp_internal.h"

/* ---- the AP's side ---- */

/* With interrupts off, look at the mailbox; run a call with them on; otherwise
 * `sti; hlt` (the sti shadow makes the look and the halt atomic against the IPI
 * that wakes it). */
__attribute__((noreturn)) void smp_serve(struct mailbox *m)
{
	for (;;) {
		cli();
		if (m->done != m->seq) {
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			sti();
			m->fn(m->arg);
			cli();
			__atomic_store_n(&m->done, m->seq, __ATOMIC_RELEASE);
			lapic_send(smp_boot_apic, LAPIC_ICR_FIXED(SMP_CALL_VECTOR));   /* done */
			continue;
		}
		sti_hlt();
	}
}

/* ---- the caller's side ---- */

/* Give cpu a call without waiting; the sequence number its done will reach. The
 * box must be idle: a call posted over one that runs would be marked done when the
 * first ends, never run. */
static uint32_t post(struct ap *a, void (*fn)(void *), void *arg)
{
	struct mailbox *m = &a->box;
	m->fn = fn;
	m->arg = arg;
	uint32_t seq = m->seq + 1;
	__atomic_store_n(&m->seq, seq, __ATOMIC_RELEASE);
	lapic_send(a->pc.apic_id, LAPIC_ICR_FIXED(SMP_CALL_VECTOR));
	return seq;
}

struct done_wait {
	const struct mailbox *m;
	uint32_t seq;
};

static bool is_done(const void *ctx)
{
	const struct done_wait *w = ctx;
	return __atomic_load_n(&w->m->done, __ATOMIC_ACQUIRE) == w->seq;
}

int smp_post(unsigned cpu, void (*fn)(void *), void *arg)
{
	if (cpu == 0 || cpu >= CPU_MAX || !smp_aps[cpu] || smp_cpu(cpu)->state != CPU_ONLINE)
		return -EINVAL;
	if (!smp_box_idle(&smp_aps[cpu]->box))
		return -EBUSY;
	post(smp_aps[cpu], fn, arg);
	return 0;
}

bool smp_box_idle(const void *ctx)
{
	const struct mailbox *m = ctx;
	return __atomic_load_n(&m->done, __ATOMIC_ACQUIRE) == __atomic_load_n(&m->seq, __ATOMIC_RELAXED);
}

int smp_wait(unsigned cpu)
{
	if (cpu == 0 || cpu >= CPU_MAX || !smp_aps[cpu])
		return -EINVAL;
	return smp_wait_for(smp_box_idle, &smp_aps[cpu]->box, PART_WAIT_TICKS) ? 0 : -ETIMEDOUT;
}

int smp_call(unsigned cpu, void (*fn)(void *), void *arg)
{
	if (cpu == 0 || cpu >= CPU_MAX || !smp_aps[cpu] || smp_cpu(cpu)->state != CPU_ONLINE)
		return -EINVAL;
	if (!smp_box_idle(&smp_aps[cpu]->box))
		return -EBUSY;
	struct done_wait w = { &smp_aps[cpu]->box, post(smp_aps[cpu], fn, arg) };
	return smp_wait_for(is_done, &w, CALL_WAIT_TICKS) ? 0 : -ETIMEDOUT;
}

/* parallel_run's backend (include/parallel.h): part 0 on this CPU, one part on each
 * other online CPU whose mailbox is idle (one busy with a posted call, such as the
 * stress loop, is left out). A part that does not end within PART_WAIT_TICKS is an
 * invariant broken (parts do bounded work): panic. */
struct par_job {
	parallel_fn fn;
	void *arg;
	unsigned nparts;
	unsigned part_of[CPU_MAX];
};

static void par_part(void *arg)
{
	struct par_job *j = arg;
	j->fn(j->arg, j->part_of[cpu_id()], j->nparts);
}

unsigned smp_run_parallel(parallel_fn fn, void *arg)
{
	struct par_job j = { fn, arg, 1, { 0 } };
	struct done_wait w[CPU_MAX];
	unsigned who[CPU_MAX], n = 0;
	for (unsigned i = 1; i < smp_cpu_count() && i < CPU_MAX; i++)
		if (smp_cpu(i)->state == CPU_ONLINE && smp_aps[i] && smp_box_idle(&smp_aps[i]->box)) {
			j.part_of[i] = j.nparts++;
			who[n++] = i;
		}
	for (unsigned k = 0; k < n; k++)
		w[k] = (struct done_wait){ &smp_aps[who[k]]->box, post(smp_aps[who[k]], par_part, &j) };
	fn(arg, 0, j.nparts);
	for (unsigned k = 0; k < n; k++)
		if (!smp_wait_for(is_done, &w[k], PART_WAIT_TICKS))
			panic("smp: cpu %u did not finish part %u of %u", who[k], j.part_of[who[k]],
			      j.nparts);
	return j.nparts;
}

unsigned smp_call_all(void (*fn)(void *), void *arg)
{
	unsigned ran = 0;
	for (unsigned i = 1; i < smp_cpu_count() && i < CPU_MAX; i++)
		ran += !smp_call(i, fn, arg);
	fn(arg);
	return ran + 1;
}
