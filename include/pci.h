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
 * Live update (drivers/pci/pci_luo.c, docs/abi/pci.md): a driver may keep a
 * function live across a kexec. The PCI FLB "pci-v2" lists it (and the bridges
 * above it) for the next kernel, whose scan then neither sizes its BARs nor touches
 * its command register; the driver adopts it, or releases it to a normal probe.
 * No locks: called from boot and console context only, on the boot CPU.
 */
#ifndef PCI_H
#define PCI_H
#include <types.h>

struct pci_dev_ser;

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
	struct pci_dev *parent;   /* the bridge above it, NULL on bus 0 */
	const char *driver;    /* set by pci_claim */
	void (*quiesce)(void *priv);
	void *priv;
	struct pci_dev_ser *lu_out; /* its entry in the outgoing pci-v2 array */
	bool lu_in;            /* preserved by the previous kernel, not finished */
	bool bars_unsized;     /* lu_in: BAR sizes unknown until adopted or released */
};

/* Bus, device and function as one 16-bit number, as pci-v2 stores it. */
static inline uint16_t pci_bdf(uint8_t bus, uint8_t dev, uint8_t fn)
{
	return (uint16_t)(bus << 8 | (dev & 0x1f) << 3 | (fn & 7));
}

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
/* Quiesce every claimed function, then clear its bus-master bit; a function kept
 * for the next kernel (pci_luo_outgoing) keeps it. An incoming one nobody adopted
 * loses it. */
void pci_quiesce_all(void);
/* The function at domain:bdf, or NULL. */
struct pci_dev *pci_find(uint32_t domain, uint16_t bdf);
/* Size the BARs again (decoding off while sizing). */
void pci_size_bars(struct pci_dev *d);

/* ---- MSI-X (drivers/pci/pci_msix.c) ----
 * A driver finds and maps the table (pci_msix_init), enables MSI-X with every entry
 * masked (pci_msix_enable), then aims entries at a CPU's vector (pci_msix_set
 * unmasks). pci_msix_disable clears the enable bit and sets the function mask:
 * the device sends nothing (and with INTx off, which pci_enable sets, raises
 * nothing either). */
struct pci_msix {
	uint8_t cap;                   /* the capability's offset */
	uint16_t size;                 /* table entries */
	uint8_t table_bar, pba_bar;
	uint32_t table_off, pba_off;
	volatile uint8_t *table;       /* mapped by pci_msix_init */
};
/* Pure: the fields of the message control, table and PBA words (cap and table not
 * set); -EINVAL if a BAR indicator is 6 or 7 (no such BAR). */
int pci_msix_parse(uint16_t ctrl, uint32_t table, uint32_t pba, struct pci_msix *m);
/* Find the capability and map the table: 0, -ENOENT (none), -EINVAL, -ENODEV (the
 * table is not inside a memory BAR). */
int pci_msix_init(struct pci_dev *d, struct pci_msix *m);
void pci_msix_enable(struct pci_dev *d, const struct pci_msix *m);
void pci_msix_disable(struct pci_dev *d, const struct pci_msix *m);
bool pci_msix_enabled(const struct pci_dev *d, const struct pci_msix *m);
void pci_msix_mask(const struct pci_msix *m, unsigned entry, bool masked);
/* Entry -> fixed, edge interrupt `vector` at APIC ID apic_id (<= 0xff), unmasked. */
void pci_msix_set(const struct pci_msix *m, unsigned entry, uint32_t apic_id, uint8_t vector);

/* ---- Live update: the PCI FLB "pci-v2" (drivers/pci/pci_luo.c) ---- */
struct luo_file_handler;
/* A handler whose files keep functions live depends on the PCI FLB (LUO_REGISTER). */
int pci_luo_register_flb(struct luo_file_handler *h);
/* From a file's preserve: keep the function and every bridge above it for the
 * next kernel. -ENOENT no outgoing PCI FLB (the handler did not register it),
 * -EBUSY already kept, -ENOSPC / -EOVERFLOW the array is full. */
int pci_luo_preserve(struct pci_dev *d);
void pci_luo_unpreserve(struct pci_dev *d);
static inline bool pci_luo_outgoing(const struct pci_dev *d) { return d->lu_out; }
/* At enumeration (pci_init): was the function preserved by the previous kernel? */
bool pci_luo_scan_preserved(struct pci_dev *d);
void pci_luo_scan_done(void);
/* An incoming function's BARs, from the driver's record: each base must be what the
 * function holds now and each size a power of two the base is aligned to; else
 * -EINVAL (nothing changed). */
int pci_luo_adopt_bars(struct pci_dev *d, const uint64_t base[PCI_NUM_BARS],
		       const uint64_t size[PCI_NUM_BARS]);
/* The driver is done with an incoming function (adopted and its session finished,
 * or released): its entry and its bridges' are dropped. */
void pci_luo_finish(struct pci_dev *d);
/* Give an incoming function up: bus mastering off, BARs sized as at a cold boot,
 * then pci_luo_finish. The driver resets and probes it as any other. */
void pci_luo_release(struct pci_dev *d);
/* Incoming files of the handlers that depend on pci-v2 not yet finished (the FLB's
 * count less the references functions hold). */
unsigned pci_luo_incoming_files(void);
#endif
