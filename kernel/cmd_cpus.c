/*
 * `cpus`: the CPUs Baton knows (include/smp.h), one line each, cpu 0 the boot CPU:
 *   cpu 0 apic=0 x2apic=0 state=online
 * then `ok online=N found=N spurious=N unexpected=N apic=MODE` (found: the lines
 * before it; spurious: the APIC's spurious vector taken; unexpected: vectors
 * nothing sends; MODE: x2apic, xapic, or none, the mode every CPU runs in).
 */
#include <errno.h>
#include <lapic.h>
#include <printk.h>
#include <shell.h>
#include <smp.h>
#include <trap.h>

static int cmd_cpus(struct shell_ctx *c, int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return shell_err(c, -EINVAL, "usage: cpus");
	unsigned online = 0;
	for (unsigned i = 0; i < smp_cpu_count(); i++) {
		const struct smp_cpu *cpu = smp_cpu(i);
		printk("cpu %u apic=%u x2apic=%u state=%s\n", i, cpu->apic_id, cpu->x2apic,
		       smp_state_name(cpu->state));
		online += cpu->state == CPU_ONLINE;
	}
	shell_kv(c, "online", "%u", online);
	shell_kv(c, "found", "%u", smp_cpu_count());
	shell_kv(c, "spurious", "%llu", (unsigned long long)irq_spurious());
	shell_kv(c, "unexpected", "%llu", (unsigned long long)irq_unknown());
	shell_kv(c, "apic", "%s", !lapic_present() ? "none" : lapic_x2apic() ? "x2apic" : "xapic");
	return 0;
}
SHELL_CMD("cpus", "", "CPUs found in the MADT and their state", cmd_cpus);
