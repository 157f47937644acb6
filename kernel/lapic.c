/*
 * The local APIC (model in include/lapic.h). xAPIC registers are 32-bit words at
 * MMIO offsets; x2APIC maps register offset R to MSR 0x800 + R / 16 and has a
 * 64-bit ICR (destination in the high half) that needs no delivery-status wait.
 * IA32_APIC_BASE moves only along the SDM's legal paths: disabled -> xAPIC ->
 * x2APIC, and x2APIC -> disabled -> xAPIC (x2APIC to xAPIC directly faults).
 */
#include <errno.h>
#include <kernel.h>
#include <lapic.h>
#include <layout.h>
#include <x86.h>

#define MSR_APIC_BASE  0x1b
#define APIC_BASE_EN   (1u << 11)
#define APIC_BASE_EXTD (1u << 10)
#define R_ID     0x20
#define R_TPR    0x80
#define R_EOI    0xb0
#define R_SVR    0xf0
#define R_ICR_LO 0x300
#define R_ICR_HI 0x310
#define R_LINT0  0x350
#define R_LINT1  0x360
#define R_LVT_TIMER  0x320
#define R_TIMER_INIT 0x380
#define R_TIMER_CUR  0x390
#define R_TIMER_DIV  0x3e0
#define ICR_BUSY (1u << 12)
#define LVT_MASKED   (1u << 16)

static volatile uint32_t *mmio;

bool lapic_present(void)
{
	uint32_t r[4];
	cpuid(1, 0, r);
	return r[3] & (1u << 9);
}

bool lapic_x2apic(void)
{
	return rdmsr(MSR_APIC_BASE) & APIC_BASE_EXTD;
}

bool lapic_x2apic_capable(void)
{
	uint32_t r[4];
	cpuid(1, 0, r);
	return r[2] & (1u << 21);
}

static bool x2mode;                       /* chosen on the boot CPU, followed by all */

bool lapic_can_name(uint32_t apic_id)
{
	return lapic_x2apic() || apic_id < 0xff;    /* xAPIC: 8 bits, and 0xff is all */
}

int lapic_choose_mode(bool allow_x2apic)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);
	bool on = base & APIC_BASE_EXTD;
	x2mode = allow_x2apic && lapic_x2apic_capable();
	if (on && !x2mode) {
		uint32_t id = (uint32_t)rdmsr(0x802);
		if (id > 0xfe) {              /* xAPIC could not name this CPU */
			x2mode = true;
			return -EADDRNOTAVAIL;
		}
		wrmsr(MSR_APIC_BASE, base & ~(uint64_t)(APIC_BASE_EN | APIC_BASE_EXTD));
	}
	return 0;
}

static uint32_t rd(unsigned reg)
{
	return lapic_x2apic() ? (uint32_t)rdmsr(0x800 + reg / 16) : mmio[reg / 4];
}

static void wr(unsigned reg, uint32_t v)
{
	if (lapic_x2apic())
		wrmsr(0x800 + reg / 16, v);
	else
		mmio[reg / 4] = v;
}

void lapic_enable(bool boot_cpu)
{
	uint64_t base = rdmsr(MSR_APIC_BASE) | APIC_BASE_EN;
	wrmsr(MSR_APIC_BASE, base);              /* xAPIC, or x2APIC left on */
	if (x2mode && !(base & APIC_BASE_EXTD))
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_EXTD);
	mmio = phys_to_virt(base & 0xffffff000ull);
	wr(R_TPR, 0);
	wr(R_SVR, 0x100 | LAPIC_SPURIOUS_VECTOR);
	wr(R_LINT0, boot_cpu ? 0x700 : 0x10000);     /* ExtINT on the boot CPU, else masked */
	wr(R_LINT1, 0x400);                          /* NMI */
}

uint32_t lapic_id(void)
{
	return lapic_x2apic() ? rd(R_ID) : rd(R_ID) >> 24;
}

void lapic_eoi(void)
{
	wr(R_EOI, 0);
}

int lapic_send(uint32_t apic_id, uint32_t icr_low)
{
	if (lapic_x2apic()) {
		wrmsr(0x830, (uint64_t)apic_id << 32 | icr_low);
		return 0;
	}
	if (!lapic_can_name(apic_id))
		return -EINVAL;
	for (unsigned i = 0; mmio[R_ICR_LO / 4] & ICR_BUSY; i++)
		if (i > 1000000)
			return -ETIMEDOUT;
	mmio[R_ICR_HI / 4] = apic_id << 24;
	mmio[R_ICR_LO / 4] = icr_low;
	return 0;
}

static uint64_t timer_hz;                 /* APIC timer ticks per second, divide by 16 */
static uint64_t timer_fired;

uint64_t lapic_timer_calibrate(void)
{
	uint64_t tsc = tsc_hz(NULL);
	if (timer_hz || !lapic_present() || !tsc)
		return timer_hz;
	wr(R_TIMER_DIV, 0x3);                        /* divide by 16 */
	wr(R_LVT_TIMER, LVT_MASKED | LAPIC_TIMER_VECTOR);
	wr(R_TIMER_INIT, 0xffffffffu);
	uint64_t t0 = rdtsc(), ticks = tsc / 1000;   /* 1 ms */
	while (rdtsc() - t0 < ticks)
		cpu_relax();
	uint32_t left = rd(R_TIMER_CUR);
	wr(R_TIMER_INIT, 0);
	timer_hz = (uint64_t)(0xffffffffu - left) * 1000;
	return timer_hz;
}

void lapic_timer_oneshot(uint64_t us)
{
	if (!timer_hz)
		return;
	uint64_t count = timer_hz / 1000000 * us + (timer_hz % 1000000) * us / 1000000;
	wr(R_TIMER_DIV, 0x3);
	wr(R_LVT_TIMER, LAPIC_TIMER_VECTOR);         /* one-shot, unmasked */
	wr(R_TIMER_INIT, us ? (uint32_t)MIN(MAX(count, 1ull), 0xffffffffull) : 0);
}

void lapic_timer_arm(uint32_t ticks)
{
	wr(R_TIMER_DIV, 0xb);                        /* divide by 1 */
	wr(R_LVT_TIMER, LAPIC_TIMER_VECTOR);
	wr(R_TIMER_INIT, ticks);
}

void lapic_timer_fired(void)
{
	__atomic_fetch_add(&timer_fired, 1, __ATOMIC_RELAXED);
}

uint64_t lapic_timer_count(void)
{
	return __atomic_load_n(&timer_fired, __ATOMIC_RELAXED);
}

bool lapic_halt_until(bool (*cond)(const void *ctx), const void *ctx, uint64_t ticks,
		      uint32_t slice)
{
	uint64_t flags = read_rflags();
	bool ok = false;
	for (uint64_t waited = 0; !ok && waited < ticks; waited += slice) {
		uint64_t fired = lapic_timer_count();
		lapic_timer_arm((uint32_t)MIN((uint64_t)slice, ticks - waited));
		for (;;) {
			cli();
			if ((ok = cond(ctx)) || lapic_timer_count() != fired)
				break;
			sti_hlt();
		}
	}
	lapic_timer_arm(0);
	if (flags & (1u << 9))
		sti();
	return ok;
}
