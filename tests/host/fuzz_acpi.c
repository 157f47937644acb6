/*
 * libFuzzer target for drivers/acpi/acpi_tables.c and acpi_madt.c: any bytes as an
 * RSDP, a table header, a root table, an MCFG and a MADT. A sanitizer report, a
 * result out of range, or an MCFG allocation or a MADT CPU list that breaks the
 * promises in include/acpi.h is a finding. Seeds: tests/host/corpus/acpi/ (QEMU
 * q35's MCFG and MADT; MADTs from corpus/mkcorpus.py).
 */
#include <acpi.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_acpi: %s\n", what);
		abort();
	}
}

/* The CPU list: within bounds, counted right, no invalid or repeated apic id, a
 * usable local APIC address or 0, every finding printable. */
static void check_madt(const uint8_t *data, uint32_t size)
{
	struct acpi_madt m;
	int n = acpi_parse_madt(data, size, &m);
	check(n == -EINVAL || (n >= 0 && n <= (int)ACPI_CPU_MAX), "madt count");
	if (n < 0)
		return;
	unsigned enabled = 0;
	check(m.ncpus <= ACPI_CPU_MAX && m.nfindings <= ACPI_MADT_FINDINGS_MAX, "madt bounds");
	for (unsigned i = 0; i < m.ncpus; i++) {
		const struct acpi_cpu *c = &m.cpu[i];
		enabled += c->enabled;
		check(c->apic_id != 0xffffffffu && (c->x2apic || c->apic_id < 0xff), "madt apic id");
		for (unsigned j = 0; j < i; j++)
			check(m.cpu[j].apic_id != c->apic_id, "madt duplicate apic id");
	}
	check(enabled == (unsigned)n && m.nenabled == enabled, "madt enabled count");
	check(!m.lapic || (!(m.lapic & 0xfff) && m.lapic < (1ull << 52)), "madt lapic");
	check(n || m.nfindings || m.findings_lost, "madt: no CPU without a finding");
	for (unsigned i = 0; i < m.nfindings; i++) {
		char text[128];
		acpi_madt_finding_text(&m.finding[i], text, sizeof(text));
		check(strlen(text) > 0 && strlen(text) < sizeof(text), "madt finding text");
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
	if (size <= ACPI_TABLE_MAX)
		check_madt(data, (uint32_t)size);
	return 0;
}
