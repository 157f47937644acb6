/* Console commands of KHO: `kho status`, `kho dump [raw]`. The test instruments
 * add their verbs apart (SHELL_SUBCMD): `kho corrupt` (kho/cmd_kho_test.c), `kho
 * selftest` and `kho bench-preserve` (kernel/cmd_kho_selftest.c). */
#include <errno.h>
#include <kho.h>
#include <kmalloc.h>
#include <layout.h>
#include <printk.h>
#include <shell.h>
#include <string.h>
#include "kho_priv.h"

struct order_count {
	uint64_t n[KHO_MAX_ORDER + 1];
};

static bool any_node(paddr_t pa, void *arg)
{
	(void)pa;
	(void)arg;
	return true;
}

static int count_block(paddr_t pa, unsigned order, void *arg)
{
	(void)pa;
	((struct order_count *)arg)->n[order]++;
	return 0;
}

#define SUMMARY_NODES 4096

static void summarise(const char *which, paddr_t root)
{
	/* Allocated per call, not static: every kexec zeroes a kernel's .bss, and the
	 * blackout pays for each byte of it. */
	paddr_t *visited = kvmalloc(SUMMARY_NODES * sizeof(paddr_t));
	if (!visited) {
		printk("%s preserved-memory-map at %#llx: no memory to summarise it\n", which,
		       (unsigned long long)root);
		return;
	}
	struct order_count oc = { { 0 } };
	struct kho_radix_walk w = { .node_ok = any_node, .block = count_block, .arg = &oc,
				    .max_nodes = SUMMARY_NODES, .visited = visited };
	int err = kho_radix_walk(root, &w);
	kvfree(visited);
	printk("%s preserved-memory-map at %#llx: %llu tree pages%s\n", which,
	       (unsigned long long)root, (unsigned long long)w.nvisited,
	       err ? " (walk stopped: too many pages to summarise)" : "");
	for (unsigned o = 0; o <= KHO_MAX_ORDER; o++)
		if (oc.n[o])
			printk("  order %2u (%4llu %s): %llu blocks\n", o,
			       1ull << ((o + 2) % 10), o + 2 >= 20 ? "GiB" : o + 2 >= 10 ? "MiB" : "KiB",
			       (unsigned long long)oc.n[o]);
}

static int status(struct shell_ctx *c, paddr_t fdt)
{
	unsigned n;
	const struct kho_scratch *s = kho_scratch_ranges(&n);
	char buf[256];
	size_t len = 0;
	for (unsigned i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%#llx+%#llx",
					i ? "," : "", (unsigned long long)s[i].addr,
					(unsigned long long)s[i].size);
	if (kho_dropped())
		printk("incoming handover refused: %s\n", kho_drop_reason());
	shell_kv(c, "fdt", "%#llx", (unsigned long long)fdt);
	shell_kv(c, "scratch", "%s", buf);
	shell_kv(c, "preserved", "%llu", (unsigned long long)kho_preserved_bytes());
	shell_kv(c, "subtrees", "%d", kho_fdt_count_subtrees(phys_to_virt(fdt)));
	shell_kv(c, "tree-pages", "%llu", (unsigned long long)kho_out_tree()->nodes);
	return 0;
}

/* One line: tag, then n (at most 64) bytes in hex. */
static void hex_line(const char *tag, const uint8_t *b, unsigned n)
{
	char line[129];
	for (unsigned i = 0; i < n && i < 64; i++)
		snprintf(line + 2 * i, 3, "%02x", b[i]);
	printk("%s %s\n", tag, line);
}

static int dump_raw(struct shell_ctx *c, paddr_t fdt)
{
	const uint8_t *b = phys_to_virt(fdt);
	for (unsigned off = 0; off < KHO_FDT_SIZE; off += 64)
		hex_line("fdt-hex", b + off, 64);
	shell_kv(c, "bytes", "%u", KHO_FDT_SIZE);
	return 0;
}

static int dump(paddr_t fdt)
{
	printk("outgoing root FDT at %#llx:\n", (unsigned long long)fdt);
	kho_fdt_print(phys_to_virt(fdt));
	summarise("outgoing", kho_out_tree()->root);
	if (kho_is_boot()) {
		printk("incoming root FDT:\n");
		kho_fdt_print(kho_in.fdt);
	} else if (kho_dropped() && kho_in.fdt) {          /* kept, never trusted */
		printk("incoming root FDT at %#llx (refused: %s):\n",
		       (unsigned long long)kho_in.fdt_pa, kho_drop_reason());
		if (kho_fdt_validate(kho_in.fdt, KHO_FDT_SIZE, NULL, NULL) == 0)
			kho_fdt_print(kho_in.fdt);
		else
			hex_line("fdt-hex", kho_in.fdt, 64);
	}
	return 0;
}

static int cmd_kho(struct shell_ctx *c, int argc, char **argv)
{
	paddr_t fdt = kho_out_fdt();
	bool raw = argc == 3 && !strcmp(argv[1], "dump") && !strcmp(argv[2], "raw");
	if ((argc == 2 && (!strcmp(argv[1], "status") || !strcmp(argv[1], "dump"))) || raw) {
		if (!fdt)
			return shell_err(c, -EOPNOTSUPP, "KHO is off this boot (no scratch memory)");
		return !strcmp(argv[1], "status") ? status(c, fdt) : raw ? dump_raw(c, fdt)
										: dump(fdt);
	}
	return shell_usage(c, "kho", "status | dump [raw]");
}
SHELL_CMD("kho", "status|dump [raw]|...", "Kexec HandOver state", cmd_kho);
