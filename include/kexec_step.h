/*
 * Pre-exec steps: how a layer below kernel/ takes part in `kexec exec` without
 * naming it. KEXEC_STEP(name, order, prepare, undo) places a step in the
 * .kexec_step section, sorted by order; kexec_steps_prepare() (lib/kexec_step.c)
 * runs every prepare in that order, and when one fails, the undo of each step before it in
 * reverse order, then returns the error (the system goes on). LUO serializes at
 * order 10, the hugetlb FLB confirms its lists at 20; the KHO root is finalized
 * after the last step.
 */
#ifndef KEXEC_STEP_H
#define KEXEC_STEP_H
#include <types.h>

struct kexec_step {
	const char *name;
	int (*prepare)(void);      /* 0 or -errno; may be NULL */
	void (*undo)(void);        /* after a later step failed; may be NULL */
};
/* lib/kexec_step.c. Every prepare in order: 0, or the failing step's -errno with
 * *failed its name, every step before it undone (last first). */
int kexec_steps_prepare(const char **failed);
/* Every undo, last first: the handover built by the steps is taken back. */
void kexec_steps_undo(void);

#define KEXEC_STEP(sname, order, prep, und)                                            \
	static const struct kexec_step __kexec_step_##prep                             \
		__section(".kexec_step." #order) __used                                \
		__aligned_entry(struct kexec_step) = { sname, prep, und }
#endif
