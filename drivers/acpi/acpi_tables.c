/*
 * The pure half of include/acpi.h: checksums, the RSDP, root-table entries and the
 * MCFG, all over bytes the caller has in memory. Nothing here dereferences a
 * physical address; every read stays inside the length it was given, and lengths
 * come from headers only after they were checked against what the caller has.
 * Fields are little-endian and unaligned, so they are read byte by byte (acpi_le).
 */
#include <acpi.h>
#include <errno.h>
#include "acpi_internal.h"

bool acpi_checksum_ok(const void *p, size_t len)
{
	uint8_t sum = 0;
	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + ((const uint8_t *)p)[i]);
	return sum == 0;
}

int acpi_rsdp_root(const void *rsdp, size_t len, paddr_t *root, bool *xsdt)
{
	const uint8_t *r = rsdp;
	if (len < 20 || __builtin_memcmp(r, "RSD PTR ", 8) || !acpi_checksum_ok(r, 20))
		return -EINVAL;
	*xsdt = false;
	*root = acpi_le(r + 16, 4);
	if (r[15] >= 2 && len >= 36) {
		uint32_t xlen = (uint32_t)acpi_le(r + 20, 4);
		if (xlen < 36 || xlen > len || !acpi_checksum_ok(r, xlen))
			return -EINVAL;
		if (acpi_le(r + 24, 8)) {
			*root = acpi_le(r + 24, 8);
			*xsdt = true;
		}
	}
	return *root ? 0 : -EINVAL;
}

uint32_t acpi_table_len(const void *hdr, size_t avail, const char *sig)
{
	const uint8_t *h = hdr;
	if (avail < ACPI_HDR_LEN || (sig && __builtin_memcmp(h, sig, 4)))
		return 0;
	uint32_t len = (uint32_t)acpi_le(h + 4, 4);
	if (len < ACPI_HDR_LEN || len > avail || len > ACPI_TABLE_MAX || !acpi_checksum_ok(h, len))
		return 0;
	return len;
}

paddr_t acpi_root_entry(const void *root, uint32_t len, bool xsdt, unsigned i)
{
	unsigned w = xsdt ? 8 : 4;
	if (len < ACPI_HDR_LEN || i >= (len - ACPI_HDR_LEN) / w)
		return 0;
	return acpi_le((const uint8_t *)root + ACPI_HDR_LEN + (size_t)i * w, w);
}

int acpi_parse_mcfg(const void *mcfg, uint32_t len, struct acpi_mcfg_alloc *out, unsigned max)
{
	const uint8_t *m = mcfg;
	unsigned n = 0;
	if (len < ACPI_HDR_LEN + 8 || __builtin_memcmp(m, "MCFG", 4))
		return -EINVAL;
	for (uint32_t off = ACPI_HDR_LEN + 8; off + 16 <= len && n < max; off += 16) {
		struct acpi_mcfg_alloc a = {
			.base = acpi_le(m + off, 8),
			.segment = (uint16_t)acpi_le(m + off + 8, 2),
			.bus_start = m[off + 10],
			.bus_end = m[off + 11],
		};
		uint64_t span = (uint64_t)(a.bus_end - a.bus_start + 1) << 20;
		if (a.bus_start > a.bus_end || !a.base || (a.base & ((1u << 20) - 1)) ||
		    a.base >= (1ull << 52) || span > (1ull << 52) - a.base)
			continue;
		out[n++] = a;
	}
	return (int)n;
}
