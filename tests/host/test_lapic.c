/*
 * kernel/lapic.c's register accesses in both of the local APIC's modes, against a
 * simulated APIC (an MMIO page and an MSR table): QEMU 7.2's TCG offers no x2APIC,
 * so this is where x2APIC mode is checked. In xAPIC mode every access is a 32-bit
 * word of the MMIO page (ID in bits 31:24, the ICR's destination written to its
 * high word before the low word sends it, the delivery-status bit waited on); in
 * x2APIC mode (IA32_APIC_BASE.EXTD) register R is MSR 0x800 + R / 16, the ID is all
 * 32 bits, and the ICR is one 64-bit write with the destination in the high half,
 * and the MMIO page is never touched. The mode is chosen once on the boot CPU
 * (lapic_choose_mode) and every write of IA32_APIC_BASE is checked against the
 * SDM's legal transitions: never EXTD without EN, never x2APIC straight to xAPIC,
 * never disabled straight to x2APIC.
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
static unsigned nbase;                          /* IA32_APIC_BASE writes */
bool host_cpuid_x2apic;

#define EN   (1ull << 11)
#define EXTD (1ull << 10)

static void base_write(uint64_t old, uint64_t v)
{
	bool was_en = old & EN, was_x2 = old & EXTD, en = v & EN, x2 = v & EXTD;
	assert_false(x2 && !en);                            /* the invalid state */
	assert_false(was_x2 && en && !x2);                  /* x2APIC -> xAPIC */
	assert_false(!was_en && x2);                        /* disabled -> x2APIC */
	nbase++;
}

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
	if (m == 0x1b)
		base_write(msr[m], v);
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
	nicr = nbase = 0;
	host_cpuid_x2apic = x2;
	msr[0x1b] = APIC_PA | (x2 ? EN | EXTD : 0);
}

static void test_xapic(void **state)
{
	(void)state;
	reset(false);
	assert_true(lapic_present());
	assert_false(lapic_x2apic());
	assert_false(lapic_x2apic_capable());
	assert_int_equal(lapic_choose_mode(true), 0);       /* no x2APIC: xAPIC */
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
	assert_int_equal(lapic_send(256, LAPIC_ICR_INIT), -EINVAL);   /* 8-bit destination */
	assert_int_equal(lapic_send(0xff, LAPIC_ICR_INIT), -EINVAL);  /* 0xff: every CPU */
	assert_true(lapic_can_name(0xfe));
	assert_int_equal(page[0x300 / 4], 0);
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
	assert_int_equal(lapic_choose_mode(true), 0);       /* left on: stays */
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

/* The boot CPU finds xAPIC (the firmware's) and the CPU has x2APIC: it goes
 * xAPIC -> x2APIC; another CPU, fresh from INIT (xAPIC, disabled), follows it
 * through xAPIC. */
static void test_choose_x2apic(void **state)
{
	(void)state;
	reset(false);
	host_cpuid_x2apic = true;
	assert_int_equal(lapic_choose_mode(true), 0);
	assert_int_equal(nbase, 0);                         /* chosen, not yet enabled */
	lapic_enable(true);
	assert_int_equal(msr[0x1b], APIC_PA | EN | EXTD);
	assert_int_equal(msr[0x80f], 0x100 | LAPIC_SPURIOUS_VECTOR);
	assert_int_equal(msr[0x835], 0x700);                /* boot CPU: ExtINT */
	msr[0x1b] = APIC_PA;                                /* another CPU after INIT */
	nbase = 0;
	lapic_enable(false);
	assert_int_equal(msr[0x1b], APIC_PA | EN | EXTD);
	assert_int_equal(nbase, 2);                         /* xAPIC, then x2APIC */
}

/* nox2apic: x2APIC left on (by the kernel before a kexec) is taken down to xAPIC
 * through disabled; another CPU then stays in xAPIC. */
static void test_nox2apic_takes_it_down(void **state)
{
	(void)state;
	reset(true);
	msr[0x802] = 3;
	assert_int_equal(lapic_choose_mode(false), 0);
	assert_int_equal(msr[0x1b], APIC_PA);               /* disabled on the way */
	lapic_enable(true);
	assert_int_equal(msr[0x1b], APIC_PA | EN);
	assert_false(lapic_x2apic());
	assert_int_equal(page[0xf0 / 4], 0x100 | LAPIC_SPURIOUS_VECTOR);   /* MMIO again */
	msr[0x1b] = APIC_PA;
	lapic_enable(false);
	assert_int_equal(msr[0x1b], APIC_PA | EN);
}

/* nox2apic on a CPU whose x2APIC ID xAPIC cannot hold: x2APIC stays. */
static void test_nox2apic_refused_above_254(void **state)
{
	(void)state;
	reset(true);
	msr[0x802] = 256;
	assert_int_equal(lapic_choose_mode(false), -EADDRNOTAVAIL);
	assert_int_equal(nbase, 0);
	lapic_enable(true);
	assert_int_equal(msr[0x1b], APIC_PA | EN | EXTD);
	assert_int_equal(lapic_id(), 256);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xapic),
		cmocka_unit_test(test_x2apic),
		cmocka_unit_test(test_choose_x2apic),
		cmocka_unit_test(test_nox2apic_takes_it_down),
		cmocka_unit_test(test_nox2apic_refused_above_254),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
