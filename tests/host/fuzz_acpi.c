/*
 * libFuzzer target for drivers/acpi/acpi_tables.c: any bytes as an RSDP, a table
 * header, a root table and an MCFG. A sanitizer report, a result out of range or an
 * MCFG allocation that breaks the promises in include/acpi.h is a finding.
 * Seeds: tests/host/corpus/acpi/ (QEMU q35's MCFG).
 */
#include <acpi.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_acpi: %s\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	paddr_t root;
	bool xsdt;
	struct acpi_mcfg_alloc a[ACPI_MCFG_MAX];
	int r = acpi_rsdp_root(data, size, &root, &xsdt);
	check(r == 0 || r == -EINVAL, "rsdp result");
	check(r || root, "rsdp root 0");
	uint32_t len = acpi_table_len(data, size, NULL);
	check(len == 0 || (len >= ACPI_HDR_LEN && len <= size), "table length");
	for (unsigned i = 0; i < 64; i++) {
		acpi_root_entry(data, (uint32_t)(size > ACPI_TABLE_MAX ? ACPI_TABLE_MAX : size), i & 1, i);
	}
	if (size <= ACPI_TABLE_MAX) {
		int n = acpi_parse_mcfg(data, (uint32_t)size, a, ACPI_MCFG_MAX);
		check(n >= -EINVAL && n <= (int)ACPI_MCFG_MAX, "mcfg count");
		for (int i = 0; i < n; i++) {
			check(a[i].bus_start <= a[i].bus_end, "mcfg buses");
			check(a[i].base && !(a[i].base & 0xfffff), "mcfg base");
			check(a[i].base + ((uint64_t)(a[i].bus_end - a[i].bus_start + 1) << 20) <=
			      (1ull << 52), "mcfg window");
		}
	}
	return 0;
}
