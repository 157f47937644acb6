/*
 * Baton EFI loader: interfaces between its parts. cfg.c (the \baton.cfg parser),
 * elf.c (kernel ELF and Multiboot2 header checks) and mb2.c (the Multiboot2
 * information builder) are pure C: no UEFI calls, no globals, only <stdint.h>
 * and <stddef.h>, so they also build and run on the host. loader.c does all the
 * firmware work. Every `int` function returns 0 or a negative errno; on failure
 * *err names the problem in plain ASCII for the loader to print.
 */
#ifndef BOOT_EFI_LOADER_H
#define BOOT_EFI_LOADER_H

#include <stddef.h>
#include <stdint.h>

/*
 * Tiny string helpers: the EFI build links against libefi, which has memcpy and
 * memset but no strlen or memcmp, so the pure files use these.
 */
static inline size_t ldr_strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

static inline int ldr_memeq(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return 0;
	return 1;
}

/* ---- \baton.cfg ---------------------------------------------------------- */

#define CFG_MAX_MODULES 32
#define CFG_MAX_PATH    255  /* bytes of a path token */
#define CFG_MAX_CMDLINE 4095 /* bytes of the kernel command line */
#define CFG_MAX_SIZE    (64 * 1024)

struct cfg_module {
	const char *path;  /* "\\dir\\file" as written ('/' allowed) */
	const char *name;  /* the Multiboot2 module string */
};

struct cfg {
	const char *cmdline;  /* "" when absent */
	const char *kernel;   /* "\\kernel.elf" when absent */
	unsigned nmod;
	struct cfg_module mod[CFG_MAX_MODULES];
};

void cfg_defaults(struct cfg *c);
/*
 * Parse buf[0..len) in place (line ends become NULs; buf must hold len + 1
 * bytes). The result points into buf. On a bad line returns -EINVAL with
 * *err_line (1-based) and *err set.
 */
int cfg_parse(char *buf, size_t len, struct cfg *c, unsigned *err_line, const char **err);

#include <elf_check.h>
#include <mb2_build.h>

/* ---- Multiboot2 information ---------------------------------------------- */

/*
 * UEFI memory descriptor layout (UEFI spec 2.x, 40 bytes; firmware may use a
 * larger stride) and the memory types the conversion needs.
 */
struct efi_md {
	uint32_t type;
	uint32_t pad;
	uint64_t phys_start;
	uint64_t virt_start;
	uint64_t pages;
	uint64_t attribute;
};
enum {
	EFIMT_LOADER_CODE = 1, EFIMT_LOADER_DATA = 2,
	EFIMT_BS_CODE = 3, EFIMT_BS_DATA = 4,
	EFIMT_CONVENTIONAL = 7, EFIMT_UNUSABLE = 8,
	EFIMT_ACPI_RECLAIM = 9, EFIMT_ACPI_NVS = 10,
};

/*
 * Write the memory map tag (converted from the UEFI map: stepped by desc_size,
 * typed, sorted, merged) and the end tag after the fixed tags, and the header.
 * Idempotent; calls nothing, so it is safe between GetMemoryMap and
 * ExitBootServices.
 */
int mb2_finish(struct mb2_builder *b, const void *map, uint64_t map_size, uint64_t desc_size);
uint32_t mb2_efi_type(uint32_t efi_type);

#endif
