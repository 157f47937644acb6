/*
 * libFuzzer target for drivers/pci/pci_ser.c: a handed-over "pci-v2" block is
 * untrusted memory. The whole input is the block pci_ser_check reads (u32
 * max_nr_devices, u32 nr_devices, 8-byte entries {u32 domain; u16 bdf; u16
 * refcount}, LE); bytes past max_nr_devices entries belong to the block but not to
 * the array.
 *
 * When the check accepts: n equals nr_devices; the copy is sorted strictly by
 * (domain, bdf) and holds only entries in use; every entry in use in the input is in
 * it with its refcount and pci_ser_in_find returns it; a function not in the array is
 * not found. Then the array is kept as an outgoing one and every byte after its
 * entries is one step: bit 7 set, pci_ser_put of slot (byte & 0x7f) mod
 * max_nr_devices; clear, pci_ser_get of function (byte >> 4, byte & 15). After each
 * step: the result is the one the array allows (a put of a free entry -EINVAL; a get
 * of a kept function its next reference or -EOVERFLOW at 0xffff; of a new one the
 * first free slot from nr_devices on, wrapping, or -ENOSPC), nr_devices counts the
 * entries in use, and the references held are those taken minus those dropped. At
 * the end, the next kernel's check accepts the array (if it keeps that many).
 * Findings: any sanitizer report, or one of these broken. Seeds: tests/host/corpus/pci_ser/.
 */
#include "fuzz_check.h"
#include <errno.h>
#include <string.h>
#include "../../drivers/pci/pci_ser.h"

#define check(ok, what, v) fuzz_check(ok, "fuzz_pci_ser", what, v)

static struct pci_ser_in in, again;

static uint64_t key(uint32_t domain, uint16_t bdf)
{
	return (uint64_t)domain << 16 | bdf;
}

/* Entries in use and the references they hold. */
static uint32_t in_use(const struct pci_ser *s, uint64_t *refs)
{
	uint32_t n = 0;
	*refs = 0;
	for (uint32_t i = 0; i < s->max_nr_devices; i++) {
		n += s->devices[i].refcount != 0;
		*refs += s->devices[i].refcount;
	}
	return n;
}

static void check_accepted(const uint8_t *data, const struct pci_ser *h)
{
	check(in.n == h->nr_devices, "n is not nr_devices", in.n);
	for (uint32_t i = 0; i < in.n; i++) {
		check(in.dev[i].refcount != 0, "a free entry in the copy", i);
		check(!i || key(in.dev[i - 1].domain, in.dev[i - 1].bdf) <
				    key(in.dev[i].domain, in.dev[i].bdf),
		      "the copy is not sorted strictly", i);
	}
	for (uint32_t i = 0; i < h->max_nr_devices; i++) {
		struct pci_dev_ser e;
		memcpy(&e, data + 8 + 8ull * i, sizeof(e));
		if (!e.refcount)
			continue;
		struct pci_dev_ser *f = pci_ser_in_find(&in, e.domain, e.bdf);
		check(f && !memcmp(f, &e, sizeof(e)), "an entry in use is not found as it is", i);
	}
	/* Functions next to the first entry's, and one past the last's. */
	for (uint32_t i = 0; i < in.n; i++) {
		uint64_t k = key(in.dev[i].domain, in.dev[i].bdf) + 1;
		if (k >> 48)
			continue;
		bool next_is_in = i + 1 < in.n && key(in.dev[i + 1].domain, in.dev[i + 1].bdf) == k;
		struct pci_dev_ser *f = pci_ser_in_find(&in, (uint32_t)(k >> 16), (uint16_t)k);
		check(!f == !next_is_in, "a function found that is not there, or not found", i);
	}
}

/* The outgoing steps over a copy of the accepted array. */
static void run_steps(const uint8_t *data, size_t size, uint32_t max)
{
	struct pci_ser *s = malloc(pci_ser_bytes(max));
	check(s != NULL, "malloc", max);
	memcpy(s, data, pci_ser_bytes(max));
	uint64_t refs, taken = 0, dropped = 0, start;
	in_use(s, &start);
	for (size_t p = pci_ser_bytes(max); p < size; p++) {
		uint8_t b = data[p];
		uint32_t nr = s->nr_devices;
		if (b & 0x80) {
			if (!max)
				continue;
			struct pci_dev_ser *e = &s->devices[(b & 0x7f) % max];
			uint16_t had = e->refcount;
			int r = pci_ser_put(s, e);
			check(had ? r == 0 : r == -EINVAL, "put's result", (uint64_t)r);
			check(e->refcount == (had ? had - 1 : 0), "put's refcount", e->refcount);
			check(s->nr_devices == nr - (had == 1), "put's nr_devices", s->nr_devices);
			dropped += !r;
		} else {
			uint32_t domain = b >> 4;
			uint16_t bdf = b & 15;
			uint32_t kept = max, free_at = max;
			for (uint32_t i = 0; i < max; i++)
				if (s->devices[i].refcount && s->devices[i].domain == domain &&
				    s->devices[i].bdf == bdf)
					kept = i;
			for (uint32_t i = 0; i < max && free_at == max; i++)
				if (!s->devices[(nr + i) % max].refcount)
					free_at = (nr + i) % max;
			uint16_t had = kept < max ? s->devices[kept].refcount : 0;
			struct pci_dev_ser *e = NULL;
			int r = pci_ser_get(s, domain, bdf, &e);
			if (kept < max) {
				check(had == UINT16_MAX ? r == -EOVERFLOW : r == 0, "get's result, kept",
				      (uint64_t)r);
				check(r || e == &s->devices[kept], "get's entry, kept", kept);
			} else {
				check(free_at < max ? r == 0 : r == -ENOSPC, "get's result, new",
				      (uint64_t)r);
				check(r || e == &s->devices[free_at], "get's slot, new", free_at);
				check(s->nr_devices == nr + !r, "get's nr_devices", s->nr_devices);
			}
			check(r || (e->domain == domain && e->bdf == bdf && e->refcount == had + 1),
			      "get's entry", had);
			taken += !r;
		}
		check(in_use(s, &refs) == s->nr_devices, "nr_devices is not the entries in use",
		      s->nr_devices);
		check(refs == start + taken - dropped, "references not conserved", refs);
	}
	if (s->nr_devices <= PCI_SER_IN_MAX) {
		const char *why = NULL;
		int r = pci_ser_check(s, pci_ser_bytes(max), &again, &why);
		check(r == 0 && again.n == s->nr_devices, "the next kernel refuses the array",
		      (uint64_t)r);
	}
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *why = NULL;
	int r = pci_ser_check(data, size, &in, &why);
	check(r == 0 || r == -EINVAL, "result", (uint64_t)r);
	check(!r || why, "refused without a why", 0);
	if (r)
		return 0;
	struct pci_ser h;
	memcpy(&h, data, sizeof(h));
	check_accepted(data, &h);
	run_steps(data, size, h.max_nr_devices);
	return 0;
}
