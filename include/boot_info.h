/*
 * struct boot_info: the one description of the machine that every boot adapter
 * (boot/pvh.c, boot/multiboot2.c) produces and that kernel/ reads. Adapters copy
 * what they need out of loader memory, so nothing here points into it, except the
 * physical ranges of modules and of the raw information block, which mm reserves.
 *
 * Invariants after boot_info_finish():
 *   - mem[] is sorted by base, ranges do not overlap, none is empty, every range lies
 *     below 2^52 (the architectural physical limit), RAM ranges are page-aligned
 *     (partial pages are dropped); a byte claimed both as RAM and as anything else
 *     is not RAM.
 *   - every module lies inside RAM, is non-empty and overlaps neither the kernel
 *     image nor another module; names are NUL-terminated.
 * Whatever breaks these is dropped with a warning naming the range. Trimming RAM to
 * whole pages is not a drop: it is silent, even when nothing of a range is left.
 */
#ifndef BOOT_INFO_H
#define BOOT_INFO_H
#include <types.h>

enum boot_mem_type {
	BOOT_MEM_RAM = 1,
	BOOT_MEM_RESERVED = 2,
	BOOT_MEM_ACPI = 3,       /* ACPI tables, reclaimable */
	BOOT_MEM_NVS = 4,
	BOOT_MEM_BAD = 5,
};

struct boot_mem_range {
	paddr_t base;
	uint64_t size;
	uint32_t type;
};

#define BOOT_MOD_NAME_MAX 64
struct boot_module {
	paddr_t base;
	uint64_t size;
	char name[BOOT_MOD_NAME_MAX];
};

/* Incoming Kexec HandOver (Linux's x86 struct kho_data), filled by the adapter. */
struct boot_kho {
	bool present;
	paddr_t fdt_addr;
	uint64_t fdt_size;
	paddr_t scratch_addr;
	uint64_t scratch_size;
};

#define BOOT_MEM_MAX     256
#define BOOT_MOD_MAX     32
#define BOOT_CMDLINE_MAX 4096

struct boot_info {
	unsigned proto;                   /* BOOT_PROTO_* (include/bootproto.h) */
	char loader[64];                  /* "QEMU PVH", "GRUB 2.06", ... */
	char cmdline[BOOT_CMDLINE_MAX];
	unsigned nmem;
	struct boot_mem_range mem[BOOT_MEM_MAX];
	unsigned nmod;
	struct boot_module mod[BOOT_MOD_MAX];
	uint8_t rsdp[36];                 /* copy of the ACPI RSDP; rsdp_len 0 = none */
	unsigned rsdp_len;
	paddr_t rsdp_addr;                /* where firmware keeps it, if known (PVH) */
	uint64_t efi_systab;              /* EFI system table, 0 if none */
	struct boot_kho kho;
	paddr_t info_addr;                /* the raw information block */
	uint64_t info_size;
	paddr_t kernel_start, kernel_end; /* the image, [start, end) physical */
	unsigned warnings;                /* ranges or items dropped */
};

extern struct boot_info boot_info;

/* Adapters: parse the producer's block at info_pa into bi. 0 or -EINVAL. */
int mb2_parse(paddr_t info_pa, struct boot_info *bi);
int pvh_parse(paddr_t info_pa, struct boot_info *bi);

/* Shared by the adapters (boot/boot_info.c), also built for the host. */
void boot_info_init(struct boot_info *bi, unsigned proto, paddr_t kstart, paddr_t kend);
void boot_info_add_mem(struct boot_info *bi, paddr_t base, uint64_t size, uint32_t type);
void boot_info_add_module(struct boot_info *bi, paddr_t base, uint64_t size, const char *name,
			  size_t name_len);
/* Sort, resolve overlaps, validate modules; see the invariants above. */
void boot_info_finish(struct boot_info *bi);
/* Modules that are newc cpio archives are replaced by their members (boot/cpio.c). */
void boot_info_expand_cpio(struct boot_info *bi);

const struct boot_module *boot_module_find(const char *name);
const char *boot_mem_type_name(uint32_t type);
uint64_t boot_info_ram_bytes(const struct boot_info *bi);
#endif
