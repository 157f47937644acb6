/*
 * kernel/smp.c and kernel/cmd_cpus.c on the host, over a fake acpi_cpus() defined
 * here (the MADT's list as a case gives it): the boot options nosmp and maxcpus=
 * through cmdline_apply_kernel (the .boot_param section, shim/host_sections.ld),
 * then smp_init with a given boot APIC ID, then the `cpus` command through
 * shell_exec_line, its whole output compared. The options stay set once applied,
 * as in a boot, so the cases run in order: none, then maxcpus=, then nosmp.
 */
#define _GNU_SOURCE
#include <acpi.h>
#include <cmdline.h>
#include <lapic.h>
#include <sched.h>
#include <shell_loop.h>
#include <smp.h>
#include <x86.h>
#include "host_test.h"

/* ---- the fake MADT list ---- */

static struct acpi_cpu madt[ACPI_CPU_MAX];
static int nmadt;

/* kernel/irq.c's counters, which `cpus` prints: nothing was dropped here. */
uint64_t irq_spurious(void) { return 0; }
uint64_t irq_unknown(void) { return 0; }
bool lapic_present(void) { return true; }
bool lapic_x2apic(void) { return false; }

int acpi_cpus(const struct acpi_cpu **list)
{
	*list = madt;
	return nmadt;
}

#define EN(id) { .apic_id = (id), .enabled = true }
#define OC(id) { .apic_id = (id), .enabled = false }           /* online-capable */
#define X2(id) { .apic_id = (id), .x2apic = true, .enabled = true }

static const struct acpi_cpu qemu4[] = { EN(0), EN(1), EN(2), EN(3) };
static const struct acpi_cpu mixed[] = { EN(2), OC(4), EN(0), X2(0x100), OC(1), EN(3) };

struct smp_case {
	const char *name;
	const char *cmdline;        /* applied before smp_init (NULL: nothing) */
	int warnings;               /* cmdline_apply_kernel's count */
	const struct acpi_cpu *list;
	int n;
	uint32_t boot;              /* the boot CPU's APIC ID */
	const char *out;            /* the log: warnings, then `cpus`'s whole output */
};

static const struct smp_case cases[] = {
	{ "qemu4", NULL, 0, qemu4, 4, 0,
	  "cpu 0 apic=0 x2apic=0 state=online\n"
	  "cpu 1 apic=1 x2apic=0 state=offline\n"
	  "cpu 2 apic=2 x2apic=0 state=offline\n"
	  "cpu 3 apic=3 x2apic=0 state=offline\n"
	  "ok online=1 found=4 spurious=0 unexpected=0 apic=xapic\n" },
	{ "boot CPU third in the table", NULL, 0, mixed, 6, 0,
	  "cpu 0 apic=0 x2apic=0 state=online\n"
	  "cpu 1 apic=2 x2apic=0 state=offline\n"
	  "cpu 2 apic=4 x2apic=0 state=disabled\n"
	  "cpu 3 apic=256 x2apic=1 state=offline\n"
	  "cpu 4 apic=1 x2apic=0 state=disabled\n"
	  "cpu 5 apic=3 x2apic=0 state=offline\n"
	  "ok online=1 found=6 spurious=0 unexpected=0 apic=xapic\n" },
	{ "boot CPU online-capable only", NULL, 0, mixed, 6, 4,
	  "cpu 0 apic=4 x2apic=0 state=online\n"
	  "cpu 1 apic=2 x2apic=0 state=offline\n"
	  "cpu 2 apic=0 x2apic=0 state=offline\n"
	  "cpu 3 apic=256 x2apic=1 state=offline\n"
	  "cpu 4 apic=1 x2apic=0 state=disabled\n"
	  "cpu 5 apic=3 x2apic=0 state=offline\n"
	  "ok online=1 found=6 spurious=0 unexpected=0 apic=xapic\n" },
	{ "boot CPU an x2APIC", NULL, 0, mixed, 6, 0x100,
	  "cpu 0 apic=256 x2apic=1 state=online\n"
	  "cpu 1 apic=2 x2apic=0 state=offline\n"
	  "cpu 2 apic=4 x2apic=0 state=disabled\n"
	  "cpu 3 apic=0 x2apic=0 state=offline\n"
	  "cpu 4 apic=1 x2apic=0 state=disabled\n"
	  "cpu 5 apic=3 x2apic=0 state=offline\n"
	  "ok online=1 found=6 spurious=0 unexpected=0 apic=xapic\n" },
	{ "boot CPU not in the table", NULL, 0, qemu4, 2, 7,
	  "smp: warning: the MADT does not list the boot CPU (apic id 7); it is cpu 0 all the "
	  "same\n"
	  "cpu 0 apic=7 x2apic=0 state=online\n"
	  "cpu 1 apic=0 x2apic=0 state=offline\n"
	  "cpu 2 apic=1 x2apic=0 state=offline\n"
	  "ok online=1 found=3 spurious=0 unexpected=0 apic=xapic\n" },
	{ "unlisted boot CPU past 254", NULL, 0, qemu4, 1, 300,
	  "smp: warning: the MADT does not list the boot CPU (apic id 300); it is cpu 0 all the "
	  "same\n"
	  "cpu 0 apic=300 x2apic=1 state=online\n"
	  "cpu 1 apic=0 x2apic=0 state=offline\n"
	  "ok online=1 found=2 spurious=0 unexpected=0 apic=xapic\n" },
	{ "no MADT", NULL, 0, NULL, 0, 0,
	  "cpu 0 apic=0 x2apic=0 state=online\n"
	  "ok online=1 found=1 spurious=0 unexpected=0 apic=xapic\n" },
	{ "maxcpus=3", "maxcpus=3", 0, mixed, 6, 0,
	  "cpu 0 apic=0 x2apic=0 state=online\n"
	  "cpu 1 apic=2 x2apic=0 state=offline\n"
	  "cpu 2 apic=4 x2apic=0 state=disabled\n"
	  "cpu 3 apic=256 x2apic=1 state=offline\n"
	  "cpu 4 apic=1 x2apic=0 state=disabled\n"
	  "cpu 5 apic=3 x2apic=0 state=disabled\n"
	  "ok online=1 found=6 spurious=0 unexpected=0 apic=xapic\n" },
	{ "bad values keep maxcpus=3", "maxcpus=x maxcpus maxcpus=-1 maxcpus=", 4, qemu4, 4, 0,
	  "cmdline: warning: maxcpus=x refused (-22); ignored\n"
	  "cmdline: warning: maxcpus refused (-22); ignored\n"
	  "cmdline: warning: maxcpus=-1 refused (-22); ignored\n"
	  "cmdline: warning: maxcpus= refused (-22); ignored\n"
	  "cpu 0 apic=0 x2apic=0 state=online\n"
	  "cpu 1 apic=1 x2apic=0 state=offline\n"
	  "cpu 2 apic=2 x2apic=0 state=offline\n"
	  "cpu 3 apic=3 x2apic=0 state=disabled\n"
	  "ok online=1 found=4 spurious=0 unexpected=0 apic=xapic\n" },
	{ "maxcpus=1", "maxcpus=1", 0, qemu4, 4, 2,
	  "cpu 0 apic=2 x2apic=0 state=online\n"
	  "cpu 1 apic=0 x2apic=0 state=disabled\n"
	  "cpu 2 apic=1 x2apic=0 state=disabled\n"
	  "cpu 3 apic=3 x2apic=0 state=disabled\n"
	  "ok online=1 found=4 spurious=0 unexpected=0 apic=xapic\n" },
	{ "maxcpus=0 is nosmp", "maxcpus=0", 0, qemu4, 4, 0,
	  "cpu 0 apic=0 x2apic=0 state=online\n"
	  "cpu 1 apic=1 x2apic=0 state=disabled\n"
	  "cpu 2 apic=2 x2apic=0 state=disabled\n"
	  "cpu 3 apic=3 x2apic=0 state=disabled\n"
	  "ok online=1 found=4 spurious=0 unexpected=0 apic=xapic\n" },
	{ "maxcpus=0x40", "maxcpus=0x40", 0, qemu4, 4, 0,
	  "cpu 0 apic=0 x2apic=0 state=online\n"
	  "cpu 1 apic=1 x2apic=0 state=offline\n"
	  "cpu 2 apic=2 x2apic=0 state=offline\n"
	  "cpu 3 apic=3 x2apic=0 state=offline\n"
	  "ok online=1 found=4 spurious=0 unexpected=0 apic=xapic\n" },
	{ "nosmp= refused", "nosmp=1 nosmp=", 2, qemu4, 4, 0,
	  "cmdline: warning: nosmp=1 refused (-22); ignored\n"
	  "cmdline: warning: nosmp= refused (-22); ignored\n"
	  "cpu 0 apic=0 x2apic=0 state=online\n"
	  "cpu 1 apic=1 x2apic=0 state=offline\n"
	  "cpu 2 apic=2 x2apic=0 state=offline\n"
	  "cpu 3 apic=3 x2apic=0 state=offline\n"
	  "ok online=1 found=4 spurious=0 unexpected=0 apic=xapic\n" },
	{ "nosmp wins over maxcpus=", "nosmp maxcpus=4", 0, mixed, 6, 3,
	  "cpu 0 apic=3 x2apic=0 state=online\n"
	  "cpu 1 apic=2 x2apic=0 state=disabled\n"
	  "cpu 2 apic=4 x2apic=0 state=disabled\n"
	  "cpu 3 apic=0 x2apic=0 state=disabled\n"
	  "cpu 4 apic=256 x2apic=1 state=disabled\n"
	  "cpu 5 apic=1 x2apic=0 state=disabled\n"
	  "ok online=1 found=6 spurious=0 unexpected=0 apic=xapic\n" },
};

static void test_cpus(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct smp_case *c = &cases[i];
		printk_log_reset();
		if (c->cmdline && cmdline_apply_kernel(c->cmdline) != c->warnings)
			case_fail("case %s: warnings\n%s", c->name, printk_log());
		if (c->n)
			memcpy(madt, c->list, sizeof(*c->list) * (size_t)c->n);
		nmadt = c->n;
		smp_init(c->boot);
		char line[] = "cpus";
		shell_exec_line(line);
		if (strcmp(printk_log(), c->out))
			case_fail("case %s: printed\n%s want\n%s", c->name, printk_log(), c->out);
	}
}

/* A full MADT list without the boot CPU: 65 CPUs, the last 63 past nosmp. */
static void test_full_list(void **state)
{
	(void)state;
	for (unsigned i = 0; i < ACPI_CPU_MAX; i++)
		madt[i] = (struct acpi_cpu){ .apic_id = i, .enabled = true };
	nmadt = ACPI_CPU_MAX;
	smp_init(1000);
	assert_int_equal(smp_cpu_count(), ACPI_CPU_MAX + 1);
	assert_int_equal(smp_cpu(0)->apic_id, 1000);
	assert_int_equal(smp_cpu(0)->state, CPU_ONLINE);
	assert_int_equal(smp_cpu(ACPI_CPU_MAX)->apic_id, ACPI_CPU_MAX - 1);
	assert_int_equal(smp_cpu(ACPI_CPU_MAX)->state, CPU_DISABLED);
	assert_null(smp_cpu(ACPI_CPU_MAX + 1));
	printk_log_reset();
	char line[] = "cpus 1";
	shell_exec_line(line);
	assert_golden(printk_log(), "error: EINVAL: usage: cpus\n");
}

/* The CPUID helper on the machine the test runs on, pinned to one CPU: leaf 1's
 * 8-bit initial APIC ID is the low byte of the x2APIC ID wherever both exist. */
static void test_cpu_apic_id(void **state)
{
	uint32_t r[4];
	cpu_set_t one;
	(void)state;
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	if (sched_setaffinity(0, sizeof(one), &one))
		skip();
	cpuid(1, 0, r);
	assert_int_equal(cpu_apic_id() & 0xff, r[1] >> 24);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpus),
		cmocka_unit_test(test_full_list),
		cmocka_unit_test(test_cpu_apic_id),
	};
	return cmocka_run_group_tests_name("smp", tests, NULL, NULL);
}
