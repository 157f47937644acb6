/*
 * Multiboot2, both directions. The header: the bytes the kernel carries in its file
 * (boot/entry.S) and a loader checks (boot/elf_check.c, for the EFI loader and
 * kexec). The boot information: the bytes every producer (GRUB, Baton's EFI
 * loader, Baton's kexec) hands to the kernel's 32-bit entry, and that
 * boot/multiboot2.c parses. Facts from the Multiboot2 specification (1.0). All
 * fields little-endian; tags start on 8-byte boundaries; each list ends with a tag
 * of type 0, size 8. Every struct's size is asserted below.
 *
 * Entry state: 32-bit protected mode, paging off, interrupts off,
 * EAX = MB2_BOOTLOADER_MAGIC, EBX = physical address of struct mb2_info.
 */
#ifndef ABI_MULTIBOOT2_H
#define ABI_MULTIBOOT2_H

#define MB2_HEADER_MAGIC      0xe85250d6u /* in the kernel's header */
#define MB2_BOOTLOADER_MAGIC  0x36d76289u /* in EAX at entry */
#define MB2_HEADER_SEARCH     32768       /* header lies in the file's first 32 KiB */

/* Header tags (kernel -> loader): struct mb2_hdr, then tags, each 8-aligned */
#define MB2_HDR_TAG_END          0
#define MB2_HDR_TAG_INFO_REQ     1  /* u32 mbi_tag_types[] the kernel needs */
#define MB2_HDR_TAG_ADDRESS      2  /* a.out kludge load addresses */
#define MB2_HDR_TAG_ENTRY        3  /* u32 entry_addr (32-bit entry) */
#define MB2_HDR_TAG_CONSOLE      4
#define MB2_HDR_TAG_FB           5
#define MB2_HDR_TAG_MODULE_ALIGN 6
#define MB2_HDR_TAG_RELOC       10
#define MB2_HDR_OPTIONAL         1u /* tag flags bit 0: the loader may ignore it */

/* Information tags (loader -> kernel) */
#define MB2_TAG_END            0
#define MB2_TAG_CMDLINE        1  /* char string[] */
#define MB2_TAG_LOADER_NAME    2  /* char string[] */
#define MB2_TAG_MODULE         3  /* u32 mod_start, mod_end; char string[] */
#define MB2_TAG_BASIC_MEMINFO  4
#define MB2_TAG_BOOTDEV        5
#define MB2_TAG_MMAP           6  /* u32 entry_size, entry_version; entries */
#define MB2_TAG_FRAMEBUFFER    8
#define MB2_TAG_ELF_SECTIONS   9
#define MB2_TAG_APM           10
#define MB2_TAG_EFI64         12  /* u64 system table pointer */
#define MB2_TAG_ACPI_OLD      14  /* copy of the ACPI 1.0 RSDP (20 bytes) */
#define MB2_TAG_ACPI_NEW      15  /* copy of the ACPI 2.0+ RSDP (36 bytes) */
#define MB2_TAG_EFI_MMAP      17
#define MB2_TAG_LOAD_BASE     21
/*
 * Baton's own tag: the incoming Kexec HandOver. Its payload is Linux's x86
 * struct kho_data (see include/abi/kho.h). The number is outside the range the
 * Multiboot2 specification assigns (0..21), so other loaders never send it.
 */
#define MB2_TAG_BATON_KHO     0xBA70u

/* Memory map entry types */
#define MB2_MEM_AVAILABLE     1
#define MB2_MEM_RESERVED      2
#define MB2_MEM_ACPI_RECLAIM  3
#define MB2_MEM_NVS           4
#define MB2_MEM_BADRAM        5

#ifndef __ASSEMBLY__
#include <stddef.h>
#include <stdint.h>

struct mb2_hdr {                 /* the kernel's header, 8-aligned in the file */
	uint32_t magic;          /* MB2_HEADER_MAGIC */
	uint32_t arch;           /* 0: i386 protected mode */
	uint32_t length;         /* header and its tags, in bytes */
	uint32_t checksum;       /* magic + arch + length + checksum == 0 (mod 2^32) */
} __attribute__((packed));

struct mb2_hdr_tag {
	uint16_t type, flags;    /* flags: MB2_HDR_OPTIONAL */
	uint32_t size;           /* including this header, excluding padding */
} __attribute__((packed));

struct mb2_info {                /* fixed part at EBX */
	uint32_t total_size;     /* including this header and the end tag */
	uint32_t reserved;
} __attribute__((packed));

struct mb2_tag {
	uint32_t type;
	uint32_t size;           /* including this header, excluding padding */
} __attribute__((packed));

struct mb2_tag_string {          /* CMDLINE, LOADER_NAME */
	uint32_t type, size;
	char string[];
} __attribute__((packed));

struct mb2_tag_module {
	uint32_t type, size;
	uint32_t mod_start, mod_end; /* physical, [start, end) */
	char string[];
} __attribute__((packed));

struct mb2_mmap_entry {
	uint64_t base_addr;
	uint64_t length;
	uint32_t type;
	uint32_t zero;
} __attribute__((packed));

struct mb2_tag_mmap {
	uint32_t type, size;
	uint32_t entry_size;     /* >= 24; step by this, not by sizeof */
	uint32_t entry_version;  /* 0 */
	struct mb2_mmap_entry entries[];
} __attribute__((packed));

struct mb2_tag_efi64 {
	uint32_t type, size;
	uint64_t pointer;
} __attribute__((packed));

struct mb2_tag_acpi {            /* ACPI_OLD, ACPI_NEW */
	uint32_t type, size;
	uint8_t rsdp[];
} __attribute__((packed));

_Static_assert(sizeof(struct mb2_hdr) == 16 && offsetof(struct mb2_hdr, length) == 8 &&
	       offsetof(struct mb2_hdr, checksum) == 12, "mb2_hdr");
_Static_assert(sizeof(struct mb2_hdr_tag) == 8 && offsetof(struct mb2_hdr_tag, flags) == 2 &&
	       offsetof(struct mb2_hdr_tag, size) == 4, "mb2_hdr_tag");
_Static_assert(sizeof(struct mb2_info) == 8, "mb2_info");
_Static_assert(sizeof(struct mb2_tag) == 8, "mb2_tag");
_Static_assert(sizeof(struct mb2_tag_module) == 16, "mb2_tag_module");
_Static_assert(sizeof(struct mb2_mmap_entry) == 24, "mb2_mmap_entry");
_Static_assert(sizeof(struct mb2_tag_mmap) == 16, "mb2_tag_mmap");
_Static_assert(sizeof(struct mb2_tag_efi64) == 16, "mb2_tag_efi64");
_Static_assert(sizeof(struct mb2_tag_string) == 8 &&
	       offsetof(struct mb2_tag_string, string) == 8, "mb2_tag_string");
_Static_assert(sizeof(struct mb2_tag_acpi) == 8 &&
	       offsetof(struct mb2_tag_acpi, rsdp) == 8, "mb2_tag_acpi");

static inline uint32_t mb2_align8(uint32_t n) { return (n + 7u) & ~7u; }
#endif
#endif
