/*
 * The CPU list (model in include/smp.h) and the boot options that limit it. Nothing
 * here touches the local APIC: the boot CPU is named by CPUID, the rest by the MADT.
 */
#include <acpi.h>
#include <cmdline.h>
#include <errno.h>
#include <fault_inject.h>
#include <printk.h>
#include <shell.h>
#include <smp.h>
#include <x86.h>

static bool nosmp;
static uint64_t maxcpus = UINT64_MAX;    /* no limit */

static int set_nosmp(const char *v)
{
	return cmdline_flag(v, &nosmp);
}
BOOT_PARAM("nosmp", set_nosmp);

static int set_maxcpus(const char *v)
{
	uint64_t n;
	if (!v || parse_u64(v, &n))
		return -EINVAL;
	maxcpus = n;
	return 0;
}
BOOT_PARAM("maxcpus", set_maxcpus);

/* The MADT's CPUs, plus the boot CPU where the MADT does not list it. */
static struct smp_cpu cpus[ACPI_CPU_MAX + 1];
static unsigned ncpus;

uint32_t cpu_apic_id(void)
{
	uint32_t r[4];
	cpuid(0, 0, r);
	uint32_t max_leaf = r[0];
	static const uint32_t topology_leaves[] = { 0x1f, 0xb };
	for (unsigned i = 0; i < ARRAY_SIZE(topology_leaves); i++) {
		if (max_leaf < topology_leaves[i])
			continue;
		cpuid(topology_leaves[i], 0, r);
		if (r[1])                       /* EBX 0: the CPU does not have this leaf */
			return r[3];
	}
	cpuid(1, 0, r);
	return r[1] >> 24;
}

void smp_init(uint32_t boot_apic_id)
{
	const struct acpi_cpu *list;
	int n = acpi_cpus(&list);
	uint64_t limit = nosmp || maxcpus == 0 ? 1 : maxcpus;
	uint64_t up = 1;                        /* the boot CPU */
	bool listed = false;
	cpus[0] = (struct smp_cpu){ boot_apic_id, boot_apic_id > 0xfe, CPU_ONLINE };
	ncpus = 1;
	for (int i = 0; i < n && ncpus < ARRAY_SIZE(cpus); i++) {
		if (list[i].apic_id == boot_apic_id) {
			cpus[0].x2apic = list[i].x2apic;
			listed = true;
			continue;
		}
		uint8_t state = CPU_DISABLED;
		if (list[i].enabled && up < limit) {
			state = CPU_OFFLINE;
			up++;
		}
		cpus[ncpus++] = (struct smp_cpu){ list[i].apic_id, list[i].x2apic, state };
	}
	struct smp_list_hook hook = { cpus, &ncpus, ARRAY_SIZE(cpus) };
	fault_hook("smp.list", &hook);          /* KTEST: smp_ghost= adds a CPU that is not there */
	if (n > 0 && !listed)
		printk("smp: warning: the MADT does not list the boot CPU (apic id %u); it is "
		       "cpu 0 all the same\n", boot_apic_id);
}

unsigned smp_cpu_count(void)
{
	return ncpus;
}

const struct smp_cpu *smp_cpu(unsigned i)
{
	return i < ncpus ? &cpus[i] : NULL;
}

const char *smp_state_name(enum cpu_state s)
{
	static const char *const names[] = { "online", "offline", "disabled", "failed",
					      "parked" };
	return (unsigned)s < ARRAY_SIZE(names) ? names[s] : "?";
}

void smp_set_state(unsigned i, enum cpu_state s)
{
	if (i < ncpus)
		cpus[i].state = (uint8_t)s;
}
