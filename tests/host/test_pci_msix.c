/*
 * drivers/pci/pci_msix.c against a simulated function: a configuration space with
 * an MSI-X capability (PCI Local Bus 3.0 §6.8.2 layout: message control at +2,
 * table BIR/offset at +4, PBA BIR/offset at +8) and a table in "BAR" memory.
 *
 * Covered: pci_msix_parse's fields (table size = control bits 0-10 plus 1, BIR in
 * bits 0-2, offsets with those bits cleared, BIR 6 and 7 refused); pci_msix_init
 * (no capability -ENOENT, a table outside its BAR -ENODEV, the mapping asked for
 * exactly size * 16 bytes at the table offset); enable (every entry masked, enable
 * set, function mask clear), an entry's message (address 0xfee00000 | id << 12,
 * data = vector, unmasked), disable (enable clear, function mask set).
 */
#include <errno.h>
#include <string.h>
#include <pci.h>
#include "host_test.h"

/* ---- the simulated function ---- */

static uint8_t cfg[256];
static uint32_t table_mem[64 * 4];
static unsigned msix_at;            /* the capability's offset, 0: none */
static uint64_t mapped_off, mapped_len;
static unsigned mapped_bar;
static uint64_t bar_size = sizeof(table_mem);

unsigned pci_find_cap(const struct pci_dev *d, uint8_t id, unsigned from)
{
	(void)d;
	return id == 0x11 && !from ? msix_at : 0;
}
uint8_t pci_read8(const struct pci_dev *d, unsigned off) { (void)d; return cfg[off]; }
uint16_t pci_read16(const struct pci_dev *d, unsigned off)
{
	(void)d;
	return (uint16_t)(cfg[off] | cfg[off + 1] << 8);
}
uint32_t pci_read32(const struct pci_dev *d, unsigned off)
{
	return pci_read16(d, off) | (uint32_t)pci_read16(d, off + 2) << 16;
}
void pci_write16(const struct pci_dev *d, unsigned off, uint16_t v)
{
	(void)d;
	cfg[off] = (uint8_t)v;
	cfg[off + 1] = (uint8_t)(v >> 8);
}
void pci_write32(const struct pci_dev *d, unsigned off, uint32_t v)
{
	pci_write16(d, off, (uint16_t)v);
	pci_write16(d, off + 2, (uint16_t)(v >> 16));
}
void *pci_map_bar(const struct pci_dev *d, unsigned i, uint64_t off, uint64_t len)
{
	(void)d;
	mapped_bar = i;
	mapped_off = off;
	mapped_len = len;
	if (off > bar_size || len > bar_size - off)
		return NULL;
	return (uint8_t *)table_mem + off;
}

static void function(uint16_t ctrl, uint32_t table, uint32_t pba)
{
	memset(cfg, 0, sizeof(cfg));
	memset(table_mem, 0xa5, sizeof(table_mem));
	msix_at = 0x50;
	pci_write16(NULL, msix_at + 2, ctrl);
	pci_write32(NULL, msix_at + 4, table);
	pci_write32(NULL, msix_at + 8, pba);
}

/* ---- tests ---- */

static void test_parse(void **state)
{
	(void)state;
	struct pci_msix m;
	assert_int_equal(pci_msix_parse(0xc002, 0x2001, 0x3805, &m), 0);
	assert_int_equal(m.size, 3);            /* function mask and enable ignored */
	assert_int_equal(m.table_bar, 1);
	assert_int_equal(m.table_off, 0x2000);
	assert_int_equal(m.pba_bar, 5);
	assert_int_equal(m.pba_off, 0x3800);
	assert_int_equal(pci_msix_parse(0x07ff, 0, 0, &m), 0);
	assert_int_equal(m.size, 2048);
	assert_int_equal(pci_msix_parse(0, 6, 0, &m), -EINVAL);
	assert_int_equal(pci_msix_parse(0, 0, 7, &m), -EINVAL);
}

static void test_init(void **state)
{
	(void)state;
	struct pci_dev d = { 0 };
	struct pci_msix m;
	function(1, 0x104, 0x804);
	msix_at = 0;
	assert_int_equal(pci_msix_init(&d, &m), -ENOENT);
	msix_at = 0x50;
	assert_int_equal(pci_msix_init(&d, &m), 0);
	assert_int_equal(m.cap, 0x50);
	assert_int_equal(mapped_bar, 4);
	assert_int_equal(mapped_off, 0x100);
	assert_int_equal(mapped_len, 2 * 16);
	assert_ptr_equal(m.table, (uint8_t *)table_mem + 0x100);
	function(0x3f, 0x100, 0x804);            /* 64 entries from 0x100: past the BAR */
	assert_int_equal(pci_msix_init(&d, &m), -ENODEV);
}

static void test_enable_program_disable(void **state)
{
	(void)state;
	struct pci_dev d = { 0 };
	struct pci_msix m;
	function(3, 0, 0x800);                   /* 4 entries at 0, table words 0..15 */
	assert_int_equal(pci_msix_init(&d, &m), 0);
	pci_msix_enable(&d, &m);
	assert_int_equal(pci_read16(&d, 0x52), 0x8003);
	assert_true(pci_msix_enabled(&d, &m));
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(table_mem[4 * i + 3] & 1, 1);   /* every entry masked */
	pci_msix_set(&m, 2, 5, 0x41);
	assert_int_equal(table_mem[8], 0xfee05000u);
	assert_int_equal(table_mem[9], 0);
	assert_int_equal(table_mem[10], 0x41);
	assert_int_equal(table_mem[11] & 1, 0);
	assert_int_equal(table_mem[4 * 1 + 3] & 1, 1);       /* the others stay masked */
	pci_msix_mask(&m, 2, true);
	assert_int_equal(table_mem[11] & 1, 1);
	pci_msix_disable(&d, &m);
	assert_int_equal(pci_read16(&d, 0x52), 0x4003);
	assert_false(pci_msix_enabled(&d, &m));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_enable_program_disable),
	};
	return cmocka_run_group_tests_name("pci_msix", tests, NULL, NULL);
}
