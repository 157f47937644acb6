/*
 * kernel/lapic.c's register accesses in both of the local APIC's modes, against a
 * simulated APIC (an MMIO page and an MSR table): QEMU 7.2's TCG offers no x2APIC,
 * so this is where x2APIC mode is checked. In xAPIC mode every access is a 32-bit
 * word of the MMIO page (ID in bits 31:24, the ICR's destination written to its
 * high word before the low word sends it, the delivery-status bit waited on); in
 * x2APIC mode (IA32_APIC_BASE.EXTD) register R is MSR 0x800 + R / 16, the ID is all
 * 32 bits, and the ICR is one 64-bit write with the destination in the high half,
 * and the MMIO page is never touched.
 */
#include <errno.h>
#include <lapic.h>
#include <string.h>
#include "host_test.h"

#define APIC_PA 0xfee00000ull

static uint32_t page[1024];                    /* the xAPIC MMIO page */
static uint64_t msr[0x1000];                   /* MSRs 0..0xfff */
static uint64_t icr_writes[8];
static unsigned nicr;

uint64_t rdmsr(uint32_t m)
{
	assert_true(m < 0x1000);
	return msr[m];
}

void wrmsr(uint32_t m, uint64_t v)
{
	assert_true(m < 0x1000);
	if (m == 0x830 && nicr < 8)
		icr_writes[nicr++] = v;
	msr[m] = v;
}

uint64_t rdtsc(void) { return 0; }
uint64_t tsc_hz(const char **method) { (void)method; return 0; }

void *host_phys_to_virt(paddr_t pa)
{
	assert_int_equal(pa, APIC_PA);              /* lapic.c maps nothing else */
	return page;
}

paddr_t host_virt_to_phys(const void *va)
{
	(void)va;
	return APIC_PA;
}

static void reset(bool x2)
{
	memset(page, 0, sizeof(page));
	memset(msr, 0, sizeof(msr));
	nicr = 0;
	msr[0x1b] = APIC_PA | (x2 ? 1u << 10 : 0);
}

static void test_xapic(void **state)
{
	(void)state;
	reset(false);
	assert_true(lapic_present());
	assert_false(lapic_x2apic());
	lapic_enable(true);
	assert_int_equal(msr[0x1b], APIC_PA | 1u << 11);     /* enabled, still xAPIC */
	assert_int_equal(page[0xf0 / 4], 0x100 | LAPIC_SPURIOUS_VECTOR);
	assert_int_equal(page[0x350 / 4], 0x700);             /* boot CPU: ExtINT */
	assert_int_equal(page[0x360 / 4], 0x400);             /* NMI */
	lapic_enable(false);
	assert_int_equal(page[0x350 / 4], 0x10000);           /* others: masked */
	page[0x20 / 4] = 7u << 24;
	assert_int_equal(lapic_id(), 7);
	assert_int_equal(lapic_send(3, LAPIC_ICR_STARTUP(0x8)), 0);
	assert_int_equal(page[0x310 / 4], 3u << 24);
	assert_int_equal(page[0x300 / 4], 0x4608);
	page[0x300 / 4] |= 1u << 12;                          /* delivery never ends */
	assert_int_equal(lapic_send(3, LAPIC_ICR_INIT), -ETIMEDOUT);
	page[0x300 / 4] = 0;
	page[0xb0 / 4] = 0xdead;
	lapic_eoi();
	assert_int_equal(page[0xb0 / 4], 0);
	lapic_timer_arm(1234);
	assert_int_equal(page[0x3e0 / 4], 0xb);               /* divide by 1 */
	assert_int_equal(page[0x320 / 4], LAPIC_TIMER_VECTOR);
	assert_int_equal(page[0x380 / 4], 1234);
	assert_int_equal(nicr, 0);                            /* no x2APIC MSR written */
}

static void test_x2apic(void **state)
{
	(void)state;
	reset(true);
	assert_true(lapic_x2apic());
	lapic_enable(false);
	assert_int_equal(msr[0x1b], APIC_PA | 1u << 10 | 1u << 11);
	assert_int_equal(msr[0x80f], 0x100 | LAPIC_SPURIOUS_VECTOR);   /* SVR 0xf0 */
	assert_int_equal(msr[0x808], 0);                                /* TPR 0x80 */
	assert_int_equal(msr[0x835], 0x10000);                          /* LINT0 */
	assert_int_equal(msr[0x836], 0x400);                            /* LINT1 */
	msr[0x802] = 0x12345;                                           /* 32-bit ID */
	assert_int_equal(lapic_id(), 0x12345);
	assert_int_equal(lapic_send(0x12345, LAPIC_ICR_STARTUP(0x9)), 0);
	assert_int_equal(lapic_send(300, LAPIC_ICR_FIXED(0xf1)), 0);
	assert_int_equal(nicr, 2);
	assert_int_equal(icr_writes[0], 0x12345ull << 32 | 0x4609);
	assert_int_equal(icr_writes[1], 300ull << 32 | 0x40f1);
	msr[0x80b] = 0xdead;
	lapic_eoi();
	assert_int_equal(msr[0x80b], 0);                                /* EOI 0xb0 */
	lapic_timer_arm(99);
	assert_int_equal(msr[0x83e], 0xb);                              /* divide 0x3e0 */
	assert_int_equal(msr[0x832], LAPIC_TIMER_VECTOR);               /* LVT timer */
	assert_int_equal(msr[0x838], 99);                               /* initial count */
	static const uint32_t zero[1024];
	assert_memory_equal(page, zero, sizeof(page));                  /* no MMIO at all */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xapic),
		cmocka_unit_test(test_x2apic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
