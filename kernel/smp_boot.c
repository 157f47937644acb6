/*
 * Bringing up and parking the other CPUs (model in include/smp.h; docs/smp.md);
 * the list they come from, and the boot options that limit it, are kernel/smp.c's.
 *
 * Start page: AP_TRAMP_PAGES pages of RAM below 1 MiB (a SIPI names a page number
 * below 0x100), in the first MiB Baton never allocates from and away from the boot
 * information and modules: the trampoline's code and argument block, then its PML4,
 * PDPT and PD (the first GiB identity-mapped, the kernel's upper half shared).
 *
 * One AP starts at a time: the boot CPU writes the argument block (stack, per-CPU
 * data), sends INIT, waits, sends STARTUP, waits, sends a second STARTUP if the AP
 * is not up, then waits up to 2^27 APIC timer ticks (134 ms under QEMU) for it to
 * say it is online.
 * The waits are the MP specification's 10 ms and 200 us for old processors; like
 * Linux, Baton skips them on processors that do not need them (Intel family 6 and
 * later, AMD family 0xf and later), which keeps the next kernel's blackout short:
 * there it halts 16 us after INIT (so an emulator gets to run the INIT before the
 * STARTUP), then waits for the AP to be online, sending the second STARTUP only if
 * it is not after 1 ms. Every bound is in APIC timer ticks, uncalibrated. An AP that does not answer is logged, sent INIT again (so it
 * stays in wait-for-SIPI), and skipped: never a hang.
 *
 * Each AP then serves its mailbox (kernel/smp_call.c, which also holds the calls
 * and the parallel backend) until a stop IPI parks it.
 */
#include <ap_tramp.h>
#include <acpi.h>
#include <boot_info.h>
#include <errno.h>
#include <kernel.h>
#include <kmalloc.h>
#include <lapic.h>
#include <mm.h>
#include <paging.h>
#include <panic.h>
#include <parallel.h>
#include <percpu.h>
#include <printk.h>
#include <smp.h>
#include <string.h>
#include <trap.h>
#include <x86.h>
#include "smp_internal.h"

#define AP_STACK_ORDER  2                 /* 16 KiB */
#define MSR_EFER        0xc0000080
#define MSR_FS_BASE     0xc0000100
#define EFER_LME        0x100
#define EFER_NXE        0x800
#define LOW_LIMIT       0xa0000           /* below the legacy video hole */
/* Bounds of the waits, in APIC timer input ticks (uncalibrated; at QEMU's 1 GHz:
 * 1 ms for the first STARTUP to be answered, 134 ms in all; on a 100 MHz bus ten
 * times longer). */
#define WAIT_SLICE       (1u << 14)
#define INIT_WAIT_TICKS  (1u << 14)
#define SIPI_WAIT_TICKS  (1u << 20)
#define START_WAIT_TICKS (1u << 27)

struct ap *smp_aps[CPU_MAX];             /* by cpu index; [0] unused (the boot CPU) */
static unsigned nonline = 1;
static paddr_t tramp;
static uint64_t k_cr0, k_cr3, k_cr4;
static struct ap *starting;               /* the AP the argument block is for */
uint32_t smp_boot_apic;                  /* whom an AP wakes when it is up or parked */
static bool stopping;                     /* smp_stop_others: long work, return now */
extern char boot_canary_block[];

static void delay_us(uint64_t us)
{
	uint64_t hz = tsc_hz(NULL), t0 = rdtsc();
	uint64_t ticks = hz ? hz / 1000000 * us : us * 3000;
	while (rdtsc() - t0 < ticks)
		cpu_relax();
}

/* The first C an AP runs, on its own stack, still on the trampoline's page table.
 * No stack protector: %fs has no canary block until the first line here. */
__attribute__((no_stack_protector, noreturn)) void ap_entry(struct percpu *p);
__attribute__((no_stack_protector, noreturn)) void ap_entry(struct percpu *p)
{
	wrmsr(MSR_FS_BASE, (uint64_t)boot_canary_block);
	write_cr3(k_cr3);
	write_cr4(k_cr4);
	write_cr0(k_cr0);
	struct ap *a = starting;
	gdt_load(a->tables);
	idt_load();
	percpu_install(p);
	lapic_enable(false);
	p->apic_id = lapic_id();
	__atomic_store_n(&p->online, true, __ATOMIC_RELEASE);
	lapic_send(smp_boot_apic, LAPIC_ICR_FIXED(SMP_CALL_VECTOR));   /* wake the boot CPU */
	smp_serve(&a->box);
}

static __attribute__((noreturn)) void park(void)
{
	struct percpu *p = this_cpu();
	lapic_eoi();
	__atomic_store_n(&p->online, false, __ATOMIC_RELEASE);
	lapic_send(smp_boot_apic, LAPIC_ICR_FIXED(SMP_CALL_VECTOR));   /* wake the boot CPU */
	for (;;)
		__asm__ volatile("cli; hlt" ::: "memory");
}

void smp_ipi(unsigned vector)
{
	if (vector == SMP_STOP_VECTOR)
		park();
	lapic_eoi();                        /* a call: ap_idle finds it in the mailbox */
}

/* ---- the boot CPU's side ---- */

static bool below(paddr_t a, uint64_t n, paddr_t b, uint64_t m)   /* [a,a+n) and [b,b+m) meet */
{
	return a < b + m && b < a + n;
}

/* AP_TRAMP_PAGES pages of RAM below LOW_LIMIT clear of the boot data; 0 if none. */
static paddr_t pick_page(const struct boot_info *bi)
{
	const uint64_t need = AP_TRAMP_PAGES * PAGE_SIZE;
	for (unsigned i = 0; i < bi->nmem; i++) {
		const struct boot_mem_range *r = &bi->mem[i];
		if (r->type != BOOT_MEM_RAM)
			continue;
		for (paddr_t at = ALIGN_UP(MAX(r->base, (paddr_t)0x1000), (paddr_t)PAGE_SIZE);
		     at + need <= MIN(r->base + r->size, (paddr_t)LOW_LIMIT); at += PAGE_SIZE) {
			bool clear = !below(at, need, bi->info_addr, bi->info_size);
			for (unsigned m = 0; clear && m < bi->nmod; m++)
				clear = !below(at, need, bi->mod[m].base, bi->mod[m].size);
			if (clear)
				return at;
		}
	}
	return 0;
}

static void write_tramp(void)
{
	uint8_t *page = phys_to_virt(tramp);
	memset(page, 0, AP_TRAMP_PAGES * PAGE_SIZE);
	memcpy(page, ap_tramp_start, (size_t)(ap_tramp_end - ap_tramp_start));
	paging_identity(tramp + PAGE_SIZE, tramp + 2 * PAGE_SIZE, tramp + 3 * PAGE_SIZE, 1);
	struct ap_tramp_args *a = (void *)(page + AP_TRAMP_ARGS);
	a->gdt[1] = 0x00cf9a000000ffffull;          /* 0x08: 32-bit code */
	a->gdt[2] = 0x00cf92000000ffffull;          /* 0x10: data */
	a->gdt[3] = 0x00af9a000000ffffull;          /* 0x18: 64-bit code */
	a->gdt_limit = sizeof(a->gdt) - 1;
	a->gdt_base = (uint32_t)(tramp + AP_TRAMP_ARGS);
	a->pm32_off = (uint32_t)(tramp + (uint64_t)(ap_tramp_pm32 - ap_tramp_start));
	a->pm32_sel = 0x08;
	a->lm64_off = (uint32_t)(tramp + (uint64_t)(ap_tramp_lm64 - ap_tramp_start));
	a->lm64_sel = 0x18;
	a->pml4 = (uint32_t)(tramp + PAGE_SIZE);
	a->efer = EFER_LME | (uint32_t)(rdmsr(MSR_EFER) & EFER_NXE);
	a->cr4 = k_cr4;
	a->kernel_cr3 = k_cr3;
	a->entry = (uint64_t)ap_entry;
}

/* The MP specification's delays are for processors older than these (Linux's rule). */
static bool modern_cpu(void)
{
	uint32_t r[4], v[4];
	cpuid(0, 0, v);
	cpuid(1, 0, r);
	unsigned family = (r[0] >> 8) & 0xf;
	if (family == 0xf)
		family += (r[0] >> 20) & 0xff;
	bool intel = v[1] == 0x756e6547;            /* "Genu" */
	bool amd = v[1] == 0x68747541;              /* "Auth" */
	return (intel && family >= 6) || (amd && family >= 0xf);
}

static bool old_cpu;                      /* wants the MP specification's delays */
static uint64_t start_ticks_total, start_ticks_n;   /* AP bring-up time, for `cpus` */

/* Wait for cond(ctx), for at most ticks of the APIC timer's input clock
 * (uncalibrated: the bound only has to end the wait), halting in slices of
 * WAIT_SLICE (lapic_halt_until): woken by the other CPU's IPI (ap_entry, park, the
 * end of a call) or the timer. Halting, not spinning, lets a single-threaded
 * emulator run the other CPU, and the slices bound the delay where the emulator does
 * not wake a halted CPU for an IPI at once (QEMU under -icount). */
bool smp_wait_for(bool (*cond)(const void *ctx), const void *ctx, uint64_t ticks)
{
	return lapic_halt_until(cond, ctx, ticks, WAIT_SLICE);
}

static bool is_online(const void *ctx)
{
	return __atomic_load_n(&((const struct ap *)ctx)->pc.online, __ATOMIC_ACQUIRE);
}

static bool is_offline(const void *ctx)
{
	return !is_online(ctx);
}

static bool wait_online(struct ap *a, bool want, uint32_t ticks)
{
	return smp_wait_for(want ? is_online : is_offline, a, ticks);
}

/* INIT, STARTUP, and a second STARTUP if the AP is not up after the first wait;
 * 0 or -ETIMEDOUT (the AP was sent INIT again). */
static int start(struct ap *a, uint32_t apic_id)
{
	struct ap_tramp_args *args = (void *)((uint8_t *)phys_to_virt(tramp) + AP_TRAMP_ARGS);
	args->stack_top = (uint64_t)a->stack + (PAGE_SIZE << AP_STACK_ORDER);
	args->percpu = (uint64_t)&a->pc;
	args->alive = 0;
	starting = a;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	uint32_t page = (uint32_t)(tramp >> 12);
	uint64_t t0 = rdtsc();
	int err = lapic_send(apic_id, LAPIC_ICR_INIT);
	if (old_cpu)
		delay_us(10000);
	else
		wait_online(a, true, INIT_WAIT_TICKS);  /* a halt, so an emulator runs the INIT */
	err = err ?: lapic_send(apic_id, LAPIC_ICR_STARTUP(page));
	if (old_cpu)
		delay_us(200);
	if (!err && !wait_online(a, true, SIPI_WAIT_TICKS))
		err = lapic_send(apic_id, LAPIC_ICR_STARTUP(page)) ?:
		      wait_online(a, true, START_WAIT_TICKS) ? 0 : -ETIMEDOUT;
	if (!err) {
		start_ticks_total += rdtsc() - t0;
		start_ticks_n++;
		return 0;
	}
	lapic_send(apic_id, LAPIC_ICR_INIT);    /* back to wait-for-SIPI, whatever it did */
	return -ETIMEDOUT;
}

static struct ap *new_ap(unsigned id)
{
	struct ap *a = kzalloc(sizeof(*a));
	paddr_t st = page_alloc(AP_STACK_ORDER, GFP_ZERO);   /* zeroing maps it */
	struct cpu_tables *t = kzalloc(cpu_tables_size());
	if (!a || !st || !t) {
		kfree(a);
		kfree(t);
		if (st)
			page_free(st, AP_STACK_ORDER);
		return NULL;
	}
	a->pc.id = id;
	a->stack = page_virt(st);
	a->tables = t;
	return a;
}

/* Start cpu i (offline) as percpu id i: online, or failed. */
static void bring_up_one(unsigned i)
{
	const struct smp_cpu *c = smp_cpu(i);
	struct ap *a = smp_aps[i] ? smp_aps[i] : new_ap(i);
	if (!a) {
		printk("smp: no memory to start cpu %u (apic id %u)\n", i, c->apic_id);
		smp_set_state(i, CPU_FAILED);
		return;
	}
	smp_aps[i] = a;
	if (start(a, c->apic_id)) {
		printk("smp: cpu %u (apic id %u) did not answer its start; skipped\n", i,
		       c->apic_id);
		smp_set_state(i, CPU_FAILED);
		return;
	}
	smp_set_state(i, CPU_ONLINE);
	nonline++;
}

void smp_boot(const struct boot_info *bi)
{
	unsigned n = smp_cpu_count(), want = 0;
	for (unsigned i = 1; i < n; i++) {
		const struct smp_cpu *c = smp_cpu(i);
		if (c->state == CPU_OFFLINE && !lapic_can_name(c->apic_id)) {
			printk("smp: warning: cpu %u (apic id %u) needs x2APIC mode, which is off; "
			       "disabled\n", i, c->apic_id);
			smp_set_state(i, CPU_DISABLED);
		}
		want += c->state == CPU_OFFLINE;
	}
	struct percpu *self = this_cpu();
	self->apic_id = smp_boot_apic = smp_cpu(0)->apic_id;
	self->online = true;
	if (!want || !lapic_present())
		return;
	tramp = pick_page(bi);
	if (!tramp) {
		printk("smp: no free page below 1 MiB for the start code; one CPU\n");
		return;
	}
	old_cpu = !modern_cpu();
	k_cr0 = read_cr0();
	k_cr3 = read_cr3();
	k_cr4 = read_cr4();
	write_tramp();
	for (unsigned i = 1; i < n && i < CPU_MAX; i++)
		if (smp_cpu(i)->state == CPU_OFFLINE)
			bring_up_one(i);
	parallel_set_backend(smp_run_parallel);
	printk("smp: %u of %u CPUs online (start page %#llx, %llu TSC ticks each)\n", nonline,
	       want + 1, (unsigned long long)tramp, (unsigned long long)smp_start_ticks());
}

unsigned smp_online(void)
{
	return nonline;
}

uint64_t smp_start_ticks(void)
{
	return start_ticks_n ? start_ticks_total / start_ticks_n : 0;
}

void smp_stop_others(void)
{
	__atomic_store_n(&stopping, true, __ATOMIC_RELEASE);
	for (unsigned i = 1; i < smp_cpu_count() && i < CPU_MAX; i++) {
		if (smp_cpu(i)->state != CPU_ONLINE)
			continue;
		struct ap *a = smp_aps[i];
		if (!smp_wait_for(smp_box_idle, &a->box, PART_WAIT_TICKS))      /* its work returns first */
			printk("smp: warning: cpu %u did not finish its work\n", i);
		lapic_send(a->pc.apic_id, LAPIC_ICR_FIXED(SMP_STOP_VECTOR));
		if (!wait_online(a, false, START_WAIT_TICKS))
			printk("smp: warning: cpu %u did not say it parked\n", i);
		smp_set_state(i, CPU_PARKED);
		nonline--;
	}
	__atomic_store_n(&stopping, false, __ATOMIC_RELEASE);
}

void smp_restart_others(void)
{
	if (!tramp)
		return;
	write_tramp();
	for (unsigned i = 1; i < smp_cpu_count() && i < CPU_MAX; i++)
		if (smp_cpu(i)->state == CPU_PARKED)
			bring_up_one(i);
}

bool smp_stopping(void)
{
	return __atomic_load_n(&stopping, __ATOMIC_ACQUIRE);
}

