/*
 * The "pci-v2" array (include/abi/pci.h) as data: checking an incoming one and
 * keeping an outgoing one. Pure functions over memory, built for the host too
 * (tests/host/test_pci_ser.c, fuzz_pci_ser.c); drivers/pci/pci_luo.c is the FLB.
 *
 * Incoming: every byte is untrusted. pci_ser_check() accepts an array only if its
 * counts fit the block it came in, nr_devices equals the entries in use, and no
 * function appears twice; it keeps a sorted copy of the entries in use, so nothing
 * later reads the handed-over bytes again.
 */
#ifndef PCI_SER_H
#define PCI_SER_H
#include <abi/pci.h>
#include <types.h>

#define PCI_SER_IN_MAX 256              /* entries in use Baton accepts */

struct pci_ser_in {
	uint32_t n;                     /* entries in use, sorted by (domain, bdf) */
	struct pci_dev_ser dev[PCI_SER_IN_MAX];
};

/* Check bytes bytes at buf as a pci_ser; 0 (with *out), or -EINVAL with *why. */
int pci_ser_check(const void *buf, uint64_t bytes, struct pci_ser_in *out, const char **why);
/* The entry of that function, or NULL. */
struct pci_dev_ser *pci_ser_in_find(struct pci_ser_in *in, uint32_t domain, uint16_t bdf);

/* Bytes of a pci_ser with room for max entries. */
static inline uint64_t pci_ser_bytes(uint32_t max)
{
	return sizeof(struct pci_ser) + (uint64_t)max * sizeof(struct pci_dev_ser);
}
/* Outgoing: take a reference on the function's entry, making one (at the first
 * free slot from index nr_devices on, as Linux) if it has none: 0 with *out,
 * -ENOSPC (array full), -EOVERFLOW (refcount at its limit). */
int pci_ser_get(struct pci_ser *s, uint32_t domain, uint16_t bdf, struct pci_dev_ser **out);
/* Drop a reference; the last one zeroes the entry. -EINVAL if it had none. */
int pci_ser_put(struct pci_ser *s, struct pci_dev_ser *e);
#endif
