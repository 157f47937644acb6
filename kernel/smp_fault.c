/*
 * The boot option smp_ghost=APICID (a test instrument, KTEST=1 only; docs/console.md):
 * the CPU list gets one more enabled CPU with that APIC ID, which no processor
 * answers, so the bring-up's bound on a silent CPU is exercised: it must be logged
 * and skipped, never waited for without end.
 */
#include <cmdline.h>
#include <errno.h>
#include <fault_inject.h>
#include <shell.h>
#include <smp.h>

static bool ghost;
static uint32_t ghost_apic;

static int set_ghost(const char *v)
{
	uint64_t id;
	if (!v || parse_u64(v, &id) || id > 0xfe)
		return -EINVAL;
	ghost = true;
	ghost_apic = (uint32_t)id;
	return 0;
}
BOOT_PARAM("smp_ghost", set_ghost);

static int add_ghost(void *ctx)
{
	struct smp_list_hook *h = ctx;
	if (ghost && *h->n < h->cap)
		h->cpus[(*h->n)++] = (struct smp_cpu){ ghost_apic, false, CPU_OFFLINE };
	return 0;
}
FAULT_HANDLER("smp.list", add_ghost);
