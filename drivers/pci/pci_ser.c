/*
 * The "pci-v2" array: checks and bookkeeping (model in drivers/pci/pci_ser.h).
 * Entries are 8 packed bytes; they are copied out before use, so an unaligned or
 * hostile array is read once, byte-exactly, and never trusted after.
 */
#include <errno.h>
#include <string.h>
#include "pci_ser.h"

static uint64_t key(const struct pci_dev_ser *e)
{
	return (uint64_t)e->domain << 16 | e->bdf;
}

int pci_ser_check(const void *buf, uint64_t bytes, struct pci_ser_in *out, const char **why)
{
	struct pci_ser h;
	out->n = 0;
	if (bytes < sizeof(h)) {
		*why = "shorter than its header";
		return -EINVAL;
	}
	memcpy(&h, buf, sizeof(h));
	if (h.max_nr_devices > (bytes - sizeof(h)) / sizeof(struct pci_dev_ser)) {
		*why = "max_nr_devices runs past its block";
		return -EINVAL;
	}
	if (h.nr_devices > h.max_nr_devices) {
		*why = "nr_devices exceeds max_nr_devices";
		return -EINVAL;
	}
	const uint8_t *p = (const uint8_t *)buf + sizeof(h);
	for (uint32_t i = 0; i < h.max_nr_devices; i++) {
		struct pci_dev_ser e;
		memcpy(&e, p + (uint64_t)i * sizeof(e), sizeof(e));
		if (!e.refcount)
			continue;
		if (out->n == PCI_SER_IN_MAX || out->n == h.nr_devices) {
			*why = out->n == PCI_SER_IN_MAX ? "more entries in use than Baton keeps"
							: "more entries in use than nr_devices";
			return -EINVAL;
		}
		/* Insertion into the sorted copy; a duplicate function is refused. */
		uint32_t j = out->n;
		while (j && key(&out->dev[j - 1]) > key(&e)) {
			out->dev[j] = out->dev[j - 1];
			j--;
		}
		if (j && key(&out->dev[j - 1]) == key(&e)) {
			*why = "a function appears twice";
			return -EINVAL;
		}
		out->dev[j] = e;
		out->n++;
	}
	if (out->n != h.nr_devices) {
		*why = "fewer entries in use than nr_devices";
		return -EINVAL;
	}
	return 0;
}

struct pci_dev_ser *pci_ser_in_find(struct pci_ser_in *in, uint32_t domain, uint16_t bdf)
{
	struct pci_dev_ser k = { domain, bdf, 1 };
	uint32_t lo = 0, hi = in->n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (key(&in->dev[mid]) < key(&k))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < in->n && key(&in->dev[lo]) == key(&k) ? &in->dev[lo] : NULL;
}

int pci_ser_get(struct pci_ser *s, uint32_t domain, uint16_t bdf, struct pci_dev_ser **out)
{
	uint32_t max = s->max_nr_devices, free_at = max;
	for (uint32_t i = 0; i < max; i++) {
		struct pci_dev_ser *e = &s->devices[i];
		if (e->refcount && e->domain == domain && e->bdf == bdf) {
			if (e->refcount == UINT16_MAX)
				return -EOVERFLOW;
			e->refcount++;
			*out = e;
			return 0;
		}
	}
	for (uint32_t i = 0; i < max && free_at == max; i++) {
		uint32_t at = (uint32_t)(((uint64_t)s->nr_devices + i) % max);
		if (!s->devices[at].refcount)
			free_at = at;
	}
	if (free_at == max)
		return -ENOSPC;
	s->devices[free_at] = (struct pci_dev_ser){ domain, bdf, 1 };
	s->nr_devices++;
	*out = &s->devices[free_at];
	return 0;
}

int pci_ser_put(struct pci_ser *s, struct pci_dev_ser *e)
{
	if (!e->refcount)
		return -EINVAL;
	if (--e->refcount)
		return 0;
	memset(e, 0, sizeof(*e));
	s->nr_devices--;
	return 0;
}
