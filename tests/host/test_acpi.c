/*
 * drivers/acpi/acpi_tables.c on the host: checksums, the RSDP (revisions 0 and 2,
 * every way it can be wrong), table headers (short, too long for what is readable,
 * bad checksum, wrong signature), RSDT/XSDT entries, and MCFG parsing: QEMU q35's
 * table exactly, impossible allocations skipped, a trailing partial entry ignored,
 * the caller's maximum kept, and tables too short to be an MCFG refused.
 */
#include <acpi.h>
#include <errno.h>
#include "host_test.h"

static void put(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void fix_sum(uint8_t *p, size_t len, size_t at)
{
	uint8_t s = 0;
	p[at] = 0;
	for (size_t i = 0; i < len; i++)
		s = (uint8_t)(s + p[i]);
	p[at] = (uint8_t)-s;
}

static void make_rsdp(uint8_t r[36], uint8_t rev, uint32_t rsdt, uint64_t xsdt)
{
	memset(r, 0, 36);
	memcpy(r, "RSD PTR ", 8);
	r[15] = rev;
	put(r + 16, rsdt, 4);
	put(r + 20, 36, 4);
	put(r + 24, xsdt, 8);
	fix_sum(r, 20, 8);
	fix_sum(r, 36, 32);
}

/* A table: header with sig and len, then body; checksum fixed. */
static void make_table(uint8_t *t, const char *sig, uint32_t len)
{
	memcpy(t, sig, 4);
	put(t + 4, len, 4);
	t[8] = 1;
	fix_sum(t, len, 9);
}

static void test_rsdp(void **state)
{
	uint8_t r[36];
	paddr_t root;
	bool x;
	(void)state;
	make_rsdp(r, 0, 0x7fe0000, 0);
	assert_int_equal(acpi_rsdp_root(r, 20, &root, &x), 0);
	assert_int_equal(root, 0x7fe0000);
	assert_false(x);
	make_rsdp(r, 2, 0x7fe0000, 0x17fe1000);
	assert_int_equal(acpi_rsdp_root(r, 36, &root, &x), 0);
	assert_int_equal(root, 0x17fe1000);
	assert_true(x);
	assert_int_equal(acpi_rsdp_root(r, 20, &root, &x), 0);    /* only v1 part given */
	assert_false(x);
	make_rsdp(r, 2, 0x7fe0000, 0);                              /* no XSDT: the RSDT */
	assert_int_equal(acpi_rsdp_root(r, 36, &root, &x), 0);
	assert_false(x);
	make_rsdp(r, 2, 0x1000, 0x2000);
	r[30] ^= 1;                                                 /* extended checksum */
	assert_int_equal(acpi_rsdp_root(r, 36, &root, &x), -EINVAL);
	make_rsdp(r, 2, 0x1000, 0x2000);
	put(r + 20, 40, 4);                                         /* longer than given */
	fix_sum(r, 20, 8);
	assert_int_equal(acpi_rsdp_root(r, 36, &root, &x), -EINVAL);
	make_rsdp(r, 0, 0x1000, 0);
	r[16] ^= 1;                                                 /* checksum */
	assert_int_equal(acpi_rsdp_root(r, 20, &root, &x), -EINVAL);
	make_rsdp(r, 0, 0x1000, 0);
	assert_int_equal(acpi_rsdp_root(r, 19, &root, &x), -EINVAL);
	r[0] = 'X';
	fix_sum(r, 20, 8);
	assert_int_equal(acpi_rsdp_root(r, 20, &root, &x), -EINVAL);
	make_rsdp(r, 0, 0, 0);                                      /* no root at all */
	assert_int_equal(acpi_rsdp_root(r, 20, &root, &x), -EINVAL);
}

static void test_table_len(void **state)
{
	uint8_t t[64] = { 0 };
	(void)state;
	make_table(t, "XSDT", 52);
	assert_int_equal(acpi_table_len(t, 64, "XSDT"), 52);
	assert_int_equal(acpi_table_len(t, 64, NULL), 52);
	assert_int_equal(acpi_table_len(t, 52, "XSDT"), 52);
	assert_int_equal(acpi_table_len(t, 51, "XSDT"), 0);         /* runs past what is readable */
	assert_int_equal(acpi_table_len(t, 35, "XSDT"), 0);
	assert_int_equal(acpi_table_len(t, 64, "RSDT"), 0);
	t[40] ^= 1;
	assert_int_equal(acpi_table_len(t, 64, "XSDT"), 0);         /* checksum */
	make_table(t, "XSDT", 20);                                  /* shorter than a header */
	assert_int_equal(acpi_table_len(t, 64, "XSDT"), 0);
}

static void test_root_entries(void **state)
{
	uint8_t t[64] = { 0 };
	(void)state;
	put(t + 36, 0x1000, 4);
	put(t + 40, 0x2000, 4);
	make_table(t, "RSDT", 44);
	assert_int_equal(acpi_root_entry(t, 44, false, 0), 0x1000);
	assert_int_equal(acpi_root_entry(t, 44, false, 1), 0x2000);
	assert_int_equal(acpi_root_entry(t, 44, false, 2), 0);
	put(t + 36, 0x123456789000ull, 8);
	make_table(t, "XSDT", 47);                                  /* a partial second entry */
	assert_int_equal(acpi_root_entry(t, 47, true, 0), 0x123456789000ull);
	assert_int_equal(acpi_root_entry(t, 47, true, 1), 0);
	assert_int_equal(acpi_root_entry(t, 20, true, 0), 0);
}

static uint32_t mcfg_with(uint8_t *t, const uint64_t (*e)[4], unsigned n, uint32_t extra)
{
	uint32_t len = 44 + 16 * n + extra;
	memset(t, 0, len);
	for (unsigned i = 0; i < n; i++) {
		uint8_t *p = t + 44 + 16 * i;
		put(p, e[i][0], 8);
		put(p + 8, e[i][1], 2);
		p[10] = (uint8_t)e[i][2];
		p[11] = (uint8_t)e[i][3];
	}
	make_table(t, "MCFG", len);
	return len;
}

static void test_mcfg(void **state)
{
	uint8_t t[256];
	struct acpi_mcfg_alloc a[8];
	(void)state;
	static const uint64_t q35[][4] = { { 0xb0000000, 0, 0, 255 } };
	uint32_t len = mcfg_with(t, q35, 1, 0);
	assert_int_equal(len, 60);                                  /* QEMU's q35 MCFG */
	assert_int_equal(acpi_parse_mcfg(t, len, a, 8), 1);
	assert_int_equal(a[0].base, 0xb0000000);
	assert_int_equal(a[0].segment, 0);
	assert_int_equal(a[0].bus_start, 0);
	assert_int_equal(a[0].bus_end, 255);

	static const uint64_t mixed[][4] = {
		{ 0xe0000000, 0, 0, 63 },
		{ 0xe0000000, 1, 9, 8 },             /* start > end */
		{ 0xe0080000, 0, 0, 1 },             /* not 1 MiB-aligned */
		{ 0, 0, 0, 1 },                      /* base 0 */
		{ 0xfffffff00000ull, 0, 0, 0 },      /* fits: one bus below 2^48 */
		{ (1ull << 52) - (1 << 20), 0, 0, 1 },   /* two buses past 2^52 */
		{ 0x380000000000ull, 2, 16, 31 },
	};
	len = mcfg_with(t, mixed, 7, 7);                            /* and a partial entry */
	assert_int_equal(acpi_parse_mcfg(t, len, a, 8), 3);
	assert_int_equal(a[0].base, 0xe0000000);
	assert_int_equal(a[1].base, 0xfffffff00000ull);
	assert_int_equal(a[2].segment, 2);
	assert_int_equal(a[2].bus_start, 16);
	assert_int_equal(a[2].bus_end, 31);
	assert_int_equal(acpi_parse_mcfg(t, len, a, 2), 2);         /* the caller's max */
	assert_int_equal(acpi_parse_mcfg(t, 43, a, 8), -EINVAL);
	assert_int_equal(acpi_parse_mcfg(t, 44, a, 8), 0);
	t[0] = 'X';
	assert_int_equal(acpi_parse_mcfg(t, len, a, 8), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rsdp),
		cmocka_unit_test(test_table_len),
		cmocka_unit_test(test_root_entries),
		cmocka_unit_test(test_mcfg),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
