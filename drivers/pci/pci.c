/*
 * PCI enumeration and configuration access (model in include/pci.h).
 *
 * Access: ECAM, through the MCFG allocations of segment 0. A function that exists
 * has its own 4 KiB configuration page mapped (uncached) when it is found, and kept
 * (pci_dev.cfg); a function that may not exist is looked at through one reusable
 * window page, so a scan maps a page per function found, not 1 MiB per bus. A bus
 * no allocation covers (or a page whose mapping failed) goes through the legacy
 * ports, which reach offsets below 256 only. Reads past what the access method
 * reaches return all ones, as absent hardware does.
 */
#include <acpi.h>
#include <errno.h>
#include <mm.h>
#include <mmio.h>
#include <pci.h>
#include <printk.h>
#include <string.h>
#include <x86.h>
#include "pci_ser.h"

#define CFG_ADDR 0xcf8
#define CFG_DATA 0xcfc
#define MAX_CAPS 48

static struct pci_dev devs[PCI_MAX_DEVS];
static unsigned ndevs;
static struct acpi_mcfg_alloc mcfg[ACPI_MCFG_MAX];
static int nmcfg;
static volatile uint8_t *window;          /* one page, retargeted for each look */
static paddr_t window_pa;

const char *pci_access(void)
{
	return nmcfg > 0 ? "ecam" : "legacy";
}

/* The physical address of the function's ECAM page, or 0 if no allocation covers it. */
static paddr_t ecam_pa(uint8_t bus, uint8_t dev, uint8_t fn)
{
	for (int i = 0; i < nmcfg; i++) {
		const struct acpi_mcfg_alloc *a = &mcfg[i];
		if (!a->segment && bus >= a->bus_start && bus <= a->bus_end)
			return a->base + ((paddr_t)(bus - a->bus_start) << 20 |
					  (paddr_t)dev << 15 | (paddr_t)fn << 12);
	}
	return 0;
}

/* The function's configuration page: its own if it was found, else the window
 * pointed at it; NULL to use the legacy ports. */
static volatile uint8_t *ecam(uint8_t bus, uint8_t dev, uint8_t fn)
{
	for (unsigned i = 0; i < ndevs; i++)
		if (devs[i].bus == bus && devs[i].dev == dev && devs[i].fn == fn && devs[i].cfg)
			return devs[i].cfg;
	paddr_t pa = ecam_pa(bus, dev, fn);
	if (!pa)
		return NULL;
	if (!window) {
		window = ioremap(pa, PAGE_SIZE);
		window_pa = pa;
	} else if (pa != window_pa) {
		window_pa = ioremap_retarget((void *)window, pa) ? 0 : pa;
	}
	return window && window_pa == pa ? window : NULL;
}

static uint32_t legacy_addr(uint8_t bus, uint8_t dev, uint8_t fn, unsigned off)
{
	return 0x80000000u | (uint32_t)bus << 16 | (uint32_t)dev << 11 | (uint32_t)fn << 8 |
	       (off & 0xfc);
}

static uint32_t cfg_read(uint8_t bus, uint8_t dev, uint8_t fn, unsigned off, unsigned width)
{
	volatile uint8_t *p = off < 4096 ? ecam(bus, dev, fn) : NULL;
	if (p) {
		p += off;
		return width == 1 ? readb(p) : width == 2 ? readw(p) : readl(p);
	}
	if (off >= 256)
		return width == 1 ? 0xff : width == 2 ? 0xffff : 0xffffffffu;
	outl(CFG_ADDR, legacy_addr(bus, dev, fn, off));
	uint16_t port = (uint16_t)(CFG_DATA + (off & 3));
	return width == 1 ? inb(port) : width == 2 ? inw(port) : inl(port);
}

static void cfg_write(uint8_t bus, uint8_t dev, uint8_t fn, unsigned off, unsigned width,
		      uint32_t v)
{
	volatile uint8_t *p = off < 4096 ? ecam(bus, dev, fn) : NULL;
	if (p) {
		p += off;
		if (width == 2)
			writew(p, (uint16_t)v);
		else
			writel(p, v);
		return;
	}
	if (off >= 256)
		return;
	outl(CFG_ADDR, legacy_addr(bus, dev, fn, off));
	if (width == 2)
		outw((uint16_t)(CFG_DATA + (off & 3)), (uint16_t)v);
	else
		outl(CFG_DATA, v);
}

uint8_t pci_read8(const struct pci_dev *d, unsigned off) { return (uint8_t)cfg_read(d->bus, d->dev, d->fn, off, 1); }
uint16_t pci_read16(const struct pci_dev *d, unsigned off) { return (uint16_t)cfg_read(d->bus, d->dev, d->fn, off, 2); }
uint32_t pci_read32(const struct pci_dev *d, unsigned off) { return cfg_read(d->bus, d->dev, d->fn, off, 4); }
void pci_write16(const struct pci_dev *d, unsigned off, uint16_t v) { cfg_write(d->bus, d->dev, d->fn, off, 2, v); }
void pci_write32(const struct pci_dev *d, unsigned off, uint32_t v) { cfg_write(d->bus, d->dev, d->fn, off, 4, v); }

/* Size BAR i (decoding is off); returns how many BAR registers it used (1 or 2). */
static unsigned size_bar(struct pci_dev *d, unsigned i, unsigned nbars)
{
	unsigned off = PCI_BAR0 + 4 * i;
	struct pci_bar *b = &d->bar[i];
	uint32_t lo = pci_read32(d, off);
	pci_write32(d, off, 0xffffffffu);
	uint32_t mlo = pci_read32(d, off);
	pci_write32(d, off, lo);
	if (lo & 1) {                                     /* I/O space */
		uint32_t mask = mlo & 0xfffffffcu;
		b->io = true;
		b->base = lo & 0xfffffffcu;
		b->size = mask ? (uint32_t)(~mask + 1) & 0xffff : 0;
		return 1;
	}
	b->prefetch = lo & 8;
	b->base = lo & 0xfffffff0u;
	uint64_t mask = mlo & 0xfffffff0u;
	if (((lo >> 1) & 3) == 2 && i + 1 < nbars) {      /* 64-bit: the next BAR is the top */
		uint32_t hi = pci_read32(d, off + 4);
		pci_write32(d, off + 4, 0xffffffffu);
		uint32_t mhi = pci_read32(d, off + 4);
		pci_write32(d, off + 4, hi);
		b->is64 = true;
		b->base |= (uint64_t)hi << 32;
		mask |= (uint64_t)mhi << 32;
		b->size = mask ? ~mask + 1 : 0;
		return 2;
	}
	b->size = mask ? (uint32_t)(~(uint32_t)mask + 1) : 0;
	return 1;
}

void pci_size_bars(struct pci_dev *d)
{
	unsigned nbars = d->header_type == 0 ? 6 : d->header_type == 1 ? 2 : 0;
	uint16_t cmd = pci_read16(d, PCI_COMMAND);
	pci_write16(d, PCI_COMMAND, cmd & ~(PCI_CMD_IO | PCI_CMD_MEM));
	for (unsigned i = 0; i < nbars;)
		i += size_bar(d, i, nbars);
	pci_write16(d, PCI_COMMAND, cmd);
	d->bars_unsized = false;
}

/* A function kept live by the previous kernel: its BARs as they are, read without
 * writing a register (sizes come with the driver's record, pci_luo_adopt_bars). */
static void read_bar_bases(struct pci_dev *d)
{
	unsigned nbars = d->header_type == 0 ? 6 : d->header_type == 1 ? 2 : 0;
	for (unsigned i = 0; i < nbars; i++) {
		struct pci_bar *b = &d->bar[i];
		uint32_t lo = pci_read32(d, PCI_BAR0 + 4 * i);
		*b = (struct pci_bar){ .io = lo & 1 };
		b->base = b->io ? lo & 0xfffffffcu : lo & 0xfffffff0u;
		b->prefetch = !b->io && (lo & 8);
		if (!b->io && ((lo >> 1) & 3) == 2 && i + 1 < nbars) {
			b->is64 = true;
			b->base |= (uint64_t)pci_read32(d, PCI_BAR0 + 4 * (i + 1)) << 32;
			d->bar[++i] = (struct pci_bar){ 0 };
		}
	}
	d->bars_unsized = true;
}

static void scan_bus(uint8_t bus, struct pci_dev *parent, uint32_t *seen);

static void add_fn(uint8_t bus, uint8_t dev, uint8_t fn, struct pci_dev *parent, uint32_t *seen)
{
	uint32_t id = cfg_read(bus, dev, fn, PCI_VENDOR_ID, 4);
	if ((id & 0xffff) == 0xffff || (id & 0xffff) == 0)
		return;
	if (ndevs == PCI_MAX_DEVS) {
		printk("pci: warning: more than %u functions; %02x:%02x.%x ignored\n",
		       PCI_MAX_DEVS, bus, dev, fn);
		return;
	}
	paddr_t pa = ecam_pa(bus, dev, fn);
	struct pci_dev *d = &devs[ndevs++];
	*d = (struct pci_dev){ .bus = bus, .dev = dev, .fn = fn, .parent = parent, .vendor = (uint16_t)id,
			       .device = (uint16_t)(id >> 16),
			       .cfg = pa ? ioremap(pa, PAGE_SIZE) : NULL };
	d->class_code = cfg_read(bus, dev, fn, PCI_CLASS_REV, 4) >> 8;
	d->header_type = (uint8_t)cfg_read(bus, dev, fn, PCI_HEADER_TYPE, 1) & 0x7f;
	snprintf(d->name, sizeof(d->name), "%04x:%02x:%02x.%x", 0, bus, dev, fn);
	if (pci_luo_scan_preserved(d))
		read_bar_bases(d);
	else
		pci_size_bars(d);
	if (d->header_type == 1) {
		uint8_t sec = pci_read8(d, PCI_SECONDARY_BUS);
		if (sec > bus)
			scan_bus(sec, d, seen);
	}
}

static void scan_bus(uint8_t bus, struct pci_dev *parent, uint32_t *seen)
{
	if (seen[bus / 32] & (1u << (bus % 32)))
		return;
	seen[bus / 32] |= 1u << (bus % 32);
	for (uint8_t dev = 0; dev < 32; dev++) {
		if ((cfg_read(bus, dev, 0, PCI_VENDOR_ID, 2) & 0xffff) == 0xffff)
			continue;
		bool multi = cfg_read(bus, dev, 0, PCI_HEADER_TYPE, 1) & 0x80;
		for (uint8_t fn = 0; fn < (multi ? 8 : 1); fn++)
			add_fn(bus, dev, fn, parent, seen);
	}
}

int pci_init(void)
{
	const void *t;
	uint32_t len;
	uint32_t seen[8] = { 0 };
	if (!acpi_find_table("MCFG", &t, &len)) {
		nmcfg = acpi_parse_mcfg(t, len, mcfg, ACPI_MCFG_MAX);
		if (nmcfg < 0)
			nmcfg = 0;
		for (int i = 0; i < nmcfg; i++)
			printk("pci: ECAM %#llx segment %u buses %02x-%02x\n",
			       (unsigned long long)mcfg[i].base, mcfg[i].segment, mcfg[i].bus_start,
			       mcfg[i].bus_end);
	}
	scan_bus(0, NULL, seen);
	pci_luo_scan_done();
	printk("pci: %u functions (%s configuration access)\n", ndevs, pci_access());
	return (int)ndevs;
}

unsigned pci_count(void)
{
	return ndevs;
}

struct pci_dev *pci_get(unsigned i)
{
	return i < ndevs ? &devs[i] : NULL;
}

struct pci_dev *pci_find(uint32_t domain, uint16_t bdf)
{
	for (unsigned i = 0; i < ndevs; i++)
		if (devs[i].segment == domain && pci_bdf(devs[i].bus, devs[i].dev, devs[i].fn) == bdf)
			return &devs[i];
	return NULL;
}

unsigned pci_find_cap(const struct pci_dev *d, uint8_t id, unsigned from)
{
	if (!(pci_read16(d, PCI_STATUS) & PCI_STATUS_CAPS))
		return 0;
	unsigned off = from ? pci_read8(d, from + 1) : pci_read8(d, PCI_CAP_PTR);
	for (unsigned n = 0; n < MAX_CAPS; n++) {
		off &= 0xfc;
		if (off < 0x40)
			return 0;
		if (pci_read8(d, off) == id)
			return off;
		off = pci_read8(d, off + 1);
	}
	return 0;
}

void *pci_map_bar(const struct pci_dev *d, unsigned i, uint64_t off, uint64_t len)
{
	if (i >= PCI_NUM_BARS)
		return NULL;
	const struct pci_bar *b = &d->bar[i];
	if (d->bars_unsized || b->io || !b->size || !b->base || off > b->size || len > b->size - off)
		return NULL;
	return ioremap(b->base + off, len);
}

void pci_enable(struct pci_dev *d)
{
	pci_write16(d, PCI_COMMAND,
		    pci_read16(d, PCI_COMMAND) | PCI_CMD_MEM | PCI_CMD_MASTER | PCI_CMD_INTX_OFF);
}

void pci_claim(struct pci_dev *d, const char *driver, void (*quiesce)(void *), void *priv)
{
	d->driver = driver;
	d->quiesce = quiesce;
	d->priv = priv;
}

void pci_quiesce_all(void)
{
	for (unsigned i = 0; i < ndevs; i++) {
		struct pci_dev *d = &devs[i];
		if (!d->driver && !(d->lu_in && d->header_type == 0))
			continue;                /* bridges keep forwarding as they are */
		if (d->driver && d->quiesce)
			d->quiesce(d->priv);
		if (!pci_luo_outgoing(d))
			pci_write16(d, PCI_COMMAND, pci_read16(d, PCI_COMMAND) & ~PCI_CMD_MASTER);
	}
}
