/*
 * PVH adapter: QEMU's -kernel enters through the ELF note with EBX pointing at
 * struct pvh_start_info (version 1 carries the memory map). Command line, module
 * list and memory map are read with bounds and must lie in the first 4 GiB. A module
 * has a name only if the producer gave it a command line; QEMU gives its -initrd
 * none, so it is "mod0" (a cpio archive there is expanded into named modules).
 */
#include <abi/pvh.h>
#include <boot_info.h>
#include <errno.h>
#include <layout.h>
#include <printk.h>
#include <string.h>

static bool reachable(paddr_t pa, uint64_t size)
{
	return pa != 0 && pa + size >= pa && pa + size <= BOOT_MAP_LIMIT;
}

static size_t copy_cstring(char *dst, size_t size, paddr_t pa)
{
	if (!reachable(pa, 1))
		return 0;
	size_t max = MIN((uint64_t)size - 1, BOOT_MAP_LIMIT - pa);
	size_t n = strnlen(phys_to_virt(pa), max);
	memcpy(dst, phys_to_virt(pa), n);
	dst[n] = 0;
	return n;
}

static int parse_memmap(struct boot_info *bi, const struct pvh_start_info *si)
{
	uint64_t mlen = (uint64_t)si->memmap_entries * sizeof(struct pvh_memmap_entry);
	if (si->memmap_entries == 0 || si->memmap_entries > 4 * BOOT_MEM_MAX ||
	    !reachable(si->memmap_paddr, mlen)) {
		printk("boot: PVH memory map (%u entries at %#llx) is not usable\n",
		       si->memmap_entries, (unsigned long long)si->memmap_paddr);
		return -EINVAL;
	}
	const struct pvh_memmap_entry *e = phys_to_virt(si->memmap_paddr);
	for (uint32_t i = 0; i < si->memmap_entries; i++)
		boot_info_add_mem(bi, e[i].addr, e[i].size, e[i].type);
	return 0;
}

/* A bad module list is a warning: the boot goes on without modules. */
static void parse_modules(struct boot_info *bi, const struct pvh_start_info *si)
{
	uint64_t len = (uint64_t)si->nr_modules * sizeof(struct pvh_mod_entry);
	if (si->nr_modules > BOOT_MOD_MAX || !reachable(si->modlist_paddr, len)) {
		printk("boot: warning: PVH module list (%u at %#llx) ignored\n", si->nr_modules,
		       (unsigned long long)si->modlist_paddr);
		bi->warnings++;
		return;
	}
	const struct pvh_mod_entry *m = phys_to_virt(si->modlist_paddr);
	for (uint32_t i = 0; i < si->nr_modules; i++) {
		char name[BOOT_MOD_NAME_MAX] = "";
		if (m[i].cmdline_paddr)
			copy_cstring(name, sizeof(name), m[i].cmdline_paddr);
		boot_info_add_module(bi, m[i].paddr, m[i].size, name, sizeof(name));
	}
}

int pvh_parse(paddr_t info_pa, struct boot_info *bi)
{
	if (!reachable(info_pa, sizeof(struct pvh_start_info))) {
		printk("boot: PVH start info at %#llx is not usable\n", (unsigned long long)info_pa);
		return -EINVAL;
	}
	const struct pvh_start_info *si = phys_to_virt(info_pa);
	if (si->magic != PVH_START_MAGIC || si->version < 1) {
		printk("boot: PVH start info magic %#x version %u not supported\n", si->magic,
		       si->version);
		return -EINVAL;
	}
	bi->info_addr = info_pa;
	bi->info_size = sizeof(*si);
	strlcpy(bi->loader, "QEMU PVH", sizeof(bi->loader));
	if (si->cmdline_paddr)
		copy_cstring(bi->cmdline, sizeof(bi->cmdline), si->cmdline_paddr);
	if (parse_memmap(bi, si))
		return -EINVAL;
	if (si->nr_modules)
		parse_modules(bi, si);
	if (si->rsdp_paddr && reachable(si->rsdp_paddr, 36)) {
		bi->rsdp_addr = si->rsdp_paddr;
		memcpy(bi->rsdp, phys_to_virt(si->rsdp_paddr), 36);
		bi->rsdp_len = memcmp(bi->rsdp, "RSD PTR ", 8) == 0 ? (bi->rsdp[15] >= 2 ? 36 : 20) : 0;
	}
	return 0;
}
