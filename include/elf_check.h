/*
 * Checking a kernel image file before anything loads it (the EFI loader, kexec):
 * ELF64 little-endian EM_X86_64 ET_EXEC, phdrs and every PT_LOAD inside the file,
 * p_memsz >= p_filesz, physical ranges below 4 GiB and disjoint, and a Multiboot2
 * header (8-aligned, in the first 32 KiB, arch 0, checksum right) whose required
 * tags can be honoured. Pure C over the bytes given; builds for UEFI, the kernel and
 * the host.
 */
#ifndef ELF_CHECK_H
#define ELF_CHECK_H
#include <stddef.h>
#include <stdint.h>

#define ELF_MAX_SEGS 16

struct elf_seg {            /* one PT_LOAD with p_memsz > 0 */
	uint64_t paddr, vaddr, memsz, filesz, offset;
};

struct elf_image {
	uint64_t entry_pa;       /* physical entry (e_entry through its segment) */
	uint32_t mb2_off;        /* file offset of the Multiboot2 header */
	unsigned nseg;
	struct elf_seg seg[ELF_MAX_SEGS]; /* sorted by paddr, disjoint, below 4 GiB */
};

/* Validate a kernel file image (ELF64 x86-64 ET_EXEC + Multiboot2 header). */
int elf_check(const void *file, uint64_t size, struct elf_image *img, const char **err);

#endif
