/*
 * Spin locks: a ticket lock (FIFO, so no CPU starves), with the interrupt flag
 * saved and cleared while held, so an interrupt handler on the same CPU can never
 * spin on a lock its CPU holds. Never held across a sleep (Baton has none) or an
 * I/O wait. On the host (unit tests) the same atomics run between threads and the
 * interrupt flag is left alone.
 *
 *     uint64_t f = spin_lock_irqsave(&l);  ...  spin_unlock_irqrestore(&l, f);
 */
#ifndef SPINLOCK_H
#define SPINLOCK_H
#include <types.h>

struct spinlock {
	uint32_t next;                /* the ticket the next locker takes */
	uint32_t owner;               /* the ticket being served */
};
#define SPINLOCK_INIT { 0, 0 }

#if __STDC_HOSTED__
#include <sched.h>
/* On the host, threads may outnumber cores: a waiter spins a little, then gives its
 * core away, or the thread holding the next ticket could wait whole time slices
 * behind the spinners. */
static inline void spin_pause(void)
{
	static _Thread_local unsigned spins;
	__asm__ volatile("pause" ::: "memory");
	if (++spins % 128 == 0)
		sched_yield();
}
#else
static inline void spin_pause(void)
{
	__asm__ volatile("pause" ::: "memory");
}
#endif

static inline void spin_lock(struct spinlock *l)
{
	uint32_t t = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != t)
		spin_pause();
}

static inline void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->owner, l->owner + 1, __ATOMIC_RELEASE);
}

static inline bool spin_is_locked(const struct spinlock *l)
{
	return __atomic_load_n(&l->next, __ATOMIC_RELAXED) !=
	       __atomic_load_n(&l->owner, __ATOMIC_RELAXED);
}

/*
 * Interrupts off on this CPU (its per-CPU data then stays its own: Baton has no
 * preemption), and back as they were: what the per-CPU page caches run under.
 */
#if __STDC_HOSTED__
static inline uint64_t local_irq_save(void)
{
	return 0;
}
static inline void local_irq_restore(uint64_t flags)
{
	(void)flags;
}
#else
static inline uint64_t local_irq_save(void)
{
	uint64_t f;
	__asm__ volatile("pushfq; popq %0; cli" : "=r"(f) : : "memory");
	return f;
}
static inline void local_irq_restore(uint64_t flags)
{
	if (flags & (1u << 9))                  /* IF was set */
		__asm__ volatile("sti" ::: "memory");
}
#endif

static inline uint64_t spin_lock_irqsave(struct spinlock *l)
{
	uint64_t f = local_irq_save();
	spin_lock(l);
	return f;
}

static inline void spin_unlock_irqrestore(struct spinlock *l, uint64_t flags)
{
	spin_unlock(l);
	local_irq_restore(flags);
}
#endif
