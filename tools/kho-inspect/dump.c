/*
 * kho-inspect's view of a guest memory dump (tools/kho-inspect/inspect.h): a raw
 * image (physical address = file offset, one segment) or an ELF64 core as QEMU's
 * dump-guest-memory writes it (each PT_LOAD: p_paddr guest physical, p_offset and
 * p_filesz in the file; bytes past p_filesz are not in the dump). Every header field
 * is untrusted: segments are cut to the file; empty, overlapping or misaligned
 * ones (file offset and address not equal mod 8) are dropped. The data must be
 * 8-byte aligned (an mmap, or a test's buffer).
 *
 * kho_phys_to_virt(), the hook every pure kernel reader calls (include/kho_block.h),
 * maps through the current dump and returns NULL outside it; callers check ranges
 * with dump_at() first, so NULL is never dereferenced.
 */
#include <elf.h>
#include <stdlib.h>
#include <string.h>
#include "inspect.h"
#include <kho_block.h>

static const struct dump *current;

void dump_set_current(const struct dump *d)
{
	current = d;
}

static int seg_cmp(const void *a, const void *b)
{
	const struct dump_seg *x = a, *y = b;
	return x->pa < y->pa ? -1 : x->pa > y->pa;
}

static int fail(char *err, size_t errlen, const char *msg)
{
	snprintf(err, errlen, "%s", msg);
	return -1;
}

int dump_init(struct dump *d, const void *data, size_t len, bool force_raw,
	      void (*warn)(const char *check, uint64_t pa, uint64_t len, const char *msg, void *arg),
	      void *arg, char *err, size_t errlen)
{
	memset(d, 0, sizeof(*d));
	d->data = data;
	d->len = len;
	if (force_raw || len < SELFMAG || memcmp(data, ELFMAG, SELFMAG)) {
		if (!len)
			return fail(err, errlen, "the dump is empty");
		d->segs = malloc(sizeof(*d->segs));
		if (!d->segs)
			return fail(err, errlen, "out of memory");
		d->segs[0] = (struct dump_seg){ 0, len, 0 };
		d->nsegs = 1;
		return 0;
	}
	d->elf = true;
	Elf64_Ehdr eh;
	if (len < sizeof(eh))
		return fail(err, errlen, "ELF header truncated");
	memcpy(&eh, data, sizeof(eh));
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB)
		return fail(err, errlen, "not a little-endian ELF64 file");
	if (eh.e_phentsize < sizeof(Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phoff > len ||
	    (uint64_t)eh.e_phnum * eh.e_phentsize > len - eh.e_phoff)
		return fail(err, errlen, "ELF program headers outside the file");
	d->segs = calloc(eh.e_phnum, sizeof(*d->segs));
	if (!d->segs)
		return fail(err, errlen, "out of memory");
	for (unsigned i = 0; i < eh.e_phnum && d->nsegs < DUMP_MAX_SEGS; i++) {
		Elf64_Phdr ph;
		memcpy(&ph, (const uint8_t *)data + eh.e_phoff + (uint64_t)i * eh.e_phentsize, sizeof(ph));
		if (ph.p_type != PT_LOAD || ph.p_filesz == 0)
			continue;
		uint64_t size = ph.p_filesz;
		if (ph.p_offset >= len) {
			if (warn)
				warn("dump.segment", ph.p_paddr, size, "segment starts past the end of the file: dropped", arg);
			continue;
		}
		if (size > len - ph.p_offset) {
			size = len - ph.p_offset;
			if (warn)
				warn("dump.segment", ph.p_paddr, ph.p_filesz, "segment reaches past the end of the file: cut", arg);
		}
		/* The kernel readers load u64s (radix pages, FDT header): bytes at an
		 * 8-aligned address must sit 8-aligned in the mapping. QEMU places
		 * segments at page-aligned offsets. */
		if ((ph.p_offset ^ ph.p_paddr) & 7) {
			if (warn)
				warn("dump.segment", ph.p_paddr, size, "segment misaligned in the file (offset and address differ mod 8): dropped", arg);
			continue;
		}
		if (ph.p_paddr + size < ph.p_paddr) {
			if (warn)
				warn("dump.segment", ph.p_paddr, size, "segment wraps the address space: dropped", arg);
			continue;
		}
		d->segs[d->nsegs++] = (struct dump_seg){ ph.p_paddr, size, ph.p_offset };
	}
	qsort(d->segs, d->nsegs, sizeof(*d->segs), seg_cmp);
	unsigned n = 0;
	for (unsigned i = 0; i < d->nsegs; i++) {
		if (n && d->segs[i].pa < d->segs[n - 1].pa + d->segs[n - 1].size) {
			if (warn)
				warn("dump.segment", d->segs[i].pa, d->segs[i].size, "segment overlaps another: dropped", arg);
			continue;
		}
		d->segs[n++] = d->segs[i];
	}
	d->nsegs = n;
	if (!n)
		return fail(err, errlen, "ELF core without a loadable segment");
	return 0;
}

void dump_fini(struct dump *d)
{
	free(d->segs);
	d->segs = NULL;
	d->nsegs = 0;
}

static const struct dump_seg *seg_of(const struct dump *d, uint64_t pa)
{
	unsigned lo = 0, hi = d ? d->nsegs : 0;    /* last segment with start <= pa */
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		if (d->segs[mid].pa <= pa)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	const struct dump_seg *s = &d->segs[lo - 1];
	return pa - s->pa < s->size ? s : NULL;
}

uint64_t dump_avail(const struct dump *d, uint64_t pa)
{
	const struct dump_seg *s = seg_of(d, pa);
	return s ? s->size - (pa - s->pa) : 0;
}

const void *dump_at(const struct dump *d, uint64_t pa, uint64_t len)
{
	const struct dump_seg *s = seg_of(d, pa);
	if (!s || len > s->size - (pa - s->pa))
		return NULL;
	return d->data + s->off + (pa - s->pa);
}

void *kho_phys_to_virt(paddr_t pa)
{
	return (void *)dump_at(current, pa, 1);
}
