/*
 * Scratch memory (model in include/kho.h).
 *
 * Cold boot: two ranges. The kernel slot [KERNEL_PHYS, +KERNEL_SLOT_SIZE), where
 * every kernel of the chain runs, reserved whole (kexec copies the next image
 * there); and a global area below 4 GiB for everything a kernel needs before it
 * has reserved the preserved memory, and for kexec images and boot information.
 * Its size: kho_scratch=N% of Baton's early footprint (kernel image, memmap, page
 * tables; 200 % by default), or kho_scratch=L,G,P (Linux's lowmem, global and
 * per-node sizes, added up: Baton has one node), never below 16 MiB.
 *
 * Live-update boot: the incoming array is checked (entry count, alignment, RAM,
 * below 4 GiB, no overlap, the kernel slot inside) and reused unchanged; the option
 * is then ignored, as in Linux. If the array fails a check the handover is dropped
 * and scratch is chosen as on a cold boot.
 */
#include <boot_info.h>
#include <cmdline.h>
#include <errno.h>
#include <kho.h>
#include <layout.h>
#include <memblock.h>
#include <printk.h>
#include <shell.h>
#include <string.h>
#include "kho_priv.h"

#define SCRATCH_MIN (16 * MiB)

static struct kho_scratch scratch[KHO_SCRATCH_MAX];
static unsigned nscratch;
static uint64_t scale_pct = 200, explicit_bytes;

struct kho_in kho_in;

const struct kho_scratch *kho_scratch_ranges(unsigned *n)
{
	*n = nscratch;
	return scratch;
}

bool kho_in_scratch(paddr_t pa, uint64_t size)
{
	for (unsigned i = 0; i < nscratch; i++)
		if (pa < scratch[i].addr + scratch[i].size && scratch[i].addr < pa + size)
			return true;
	return false;
}

void kho_drop(const char *why)
{
	kho_in.dropped = true;
	kho_in.active = false;
	kho_in.why = why;
	memblock.scratch_only = false;
	printk("kho: incoming handover refused: %s; booting cold (pages are zeroed before "
	       "they are handed out)\n", why);
	mm_scrub_on_alloc();
}

static bool is_ram(uint64_t pa, uint64_t size)
{
	return memblock_is_memory(&memblock, pa, size);
}

/* The rules (kho_scratch_rules.c, shared with kho-inspect), in their order. */
static const char *check_incoming(const struct boot_info *bi)
{
	const struct boot_kho *k = &bi->kho;
	const char *why = kho_scratch_array_bad(k->scratch_size);
	if (why)
		return why;
	if (k->scratch_addr + k->scratch_size < k->scratch_addr ||
	    k->scratch_addr + k->scratch_size > BOOT_MAP_LIMIT ||
	    !is_ram(k->scratch_addr, k->scratch_size))
		return "scratch array outside RAM";
	unsigned n = (unsigned)(k->scratch_size / sizeof(struct kho_scratch));
	const struct kho_scratch *in = phys_to_virt(k->scratch_addr);
	bool slot = false;
	for (unsigned i = 0; i < n; i++) {
		struct kho_scratch s = in[i];
		if ((why = kho_scratch_range_bad(&s, is_ram)))
			return why;
		for (unsigned j = 0; j < i; j++)
			if ((why = kho_scratch_overlap(&s, &scratch[j])))
				return why;
		slot |= kho_scratch_holds_slot(&s);
		scratch[i] = s;
	}
	if (!slot)
		return KHO_SCRATCH_NO_SLOT;
	nscratch = n;
	return NULL;
}

static uint64_t global_size(const struct boot_info *bi)
{
	if (explicit_bytes)
		return MAX(ALIGN_UP(explicit_bytes, 2 * MiB), SCRATCH_MIN);
	/* The memmap is 16 bytes per frame of RAM (holes cost none: mm/memmap.c). */
	uint64_t ram = memblock_total(&memblock.memory);
	uint64_t footprint = (bi->kernel_end - bi->kernel_start) + (ram >> PAGE_SHIFT) * 16 + MiB;
	return MAX(ALIGN_UP(footprint * scale_pct / 100, 2 * MiB), SCRATCH_MIN);
}

static void cold(const struct boot_info *bi)
{
	nscratch = 0;
	if (!memblock_is_memory(&memblock, KERNEL_PHYS, KERNEL_SLOT_SIZE)) {
		printk("kho: warning: the kernel slot [%#x-%#llx) is not all RAM; no live update\n",
		       KERNEL_PHYS, (unsigned long long)(KERNEL_PHYS + KERNEL_SLOT_SIZE));
		return;
	}
	scratch[nscratch++] = (struct kho_scratch){ KERNEL_PHYS, KERNEL_SLOT_SIZE };
	memblock_reserve(&memblock, KERNEL_PHYS, KERNEL_SLOT_SIZE);   /* before the search */
	for (uint64_t size = global_size(bi); size >= 4 * MiB; size /= 2) {
		paddr_t pa = memblock_alloc(&memblock, size, 2 * MiB);   /* below 4 GiB */
		if (!pa)
			continue;
		memblock_unreserve(&memblock, pa, size);   /* free memory, in ZONE_SCRATCH */
		scratch[nscratch++] = (struct kho_scratch){ pa, size };
		return;
	}
	printk("kho: warning: no room for scratch memory; no live update\n");
	nscratch = 0;
}

void kho_scratch_init(struct boot_info *bi)
{
	if (bi->kho.present) {
		const char *why = check_incoming(bi);
		if (why) {
			kho_drop(why);
		} else {
			/* The array is copied (scratch[]) and never read again: its page is
			 * not kept, so it is free memory from the first allocation on. */
			kho_in.active = true;
		}
	}
	if (!kho_in.active)
		cold(bi);
	for (unsigned i = 0; i < nscratch; i++)
		memblock_add_scratch(&memblock, scratch[i].addr, scratch[i].size);
	if (nscratch)
		memblock_reserve(&memblock, KERNEL_PHYS, KERNEL_SLOT_SIZE);
	memblock.scratch_only = kho_in.active;
}

/* kho_scratch=N% or kho_scratch=L,G,P (sizes with K/M/G). */
static int set_kho_scratch(const char *v)
{
	char buf[64];
	uint64_t n, total = 0;
	if (!v || strlen(v) >= sizeof(buf))
		return -EINVAL;
	strlcpy(buf, v, sizeof(buf));
	size_t len = strlen(buf);
	if (len > 1 && buf[len - 1] == '%') {
		buf[len - 1] = 0;
		if (parse_u64(buf, &n) || n == 0 || n > 10000)
			return -EINVAL;
		scale_pct = n;
		return 0;
	}
	char *p = buf;
	for (int i = 0; i < 3; i++) {
		char *comma = strchr(p, ',');
		if ((i < 2) != (comma != NULL))
			return -EINVAL;                  /* exactly three sizes */
		if (comma)
			*comma = 0;
		if (parse_size(p, &n) || total + n < total)
			return -EINVAL;
		total += n;
		p = comma + 1;
	}
	if (total == 0)
		return -EINVAL;
	explicit_bytes = total;
	return 0;
}
BOOT_PARAM("kho_scratch", set_kho_scratch);
