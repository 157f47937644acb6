/*
 * PCI: the devices found at boot, their configuration space, BARs and capabilities.
 *
 * Model: pci_init() walks the buses once, from bus 0 through every PCI-PCI bridge's
 * secondary bus (each bus at most once), and records each function in a fixed table
 * (PCI_MAX_DEVS; more are ignored with a warning). Configuration space is reached
 * through the ECAM window of the ACPI MCFG table when there is one (q35), else the
 * legacy 0xcf8/0xcfc ports (pc; only the first 256 bytes). BARs are sized at
 * enumeration with the all-ones probe while the function's decoding is off, and
 * never moved: Baton keeps the firmware's assignment.
 *
 * A driver claims a function (pci_claim) with a quiesce callback; drivers_quiesce()
 * (include/drivers.h) calls every claimed function's callback and then turns its
 * bus mastering off, so no device DMAs into memory the next kernel owns.
 * Single CPU, no locks: called from boot and console context only.
 */
#ifndef PCI_H
#define PCI_H
#include <types.h>

#define PCI_MAX_DEVS 64
#define PCI_NUM_BARS 6

#define PCI_VENDOR_ID     0x00
#define PCI_DEVICE_ID     0x02
#define PCI_COMMAND       0x04
#define PCI_STATUS        0x06
#define PCI_CLASS_REV     0x08
#define PCI_HEADER_TYPE   0x0e
#define PCI_BAR0          0x10
#define PCI_SECONDARY_BUS 0x19
#define PCI_CAP_PTR       0x34

#define PCI_CMD_IO        0x1
#define PCI_CMD_MEM       0x2
#define PCI_CMD_MASTER    0x4
#define PCI_CMD_INTX_OFF  0x400
#define PCI_STATUS_CAPS   0x10

struct pci_bar {
	paddr_t base;          /* bus address = physical address (no IOMMU) */
	uint64_t size;         /* 0: not implemented */
	bool io, is64, prefetch;
};

struct pci_dev {
	uint16_t segment;
	uint8_t bus, dev, fn;
	uint16_t vendor, device;
	uint32_t class_code;   /* class << 16 | subclass << 8 | prog-if */
	uint8_t header_type;   /* without the multi-function bit */
	struct pci_bar bar[PCI_NUM_BARS];
	char name[16];         /* "0000:00:04.0" */
	volatile uint8_t *cfg; /* its ECAM page, mapped while it exists; NULL: ports */
	const char *driver;    /* set by pci_claim */
	void (*quiesce)(void *priv);
	void *priv;
};

/* Enumerate (once, at boot). Returns the number of functions found. */
int pci_init(void);
unsigned pci_count(void);
struct pci_dev *pci_get(unsigned i);
/* "ecam" or "legacy". */
const char *pci_access(void);

uint8_t pci_read8(const struct pci_dev *d, unsigned off);
uint16_t pci_read16(const struct pci_dev *d, unsigned off);
uint32_t pci_read32(const struct pci_dev *d, unsigned off);
void pci_write16(const struct pci_dev *d, unsigned off, uint16_t v);
void pci_write32(const struct pci_dev *d, unsigned off, uint32_t v);

/*
 * Offset of the first capability with this id after the one at `from` (0: from the
 * start of the list), or 0. The walk is bounded (at most 48 entries, each at an
 * offset in [0x40, 0x100), dword-aligned), so a looping or wild list ends.
 */
unsigned pci_find_cap(const struct pci_dev *d, uint8_t id, unsigned from);
/* Map [off, off+len) of memory BAR i, uncached; NULL if out of the BAR or not memory. */
void *pci_map_bar(const struct pci_dev *d, unsigned i, uint64_t off, uint64_t len);
/* Turn on memory decoding and bus mastering, and INTx off (Baton polls). */
void pci_enable(struct pci_dev *d);
/* A driver takes the function; quiesce(priv) runs at drivers_quiesce(). */
void pci_claim(struct pci_dev *d, const char *driver, void (*quiesce)(void *), void *priv);
/* Quiesce every claimed function, then clear its bus-master bit. */
void pci_quiesce_all(void);
#endif
