/*
 * ACPI tables, read-only: Baton looks up a table by signature (MCFG, for PCI Express
 * ECAM; MADT, for the CPUs) starting from the RSDP copy the boot adapter put in
 * boot_info.
 * Firmware tables are input: every table is used only after its length is sane
 * (at least the 36-byte header, at most ACPI_TABLE_MAX, inside the low 4 GiB the
 * direct map always covers) and its bytes sum to zero; the RSDP's checksums and its
 * revision-2 length are checked the same way. A bad table is skipped with a
 * warning, never trusted.
 *
 * The parsing half (drivers/acpi/acpi_tables.c, acpi_madt.c) is pure and also built
 * for the host; the lookup half (drivers/acpi/acpi.c) reads physical memory.
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

/*
 * The MADT ("APIC"): the local APIC address (offset 36, u32; a type 5 Local APIC
 * Address Override, u64, replaces it) and flags (offset 40), then interrupt
 * controller structures from offset 44, each `type, length, ...`. Baton reads
 * three types: 0 Processor Local APIC (8 bytes: uid u8, apic id u8, flags u32),
 * 9 Processor Local x2APIC (16 bytes: reserved u16, x2apic id u32, flags u32, uid
 * u32) and 5 (12 bytes: reserved u16, address u64); others are passed over.
 *
 * A CPU whose flags have Enabled (bit 0) is usable; one with only Online Capable
 * (bit 1, ACPI 6.3) is listed but not enabled (it may not be started); one with
 * neither is not there (firmware lists the sockets it could fill) and is passed
 * over silently. Every structure is untrusted, and each thing wrong is a finding:
 *   - a length below 2, or a structure running past the table: the walk stops;
 *   - a length other than its type's (8, 16, 12): that structure is skipped;
 *   - apic id 0xff in type 0, 0xffffffff in type 9: skipped;
 *   - an apic id listed before (type 0 and 9 alike): skipped, the first one wins;
 *   - more than ACPI_CPU_MAX CPUs: the rest ignored (one finding, with the count);
 *   - an address override that is 0, not 4 KiB-aligned or at or above 2^52, or
 *     that follows a usable one: skipped; a resulting address that is unusable the
 *     same way: lapic = 0;
 *   - no enabled CPU at all (the caller then runs on the boot CPU alone).
 * Findings past ACPI_MADT_FINDINGS_MAX are counted in findings_lost.
 */
#define ACPI_MADT_LEN_MIN       44u
#define ACPI_CPU_MAX            64
#define ACPI_MADT_FINDINGS_MAX  8u

struct acpi_cpu {
	uint32_t apic_id;
	uint32_t uid;           /* ACPI processor uid */
	bool x2apic;            /* from a type 9 structure */
	bool enabled;           /* false: Online Capable only, not to be started */
};

enum acpi_madt_why {
	ACPI_MADT_SHORT_ENTRY,      /* length 0 or 1: walk stopped */
	ACPI_MADT_PAST_END,         /* runs past the table: walk stopped */
	ACPI_MADT_BAD_LENGTH,       /* value: the length its type has */
	ACPI_MADT_INVALID_ID,       /* value: the id */
	ACPI_MADT_DUPLICATE_ID,     /* value: the id */
	ACPI_MADT_TOO_MANY,         /* value: how many CPUs were ignored */
	ACPI_MADT_BAD_OVERRIDE,     /* value: the address */
	ACPI_MADT_EXTRA_OVERRIDE,   /* value: the address */
	ACPI_MADT_BAD_LAPIC,        /* value: the address */
	ACPI_MADT_NO_CPU,
};

struct acpi_madt_finding {
	uint8_t why;            /* enum acpi_madt_why */
	bool entry;             /* about a structure whose type and length were read */
	uint8_t type, length;   /* of that structure */
	uint32_t offset;        /* of the structure in the table; 0: about the table */
	uint64_t value;
};

struct acpi_madt {
	paddr_t lapic;          /* the local APIC's physical address; 0 if unusable */
	uint32_t flags;         /* the MADT's flags (bit 0: PC-AT 8259s present) */
	unsigned ncpus;         /* cpu[0..ncpus): in table order */
	unsigned nenabled;      /* of those, how many are enabled */
	struct acpi_cpu cpu[ACPI_CPU_MAX];
	unsigned nfindings, findings_lost;
	struct acpi_madt_finding finding[ACPI_MADT_FINDINGS_MAX];
};

/*
 * Parse a validated MADT of len bytes (its header and checksum checked by the
 * caller) into *out. Returns the number of enabled CPUs (0 comes with an
 * ACPI_MADT_NO_CPU finding), or -EINVAL if len cannot be a MADT (shorter than 44
 * bytes, or not "APIC").
 */
int acpi_parse_madt(const void *madt, uint32_t len, struct acpi_madt *out);
/* A finding as one line of text without a newline (for "acpi: MADT: warning: "). */
void acpi_madt_finding_text(const struct acpi_madt_finding *f, char *buf, size_t size);

/* Kernel: find table sig through boot_info's RSDP; 0, -ENOENT, -EINVAL. */
int acpi_find_table(const char *sig, const void **table, uint32_t *len);
/* Kernel: find and parse the MADT, keep the result and log it (drivers_init). */
void acpi_madt_init(void);
/* The CPUs the MADT lists (enabled or online-capable), in table order: their count
 * (0 without a usable MADT) and *list. */
int acpi_cpus(const struct acpi_cpu **list);
/* The local APIC's physical address from the MADT, or 0 (no MADT, or unusable). */
paddr_t acpi_lapic_addr(void);
#endif
