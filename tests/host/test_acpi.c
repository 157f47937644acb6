/*
 * drivers/acpi/acpi_tables.c on the host: checksums, the RSDP (revisions 0 and 2,
 * every way it can be wrong), table headers (short, too long for what is readable,
 * bad checksum, wrong signature), RSDT/XSDT entries, and MCFG parsing: QEMU q35's
 * table exactly, impossible allocations skipped, a trailing partial entry ignored,
 * the caller's maximum kept, and tables too short to be an MCFG refused; and the
 * MADT (drivers/acpi/acpi_madt.c): tables written by hand from the ACPI layout, each
 * parsed from a heap copy of exactly its length (so ASan sees any read past it),
 * its whole result against a golden: the CPU list and every finding's text.
 */
#include <acpi.h>
#include <errno.h>
#include <stdlib.h>
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

/* A MADT under construction: header, local APIC address and flags, structures. */
struct madt {
	uint8_t b[1024];
	uint32_t len;
};

static void madt_new(struct madt *m, uint32_t lapic, uint32_t flags)
{
	memset(m, 0, sizeof(*m));
	put(m->b + 36, lapic, 4);
	put(m->b + 40, flags, 4);
	m->len = 44;
}

static void madt_add(struct madt *m, const uint8_t *e, unsigned n)
{
	memcpy(m->b + m->len, e, n);
	m->len += n;
}

static void madt_lapic(struct madt *m, uint8_t uid, uint8_t id, uint32_t flags)
{
	uint8_t e[8] = { 0, 8, uid, id };
	put(e + 4, flags, 4);
	madt_add(m, e, sizeof(e));
}

static void madt_x2apic(struct madt *m, uint32_t id, uint32_t flags, uint32_t uid)
{
	uint8_t e[16] = { 9, 16 };
	put(e + 4, id, 4);
	put(e + 8, flags, 4);
	put(e + 12, uid, 4);
	madt_add(m, e, sizeof(e));
}

static void madt_override(struct madt *m, uint64_t addr)
{
	uint8_t e[12] = { 5, 12 };
	put(e + 4, addr, 8);
	madt_add(m, e, sizeof(e));
}

/* Parse a heap copy of exactly the table's bytes; the result as text. */
static const char *madt_result(const struct madt *m)
{
	static char out[4096];
	struct acpi_madt r;
	uint8_t *copy = malloc(m->len);
	memcpy(copy, m->b, m->len);
	int ret = acpi_parse_madt(copy, m->len, &r);
	free(copy);
	size_t n = (size_t)snprintf(out, sizeof(out), "ret=%d", ret);
	if (ret < 0)
		return out;
	assert_int_equal(ret, r.nenabled);
	n += (size_t)snprintf(out + n, sizeof(out) - n, " lapic=0x%llx flags=0x%x\n",
			      (unsigned long long)r.lapic, r.flags);
	for (unsigned i = 0; i < r.ncpus; i++)
		n += (size_t)snprintf(out + n, sizeof(out) - n, "cpu apic=%u uid=%u x2apic=%d enabled=%d\n",
				      r.cpu[i].apic_id, r.cpu[i].uid, r.cpu[i].x2apic, r.cpu[i].enabled);
	for (unsigned i = 0; i < r.nfindings; i++) {
		char text[256];
		acpi_madt_finding_text(&r.finding[i], text, sizeof(text));
		n += (size_t)snprintf(out + n, sizeof(out) - n, "finding: %s\n", text);
	}
	if (r.findings_lost)
		snprintf(out + n, sizeof(out) - n, "lost=%u\n", r.findings_lost);
	return out;
}

/* QEMU's for -smp 4 (q35 and pc alike), from the layout: 4 local APICs, the I/O
 * APIC, ISA IRQ 0 -> GSI 2 and IRQs 5, 9, 10, 11 level/high, LINT1 as NMI. */
static void madt_qemu4(struct madt *m)
{
	static const uint8_t rest[] = {
		1, 12, 0, 0, 0x00, 0x00, 0xc0, 0xfe, 0, 0, 0, 0,   /* I/O APIC 0, 0xfec00000, GSI 0 */
		2, 10, 0, 0, 2, 0, 0, 0, 0, 0,                     /* IRQ 0 -> GSI 2 */
		2, 10, 0, 5, 5, 0, 0, 0, 0x0d, 0,                  /* IRQ 5, level, active high */
		2, 10, 0, 9, 9, 0, 0, 0, 0x0d, 0,
		2, 10, 0, 10, 10, 0, 0, 0, 0x0d, 0,
		2, 10, 0, 11, 11, 0, 0, 0, 0x0d, 0,
		4, 6, 0xff, 0, 0, 1,                               /* NMI: every CPU, LINT1 */
	};
	madt_new(m, 0xfee00000, 1);
	for (uint8_t i = 0; i < 4; i++)
		madt_lapic(m, i, i, 1);
	madt_add(m, rest, sizeof(rest));
}

static void madt_x2apics(struct madt *m)
{
	madt_new(m, 0xfee00000, 0);
	madt_lapic(m, 0, 0, 1);
	madt_x2apic(m, 0x100, 1, 0x100);
	madt_x2apic(m, 0x12345678, 1, 7);
	madt_x2apic(m, 0xffffffff, 1, 8);                  /* invalid */
	madt_x2apic(m, 0xffffffff, 0, 9);                  /* absent: not even looked at */
}

static void madt_overrides(struct madt *m)
{
	madt_new(m, 0xfee00000, 1);
	madt_override(m, 0);
	madt_override(m, 0xfee00800);                      /* not 4 KiB-aligned */
	madt_override(m, 1ull << 52);
	madt_lapic(m, 0, 0, 1);
	madt_override(m, 0x4000fee00000ull);               /* the one */
	madt_override(m, 0xfed00000);                      /* a second */
}

static void madt_duplicates(struct madt *m)
{
	madt_new(m, 0xfee00000, 1);
	madt_lapic(m, 0, 1, 1);
	madt_lapic(m, 1, 1, 1);                            /* same type */
	madt_x2apic(m, 1, 1, 2);                           /* across types */
	madt_lapic(m, 3, 2, 2);                            /* online-capable */
	madt_lapic(m, 4, 2, 1);                            /* the first one wins */
	madt_lapic(m, 5, 3, 0);                            /* absent: no duplicate */
	madt_lapic(m, 6, 3, 1);
}

static void madt_zero_length(struct madt *m)
{
	static const uint8_t zero[] = { 0, 0, 0, 5, 1, 0, 0, 0 };
	madt_new(m, 0xfee00000, 1);
	madt_lapic(m, 0, 0, 1);
	madt_add(m, zero, sizeof(zero));
	madt_lapic(m, 1, 1, 1);                            /* never reached */
}

static void madt_length_one(struct madt *m)
{
	static const uint8_t one[] = { 0x7f, 1 };
	madt_new(m, 0xfee00000, 1);
	madt_add(m, one, sizeof(one));
	madt_lapic(m, 0, 0, 1);
}

static void madt_past_end(struct madt *m)
{
	madt_new(m, 0xfee00000, 1);
	madt_lapic(m, 0, 0, 1);
	madt_x2apic(m, 1, 1, 1);
	m->len -= 4;                                       /* cut in its flags */
}

static void madt_one_byte_left(struct madt *m)
{
	madt_new(m, 0xfee00000, 1);
	madt_lapic(m, 0, 0, 1);
	madt_add(m, (const uint8_t[]){ 0 }, 1);
}

static void madt_wrong_lengths(struct madt *m)
{
	static const uint8_t bad[] = {
		0, 10, 1, 1, 1, 0, 0, 0, 0, 0,                      /* type 0, 10 bytes */
		9, 12, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0,                /* type 9, 12 bytes */
		5, 16, 0, 0, 0, 0, 0xd0, 0xfe, 0, 0, 0, 0, 0, 0, 0, 0,   /* type 5, 16 bytes */
		0x7f, 3, 0,                                          /* unknown: passed over */
	};
	madt_new(m, 0xfee00000, 1);
	madt_add(m, bad, sizeof(bad));
	madt_lapic(m, 3, 3, 1);
}

static void madt_online_capable(struct madt *m)
{
	madt_new(m, 0xfee00000, 1);
	madt_lapic(m, 0, 0, 1);                            /* enabled */
	madt_lapic(m, 1, 1, 0);                            /* neither: absent */
	madt_lapic(m, 2, 2, 2);                            /* online-capable */
	madt_lapic(m, 3, 3, 3);                            /* both: enabled */
	madt_x2apic(m, 0x200, 2, 4);
}

static void madt_invalid_ids(struct madt *m)
{
	madt_new(m, 0xfee00000, 1);
	madt_lapic(m, 0, 0xff, 1);
	madt_lapic(m, 1, 0xff, 0);                         /* absent: silent */
	madt_lapic(m, 2, 0xfe, 1);
	madt_x2apic(m, 0xffffffff, 2, 3);
}

static void madt_no_cpu(struct madt *m)
{
	madt_new(m, 0xfee00000, 1);
	madt_lapic(m, 0, 0, 2);
	madt_lapic(m, 1, 1, 0);
}

static void madt_empty(struct madt *m)
{
	madt_new(m, 0xfee00000, 1);
}

static void madt_too_many(struct madt *m)
{
	madt_new(m, 0xfee00000, 1);
	for (unsigned i = 0; i < 70; i++)
		madt_lapic(m, (uint8_t)i, (uint8_t)i, i == 69 ? 0 : 1);   /* the last absent */
	madt_lapic(m, 70, 3, 1);                                        /* a duplicate */
}

static void madt_no_lapic(struct madt *m)
{
	madt_new(m, 0xfee00001, 1);                        /* not 4 KiB-aligned */
	madt_lapic(m, 0, 0, 1);
}

static void madt_lapic_overridden(struct madt *m)
{
	madt_new(m, 0, 1);                                 /* the override gives it */
	madt_override(m, 0xfee00000);
	madt_lapic(m, 0, 0, 1);
}

static void madt_many_findings(struct madt *m)
{
	madt_new(m, 0, 1);                                 /* no address either */
	for (unsigned i = 0; i < 12; i++)
		madt_lapic(m, (uint8_t)i, 0xff, 1);
}

/* 64 CPUs kept, 5 more ignored (the 70th is absent), the duplicate of 3 found. */
static const char too_many_golden[] =
	"ret=64 lapic=0xfee00000 flags=0x1\n"
#define CPU4(a, b, c, d) "cpu apic=" #a " uid=" #a " x2apic=0 enabled=1\n"          \
	"cpu apic=" #b " uid=" #b " x2apic=0 enabled=1\ncpu apic=" #c " uid=" #c     \
	" x2apic=0 enabled=1\ncpu apic=" #d " uid=" #d " x2apic=0 enabled=1\n"
	CPU4(0, 1, 2, 3) CPU4(4, 5, 6, 7) CPU4(8, 9, 10, 11) CPU4(12, 13, 14, 15)
	CPU4(16, 17, 18, 19) CPU4(20, 21, 22, 23) CPU4(24, 25, 26, 27) CPU4(28, 29, 30, 31)
	CPU4(32, 33, 34, 35) CPU4(36, 37, 38, 39) CPU4(40, 41, 42, 43) CPU4(44, 45, 46, 47)
	CPU4(48, 49, 50, 51) CPU4(52, 53, 54, 55) CPU4(56, 57, 58, 59) CPU4(60, 61, 62, 63)
#undef CPU4
	"finding: type 0 entry at offset 556, length 8: more than 64 CPUs: 5 from here on ignored\n"
	"finding: type 0 entry at offset 604, length 8: apic id 3 listed before; skipped (the first one wins)\n";

static void test_madt(void **state)
{
	static const struct {
		const char *name;
		void (*build)(struct madt *m);
		const char *golden;
	} cases[] = {
		{ "qemu4", madt_qemu4,
		  "ret=4 lapic=0xfee00000 flags=0x1\n"
		  "cpu apic=0 uid=0 x2apic=0 enabled=1\n"
		  "cpu apic=1 uid=1 x2apic=0 enabled=1\n"
		  "cpu apic=2 uid=2 x2apic=0 enabled=1\n"
		  "cpu apic=3 uid=3 x2apic=0 enabled=1\n" },
		{ "x2apic", madt_x2apics,
		  "ret=3 lapic=0xfee00000 flags=0x0\n"
		  "cpu apic=0 uid=0 x2apic=0 enabled=1\n"
		  "cpu apic=256 uid=256 x2apic=1 enabled=1\n"
		  "cpu apic=305419896 uid=7 x2apic=1 enabled=1\n"
		  "finding: type 9 entry at offset 84, length 16: invalid apic id 0xffffffff; skipped\n" },
		{ "overrides", madt_overrides,
		  "ret=1 lapic=0x4000fee00000 flags=0x1\n"
		  "cpu apic=0 uid=0 x2apic=0 enabled=1\n"
		  "finding: type 5 entry at offset 44, length 12: unusable address 0x0; skipped\n"
		  "finding: type 5 entry at offset 56, length 12: unusable address 0xfee00800; skipped\n"
		  "finding: type 5 entry at offset 68, length 12: unusable address 0x10000000000000; skipped\n"
		  "finding: type 5 entry at offset 100, length 12: a second override (0xfed00000); skipped\n" },
		{ "duplicates", madt_duplicates,
		  "ret=2 lapic=0xfee00000 flags=0x1\n"
		  "cpu apic=1 uid=0 x2apic=0 enabled=1\n"
		  "cpu apic=2 uid=3 x2apic=0 enabled=0\n"
		  "cpu apic=3 uid=6 x2apic=0 enabled=1\n"
		  "finding: type 0 entry at offset 52, length 8: apic id 1 listed before; skipped (the first one wins)\n"
		  "finding: type 9 entry at offset 60, length 16: apic id 1 listed before; skipped (the first one wins)\n"
		  "finding: type 0 entry at offset 84, length 8: apic id 2 listed before; skipped (the first one wins)\n" },
		{ "zero-length", madt_zero_length,
		  "ret=1 lapic=0xfee00000 flags=0x1\n"
		  "cpu apic=0 uid=0 x2apic=0 enabled=1\n"
		  "finding: type 0 entry at offset 52, length 0: walk stopped\n" },
		{ "length-one", madt_length_one,
		  "ret=0 lapic=0xfee00000 flags=0x1\n"
		  "finding: type 127 entry at offset 44, length 1: walk stopped\n"
		  "finding: no enabled CPU; the boot CPU runs alone\n" },
		{ "past-end", madt_past_end,
		  "ret=1 lapic=0xfee00000 flags=0x1\n"
		  "cpu apic=0 uid=0 x2apic=0 enabled=1\n"
		  "finding: type 9 entry at offset 52, length 16: runs past the table end (64 bytes); walk stopped\n" },
		{ "one-byte-left", madt_one_byte_left,
		  "ret=1 lapic=0xfee00000 flags=0x1\n"
		  "cpu apic=0 uid=0 x2apic=0 enabled=1\n"
		  "finding: entry at offset 52: runs past the table end (53 bytes); walk stopped\n" },
		{ "wrong-lengths", madt_wrong_lengths,
		  "ret=1 lapic=0xfee00000 flags=0x1\n"
		  "cpu apic=3 uid=3 x2apic=0 enabled=1\n"
		  "finding: type 0 entry at offset 44, length 10: wrong length (its type has 8); skipped\n"
		  "finding: type 9 entry at offset 54, length 12: wrong length (its type has 16); skipped\n"
		  "finding: type 5 entry at offset 66, length 16: wrong length (its type has 12); skipped\n" },
		{ "online-capable", madt_online_capable,
		  "ret=2 lapic=0xfee00000 flags=0x1\n"
		  "cpu apic=0 uid=0 x2apic=0 enabled=1\n"
		  "cpu apic=2 uid=2 x2apic=0 enabled=0\n"
		  "cpu apic=3 uid=3 x2apic=0 enabled=1\n"
		  "cpu apic=512 uid=4 x2apic=1 enabled=0\n" },
		{ "invalid-ids", madt_invalid_ids,
		  "ret=1 lapic=0xfee00000 flags=0x1\n"
		  "cpu apic=254 uid=2 x2apic=0 enabled=1\n"
		  "finding: type 0 entry at offset 44, length 8: invalid apic id 0xff; skipped\n"
		  "finding: type 9 entry at offset 68, length 16: invalid apic id 0xffffffff; skipped\n" },
		{ "no-cpu", madt_no_cpu,
		  "ret=0 lapic=0xfee00000 flags=0x1\n"
		  "cpu apic=0 uid=0 x2apic=0 enabled=0\n"
		  "finding: no enabled CPU; the boot CPU runs alone\n" },
		{ "empty", madt_empty,
		  "ret=0 lapic=0xfee00000 flags=0x1\n"
		  "finding: no enabled CPU; the boot CPU runs alone\n" },
		{ "too-many", madt_too_many, too_many_golden },
		{ "no-lapic", madt_no_lapic,
		  "ret=1 lapic=0x0 flags=0x1\n"
		  "cpu apic=0 uid=0 x2apic=0 enabled=1\n"
		  "finding: local APIC address 0xfee00001 is unusable\n" },
		{ "lapic-overridden", madt_lapic_overridden,
		  "ret=1 lapic=0xfee00000 flags=0x1\n"
		  "cpu apic=0 uid=0 x2apic=0 enabled=1\n" },
		{ "many-findings", madt_many_findings,
		  "ret=0 lapic=0x0 flags=0x1\n"
		  "finding: type 0 entry at offset 44, length 8: invalid apic id 0xff; skipped\n"
		  "finding: type 0 entry at offset 52, length 8: invalid apic id 0xff; skipped\n"
		  "finding: type 0 entry at offset 60, length 8: invalid apic id 0xff; skipped\n"
		  "finding: type 0 entry at offset 68, length 8: invalid apic id 0xff; skipped\n"
		  "finding: type 0 entry at offset 76, length 8: invalid apic id 0xff; skipped\n"
		  "finding: type 0 entry at offset 84, length 8: invalid apic id 0xff; skipped\n"
		  "finding: type 0 entry at offset 92, length 8: invalid apic id 0xff; skipped\n"
		  "finding: type 0 entry at offset 100, length 8: invalid apic id 0xff; skipped\n"
		  "lost=6\n" },
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct madt m;
		cases[i].build(&m);
		make_table(m.b, "APIC", m.len);
		const char *got = madt_result(&m);
		if (strcmp(got, cases[i].golden))
			case_fail("madt %s:\n--- expected\n%s--- actual\n%s---", cases[i].name,
				  cases[i].golden, got);
	}
	struct madt m;
	struct acpi_madt r;
	madt_qemu4(&m);
	assert_int_equal(m.len, 144);                      /* QEMU's is 144 bytes too */
	make_table(m.b, "APIC", m.len);
	assert_int_equal(acpi_parse_madt(m.b, 43, &r), -EINVAL);   /* shorter than a MADT */
	assert_int_equal(acpi_parse_madt(m.b, 44, &r), 0);         /* no structure: no CPU */
	memcpy(m.b, "APIX", 4);
	assert_int_equal(acpi_parse_madt(m.b, m.len, &r), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rsdp),
		cmocka_unit_test(test_table_len),
		cmocka_unit_test(test_root_entries),
		cmocka_unit_test(test_mcfg),
		cmocka_unit_test(test_madt),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
