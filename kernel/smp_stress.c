/*
 * An allocator stress on every other CPU (a test instrument, KTEST=1 only;
 * docs/console.md): `cpus stress on` gives each online AP a loop that allocates and
 * frees blocks of orders 0 to 3 at random (through the per-CPU caches and the
 * zones), holding up to STRESS_HELD at a time, each block's first word stamped and
 * checked; `cpus stress off` ends the loops and waits for them, every block freed,
 * and answers `ok cpus=N allocs=A frees=F` (A = F, or something was lost). The loops
 * also end, their blocks freed, when a kexec parks the CPUs; the boot option
 * smp_stress starts them in every kernel of a chain.
 */
#include <cmdline.h>
#include <errno.h>
#include <initcall.h>
#include <mm.h>
#include <panic.h>
#include <percpu.h>
#include <shell.h>
#include <smp.h>
#include <string.h>

#define STRESS_HELD 64

struct stress {
	uint64_t allocs, frees, checks;
	bool stop;
};

static struct stress st[CPU_MAX];
static bool running, at_boot;

static void loop(void *arg)
{
	struct stress *s = arg;
	paddr_t held[STRESS_HELD] = { 0 };
	unsigned order[STRESS_HELD] = { 0 };
	uint64_t x = 0x9e3779b97f4a7c15ull * (cpu_id() + 1);
	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE) && !smp_stopping()) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		unsigned k = (unsigned)(x % STRESS_HELD);
		if (held[k]) {
			uint64_t *w = page_virt(held[k]);
			BUG_ON(*w != (held[k] ^ cpu_id()), "stress: block %#llx changed under cpu %u",
			       (unsigned long long)held[k], cpu_id());
			page_free(held[k], order[k]);
			held[k] = 0;
			__atomic_fetch_add(&s->frees, 1, __ATOMIC_RELAXED);
			continue;
		}
		order[k] = (unsigned)((x >> 32) % 4);
		held[k] = page_alloc(order[k], 0);
		if (!held[k])
			continue;
		*(uint64_t *)page_virt(held[k]) = held[k] ^ cpu_id();
		__atomic_fetch_add(&s->allocs, 1, __ATOMIC_RELAXED);
	}
	for (unsigned k = 0; k < STRESS_HELD; k++)
		if (held[k]) {
			page_free(held[k], order[k]);
			__atomic_fetch_add(&s->frees, 1, __ATOMIC_RELAXED);
		}
}

static unsigned start(void)
{
	unsigned n = 0;
	for (unsigned i = 1; i < smp_cpu_count() && i < CPU_MAX; i++) {
		st[i] = (struct stress){ 0 };
		n += !smp_post(i, loop, &st[i]);
	}
	running = n > 0;
	return n;
}

static int cmd_stress(struct shell_ctx *c, int argc, char **argv)
{
	if (argc != 3 || (strcmp(argv[2], "on") && strcmp(argv[2], "off")))
		return shell_err(c, -EINVAL, "usage: cpus stress on|off");
	if (!strcmp(argv[2], "on")) {
		if (running)
			return shell_err(c, -EBUSY, "the stress is running already");
		unsigned n = start();
		if (!n)
			return shell_err(c, -ENODEV, "no other CPU is online");
		shell_kv(c, "cpus", "%u", n);
		return 0;
	}
	uint64_t allocs = 0, frees = 0;
	unsigned n = 0;
	for (unsigned i = 1; i < smp_cpu_count() && i < CPU_MAX; i++) {
		__atomic_store_n(&st[i].stop, true, __ATOMIC_RELEASE);
		if (smp_cpu(i)->state == CPU_ONLINE && !smp_wait(i)) {
			n++;
			allocs += st[i].allocs;
			frees += st[i].frees;
		}
	}
	running = false;
	shell_kv(c, "cpus", "%u", n);
	shell_kv(c, "allocs", "%llu", (unsigned long long)allocs);
	shell_kv(c, "frees", "%llu", (unsigned long long)frees);
	return 0;
}
SHELL_SUBCMD("cpus", "stress", "on|off", cmd_stress);

static int set_stress(const char *v)
{
	return cmdline_flag(v, &at_boot);
}
BOOT_PARAM("smp_stress", set_stress);

static void stress_at_boot(void)
{
	if (at_boot)
		start();
}
LATE_INITCALL(50, stress_at_boot);
