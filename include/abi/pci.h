/*
 * The PCI File-Lifecycle-Bound state, "pci-v2", byte for byte as Linux defines it
 * (include/linux/kho/abi/pci.h of the PCI live update series; docs/abi/pci.md says
 * where Baton follows its semantics and where it differs). Packed, little-endian.
 *
 * The FLB's data is the physical address of one KHO-preserved struct pci_ser with
 * room for max_nr_devices entries (the functions present when the first device was
 * preserved). An entry is in use when its refcount is non-zero: the number of
 * preservations that keep the function (its own, plus one per preserved function
 * below it if it is a bridge). Unused entries are all zero and may sit anywhere in
 * the array; nr_devices counts the entries in use.
 */
#ifndef ABI_PCI_H
#define ABI_PCI_H
#include <stddef.h>
#include <stdint.h>

#define PCI_LUO_FLB_COMPATIBLE "pci-v2"

struct pci_dev_ser {
	uint32_t domain;             /* PCI segment */
	uint16_t bdf;                /* bus << 8 | device << 3 | function */
	uint16_t refcount;           /* 0: the entry is free */
} __attribute__((packed));
_Static_assert(sizeof(struct pci_dev_ser) == 8, "pci_dev_ser is 8 bytes");
_Static_assert(offsetof(struct pci_dev_ser, bdf) == 4, "pci_dev_ser bdf at +4");
_Static_assert(offsetof(struct pci_dev_ser, refcount) == 6, "pci_dev_ser refcount at +6");

struct pci_ser {
	uint32_t max_nr_devices;     /* entries in devices[] */
	uint32_t nr_devices;         /* entries with a non-zero refcount */
	struct pci_dev_ser devices[];
} __attribute__((packed));
_Static_assert(sizeof(struct pci_ser) == 8, "pci_ser header is 8 bytes");
_Static_assert(offsetof(struct pci_ser, devices) == 8, "pci_ser devices at +8");
#endif
