/*
 * ACPI tables, read-only: Baton looks up a table by signature (today only MCFG, for
 * PCI Express ECAM) starting from the RSDP copy the boot adapter put in boot_info.
 * Firmware tables are input: every table is used only after its length is sane
 * (at least the 36-byte header, at most ACPI_TABLE_MAX, inside the low 4 GiB the
 * direct map always covers) and its bytes sum to zero; the RSDP's checksums and its
 * revision-2 length are checked the same way. A bad table is skipped with a
 * warning, never trusted.
 *
 * The parsing half (drivers/acpi/acpi_tables.c) is pure and also built for the host;
 * the lookup half (drivers/acpi/acpi.c) reads physical memory.
 */
#ifndef ACPI_H
#define ACPI_H
#include <types.h>

#define ACPI_HDR_LEN    36u
#define ACPI_TABLE_MAX  (1u << 20)
#define ACPI_MCFG_MAX   8u

/* One MCFG allocation: the ECAM window of buses [bus_start, bus_end] of a segment. */
struct acpi_mcfg_alloc {
	paddr_t base;
	uint16_t segment;
	uint8_t bus_start, bus_end;
};

/* Bytes sum to zero (mod 256). */
bool acpi_checksum_ok(const void *p, size_t len);
/*
 * Check an RSDP of len bytes (20 for revision 0, 36 or more for revision 2) and
 * return the root table's address: the XSDT's if revision >= 2 and it is non-zero
 * (*xsdt = true), else the RSDT's. 0 or -EINVAL.
 */
int acpi_rsdp_root(const void *rsdp, size_t len, paddr_t *root, bool *xsdt);
/* Length of the table at hdr if its header and checksum hold (avail bytes readable
 * there), else 0. sig may be NULL (any signature). */
uint32_t acpi_table_len(const void *hdr, size_t avail, const char *sig);
/* Entry i of an RSDT (4-byte entries) or XSDT (8-byte), or 0 past the end. */
paddr_t acpi_root_entry(const void *root, uint32_t len, bool xsdt, unsigned i);
/*
 * Parse a validated MCFG of len bytes into out[max]. Allocations that are
 * impossible (bus_start > bus_end, base not 1 MiB-aligned or 0, window past 2^52)
 * are skipped. Returns the number kept, or -EINVAL if len cannot be an MCFG.
 */
int acpi_parse_mcfg(const void *mcfg, uint32_t len, struct acpi_mcfg_alloc *out, unsigned max);

/* Kernel: find table sig through boot_info's RSDP; 0, -ENOENT, -EINVAL. */
int acpi_find_table(const char *sig, const void **table, uint32_t *len);
#endif
