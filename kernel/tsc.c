/*
 * The TSC's frequency, so that tick counts can be told in time (the blackout
 * timeline). Measured once, on first use, never inside a
 * figure it reports (the timeline samples its ticks first):
 *   1. CPUID 0x15: the crystal's Hz times the TSC/crystal ratio, where all three
 *      are given;
 *   2. CPUID 0x16: the base frequency in MHz, where given;
 *   3. else against the PIT: channel 2 counts 11932 ticks of its 1.193182 MHz
 *      clock (10 ms) in one-shot mode while the TSC runs; its OUT pin (port 0x61
 *      bit 5) says when.
 * In a virtual machine every figure is guest time: under QEMU's -icount the TSC and
 * the PIT both run on the virtual clock, so the two agree by construction.
 */
#include <kernel.h>
#include <x86.h>

#define PIT_HZ       1193182u
#define PIT_LATCH    11932u          /* 10 ms of the PIT's clock */
#define PORT_B       0x61            /* speaker gate (bit 0), OUT2 (bit 5) */

static uint64_t hz;
static const char *how;

static uint64_t from_cpuid(void)
{
	uint32_t r[4];
	cpuid(0, 0, r);
	uint32_t max = r[0];
	if (max >= 0x15) {
		cpuid(0x15, 0, r);                   /* eax denominator, ebx numerator, ecx Hz */
		if (r[0] && r[1] && r[2]) {
			how = "CPUID 0x15";
			return (uint64_t)r[2] * r[1] / r[0];
		}
	}
	if (max >= 0x16) {
		cpuid(0x16, 0, r);
		if (r[0] & 0xffff) {
			how = "CPUID 0x16";
			return (uint64_t)(r[0] & 0xffff) * 1000000;
		}
	}
	return 0;
}

static uint64_t from_pit(void)
{
	uint8_t b = inb(PORT_B);
	outb(PORT_B, (uint8_t)((b & ~0x02) | 0x01));  /* gate on, speaker off */
	outb(0x43, 0xb0);                            /* channel 2, lo/hi byte, mode 0 */
	outb(0x42, PIT_LATCH & 0xff);
	outb(0x42, PIT_LATCH >> 8);
	uint64_t t0 = rdtsc(), t1 = t0;
	for (uint64_t spins = 0; !(inb(PORT_B) & 0x20) && spins < (1ull << 32); spins++)
		t1 = rdtsc();
	outb(PORT_B, b);
	how = "the PIT";
	return (t1 - t0) * PIT_HZ / PIT_LATCH;
}

uint64_t tsc_hz(const char **method)
{
	if (!hz) {
		hz = from_cpuid();
		if (!hz)
			hz = from_pit();
	}
	if (method)
		*method = how;
	return hz;
}
