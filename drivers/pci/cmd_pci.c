/*
 * `pci`: the functions found at boot, one line each, for debugging:
 *   0000:00:04.0 1af4:1042 class=010000 driver=virtio-blk bar1=mem32:0xfebd1000+0x1000 ...
 * then `ok devices=N access=ecam|legacy`. A function in a live update's pci-v2 list
 * says so: lu=in (kept by the previous kernel, not finished), lu=out (kept for the
 * next kernel), lu=in,out.
 */
#include <errno.h>
#include <pci.h>
#include <printk.h>
#include <shell.h>
#include <string.h>

static int cmd_pci(struct shell_ctx *c, int argc, char **argv)
{
	if (argc > 2 || (argc == 2 && strcmp(argv[1], "list")))
		return shell_err(c, -EINVAL, "usage: pci [list]");
	for (unsigned i = 0; i < pci_count(); i++) {
		const struct pci_dev *d = pci_get(i);
		char line[400];
		int n = snprintf(line, sizeof(line), "%s %04x:%04x class=%06x driver=%s", d->name,
				 d->vendor, d->device, d->class_code, d->driver ? d->driver : "none");
		for (unsigned b = 0; b < PCI_NUM_BARS && n > 0 && (size_t)n < sizeof(line); b++) {
			const struct pci_bar *r = &d->bar[b];
			if (r->size)
				n += snprintf(line + n, sizeof(line) - (size_t)n, " bar%u=%s:%#llx+%#llx",
					      b, r->io ? "io" : r->is64 ? "mem64" : "mem32",
					      (unsigned long long)r->base, (unsigned long long)r->size);
		}
		if ((d->lu_in || d->lu_out) && n > 0 && (size_t)n < sizeof(line))
			snprintf(line + n, sizeof(line) - (size_t)n, " lu=%s",
				 d->lu_in && d->lu_out ? "in,out" : d->lu_in ? "in" : "out");
		printk("%s\n", line);
	}
	shell_kv(c, "devices", "%u", pci_count());
	shell_kv(c, "access", "%s", pci_access());
	return 0;
}
SHELL_CMD("pci", "[list]", "PCI functions found at boot", cmd_pci);
