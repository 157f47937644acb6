/*
 * Breaking the handover on purpose (a test instrument, built with KTEST=1;
 * docs/console.md): `kho corrupt KIND` arms one kind, and from then on every
 * finalized handover is broken that way at the "kho.finalized" fault site, after
 * KHO has written it: magic (the FDT's first byte), size (half the FDT), compat
 * ("kho-v3"), range-ram (a block past the end of RAM), range-scratch (a block in
 * scratch), node-self (a tree node that points at itself), meta-ram and
 * timeline-ram (the kexec-metadata or baton-timeline subtree's preserved-data
 * moved past the end of RAM, where nothing may be read). The next kernel must
 * refuse each with its reason and boot cold. When the handover is undone (a failed
 * exec, `kexec unload` after `kexec finalize`: the "kho.unfinalized" site), what was
 * broken is mended, so the next finalize breaks a sound handover again.
 */
#include <errno.h>
#include <fault_inject.h>
#include <abi/baton.h>
#include <abi/kho.h>
#include <kho.h>
#include <layout.h>
#include <libfdt.h>
#include <memblock.h>
#include <printk.h>
#include <string.h>
#include "kho_priv.h"

static const char *corruption;
static const char *const kinds[] = { "magic", "size", "compat", "range-ram",
				     "range-scratch", "node-self", "meta-ram", "timeline-ram",
				     NULL };

int kho_set_corruption(const char *kind)
{
	for (unsigned i = 0; kinds[i]; i++)
		if (strcmp(kind, kinds[i]) == 0) {
			corruption = kinds[i];
			return 0;
		}
	return -EINVAL;
}

/* What the last corruption changed, for mend(). */
static struct {
	uint8_t *byte, was;                   /* magic, compat */
	paddr_t block;                        /* range-ram, range-scratch: added */
	uint64_t *entry;                      /* node-self */
	uint8_t *data;                        /* meta-ram, timeline-ram: preserved-data */
	uint64_t data_was;
} undo;

/* The first address past RAM, rounded up to a GiB, plus a GiB: nothing is there. */
static paddr_t past_ram(void)
{
	uint64_t end = 0;
	for (unsigned i = 0; i < memblock.memory.cnt; i++)
		end = MAX(end, memblock.memory.regions[i].base + memblock.memory.regions[i].size);
	return ALIGN_UP(end, (paddr_t)GiB) + GiB;
}

/* Point subtree name's preserved-data past the end of RAM. */
static void move_subtree(void *f, const char *name)
{
	int len, node = fdt_subnode_offset(f, 0, name);
	uint8_t *p = node < 0 ? NULL : fdt_getprop_w(f, node, KHO_FDT_SUB_DATA, &len);
	if (!p || len != sizeof(uint64_t))
		return;
	paddr_t pa = past_ram();                  /* the ABI's u64s are little-endian */
	undo.data = p;
	memcpy(&undo.data_was, p, sizeof(pa));
	memcpy(p, &pa, sizeof(pa));
}

static int corrupt(void *ctx)
{
	struct kho_data *kd = ctx;
	struct kho_radix *tree = kho_out_tree();
	uint8_t *f = phys_to_virt(kho_out_fdt());
	if (!corruption)
		return 0;
	printk("kho: corrupting the handover on purpose: %s\n", corruption);
	if (!strcmp(corruption, "magic")) {
		undo.byte = &f[0];
		undo.was = f[0];
		f[0] ^= 0xff;
	} else if (!strcmp(corruption, "size")) {
		kd->fdt_size = KHO_FDT_SIZE / 2;     /* the description only: nothing to mend */
	} else if (!strcmp(corruption, "compat")) {
		char *c = memchr(f, 'k', KHO_FDT_SIZE);
		while (c && memcmp(c, KHO_FDT_COMPATIBLE, 6))
			c = memchr(c + 1, 'k', KHO_FDT_SIZE - (size_t)(c + 1 - (char *)f));
		if (c) {
			undo.byte = (uint8_t *)&c[5];
			undo.was = (uint8_t)c[5];
			c[5] = '3';                  /* "kho-v3" */
		}
	} else if (!strcmp(corruption, "range-ram")) {
		undo.block = past_ram();
		kho_radix_add(tree, undo.block, 0);
	} else if (!strcmp(corruption, "range-scratch")) {
		unsigned n;
		const struct kho_scratch *s = kho_scratch_ranges(&n);
		undo.block = s[n - 1].addr;
		kho_radix_add(tree, undo.block, 0);
	} else if (!strcmp(corruption, "node-self")) {
		uint64_t *root = phys_to_virt(tree->root);
		for (unsigned i = 0; i < 512; i++)
			if (!root[i]) {
				root[i] = tree->root;         /* a node that points at itself */
				undo.entry = &root[i];
				break;
			}
	} else if (!strcmp(corruption, "meta-ram")) {
		move_subtree(f, KHO_KEXEC_METADATA_NAME);
	} else if (!strcmp(corruption, "timeline-ram")) {
		move_subtree(f, BATON_TIMELINE_NAME);
	}
	return 0;
}
FAULT_HANDLER("kho.finalized", corrupt);

static int mend(void *ctx)
{
	(void)ctx;
	if (undo.byte)
		*undo.byte = undo.was;
	if (undo.block)
		kho_radix_del(kho_out_tree(), undo.block, 0);
	if (undo.entry)
		*undo.entry = 0;
	if (undo.data)
		memcpy(undo.data, &undo.data_was, sizeof(undo.data_was));
	undo.data = NULL;
	undo.byte = NULL;
	undo.block = 0;
	undo.entry = NULL;
	return 0;
}
FAULT_HANDLER("kho.unfinalized", mend);
