/* Private to drivers/acpi/: what the pure parsers share. */
#ifndef ACPI_INTERNAL_H
#define ACPI_INTERNAL_H
#include <types.h>

/* n bytes at p, little-endian and unaligned, as ACPI lays out every field. */
static inline uint64_t acpi_le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	while (n--)
		v = v << 8 | p[n];
	return v;
}
#endif
