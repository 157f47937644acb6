/*
 * Xen/QEMU PVH direct boot: the ELF note that advertises the 32-bit entry and the
 * start-info block whose physical address arrives in EBX. Layout of version 1 (facts
 * from Xen's public arch-x86/hvm/start_info.h). Entry state: 32-bit protected mode,
 * paging off, interrupts off.
 */
#ifndef ABI_PVH_H
#define ABI_PVH_H

#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define PVH_START_MAGIC   0x336ec578u

#define PVH_MEM_RAM       1
#define PVH_MEM_RESERVED  2
#define PVH_MEM_ACPI      3
#define PVH_MEM_NVS       4
#define PVH_MEM_UNUSABLE  5

#ifndef __ASSEMBLY__
#include <stdint.h>

struct pvh_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr;    /* version >= 1 */
	uint32_t memmap_entries;  /* version >= 1 */
	uint32_t reserved;
} __attribute__((packed));

struct pvh_mod_entry {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr;
	uint64_t reserved;
} __attribute__((packed));

struct pvh_memmap_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
	uint32_t reserved;
} __attribute__((packed));

_Static_assert(sizeof(struct pvh_start_info) == 56, "pvh_start_info");
_Static_assert(sizeof(struct pvh_mod_entry) == 32, "pvh_mod_entry");
_Static_assert(sizeof(struct pvh_memmap_entry) == 24, "pvh_memmap_entry");
#endif
#endif
