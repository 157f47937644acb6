/*
 * MSI-X (PCI Local Bus 3.0 §6.8.2; model in include/pci.h). The capability (id
 * 0x11): message control at +2 (table size - 1 in bits 0-10, function mask bit 14,
 * enable bit 15), the table's BAR indicator and offset at +4 (BIR in bits 0-2, the
 * offset 8-byte aligned), the pending-bit array's at +8. Each table entry is 16
 * bytes: message address low, high, data, vector control (bit 0: masked).
 * Baton's messages are x86 fixed, edge, physical destination: address 0xfee00000
 * with the APIC ID in bits 12-19, data = the vector.
 */
#include <errno.h>
#include <mmio.h>
#include <pci.h>

#define CAP_MSIX         0x11
#define MSIX_CTRL        2
#define MSIX_TABLE       4
#define MSIX_PBA         8
#define CTRL_MASKALL     0x4000
#define CTRL_ENABLE      0x8000
#define ENTRY_BYTES      16
#define E_ADDR_LO        0
#define E_ADDR_HI        4
#define E_DATA           8
#define E_CTRL           12
#define E_MASKED         1
#define MSI_ADDR_BASE    0xfee00000u

int pci_msix_parse(uint16_t ctrl, uint32_t table, uint32_t pba, struct pci_msix *m)
{
	*m = (struct pci_msix){
		.size = (uint16_t)((ctrl & 0x7ff) + 1),
		.table_bar = (uint8_t)(table & 7), .table_off = table & ~7u,
		.pba_bar = (uint8_t)(pba & 7), .pba_off = pba & ~7u,
	};
	return m->table_bar < PCI_NUM_BARS && m->pba_bar < PCI_NUM_BARS ? 0 : -EINVAL;
}

int pci_msix_init(struct pci_dev *d, struct pci_msix *m)
{
	unsigned cap = pci_find_cap(d, CAP_MSIX, 0);
	if (!cap)
		return -ENOENT;
	if (pci_msix_parse(pci_read16(d, cap + MSIX_CTRL), pci_read32(d, cap + MSIX_TABLE),
			   pci_read32(d, cap + MSIX_PBA), m))
		return -EINVAL;
	m->cap = (uint8_t)cap;
	m->table = pci_map_bar(d, m->table_bar, m->table_off, (uint64_t)m->size * ENTRY_BYTES);
	return m->table ? 0 : -ENODEV;
}

static void set_ctrl(struct pci_dev *d, const struct pci_msix *m, uint16_t clear, uint16_t set)
{
	unsigned at = m->cap + MSIX_CTRL;
	pci_write16(d, at, (uint16_t)((pci_read16(d, at) & ~clear) | set));
}

void pci_msix_enable(struct pci_dev *d, const struct pci_msix *m)
{
	/* Every entry masked first: the table may hold another kernel's messages. */
	set_ctrl(d, m, 0, CTRL_MASKALL | CTRL_ENABLE);
	for (unsigned i = 0; i < m->size; i++)
		pci_msix_mask(m, i, true);
	set_ctrl(d, m, CTRL_MASKALL, 0);
}

void pci_msix_disable(struct pci_dev *d, const struct pci_msix *m)
{
	set_ctrl(d, m, CTRL_ENABLE, CTRL_MASKALL);
}

bool pci_msix_enabled(const struct pci_dev *d, const struct pci_msix *m)
{
	return pci_read16(d, m->cap + MSIX_CTRL) & CTRL_ENABLE;
}

void pci_msix_mask(const struct pci_msix *m, unsigned entry, bool masked)
{
	volatile uint8_t *e = m->table + (uint64_t)entry * ENTRY_BYTES;
	writel(e + E_CTRL, (readl(e + E_CTRL) & ~E_MASKED) | (masked ? E_MASKED : 0));
}

void pci_msix_set(const struct pci_msix *m, unsigned entry, uint32_t apic_id, uint8_t vector)
{
	volatile uint8_t *e = m->table + (uint64_t)entry * ENTRY_BYTES;
	pci_msix_mask(m, entry, true);
	writel(e + E_ADDR_LO, MSI_ADDR_BASE | (apic_id & 0xff) << 12);
	writel(e + E_ADDR_HI, 0);
	writel(e + E_DATA, vector);          /* fixed delivery, edge */
	pci_msix_mask(m, entry, false);
}
