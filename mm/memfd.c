/*
 * memfd files (model in include/memfd.h). Folio i covers bytes
 * [i << (12 + order), (i + 1) << (12 + order)); folios exist for every byte below
 * size and none beyond the last partial one. Every change of size goes through
 * resize(), which allocates before it commits, so a failure leaves the file as it was.
 */
#include <errno.h>
#include <hugetlb.h>
#include <kmalloc.h>
#include <memfd.h>
#include <parallel.h>
#include <percpu.h>
#include <mm.h>
#include <string.h>

static struct memfd *files;

static inline uint64_t folio_bytes(const struct memfd *f)
{
	return (uint64_t)PAGE_SIZE << f->order;
}

static inline uint8_t *folio_ptr(const struct memfd *f, uint64_t i)
{
	return page_virt(f->folios[i]);
}

static paddr_t folio_alloc(struct memfd *f)
{
	paddr_t pa = f->pool ? hugetlb_alloc(f->pool) : page_alloc(0, GFP_PRESERVABLE);
	if (pa)
		memset(page_virt(pa), 0, folio_bytes(f));
	return pa;
}

static void folio_free(struct memfd *f, paddr_t pa)
{
	if (f->pool)
		hugetlb_free(f->pool, pa);
	else
		page_free(pa, 0);
}

/* Make room in the folio array for n entries. */
static int reserve_slots(struct memfd *f, uint64_t n)
{
	if (n <= f->cap)
		return 0;
	uint64_t cap = MAX(n, f->cap * 2);
	paddr_t *a = kvmalloc(cap * sizeof(paddr_t));
	if (!a)
		return -ENOMEM;
	if (f->nfolios)                       /* a new file has no array yet */
		memcpy(a, f->folios, f->nfolios * sizeof(paddr_t));
	kvfree(f->folios);
	f->folios = a;
	f->cap = cap;
	return 0;
}

static int resize(struct memfd *f, uint64_t size)
{
	uint64_t fb = folio_bytes(f);
	if (f->luo && size != f->size)
		return -EPERM;                       /* preserved: the size is frozen */
	if (size > MEMFD_SIZE_MAX)
		return -EINVAL;
	uint64_t want = (size + fb - 1) / fb;
	if (want > f->nfolios) {
		uint64_t need = want - f->nfolios;
		uint64_t avail = f->pool ? f->pool->free : 0;
		if (f->pool && need > avail)
			return -ENOMEM;
		int err = reserve_slots(f, want);
		if (err)
			return err;
		for (uint64_t i = f->nfolios; i < want; i++) {
			paddr_t pa = folio_alloc(f);
			if (!pa) {
				while (i-- > f->nfolios)
					folio_free(f, f->folios[i]);
				return -ENOMEM;
			}
			f->folios[i] = pa;
		}
	} else {
		for (uint64_t i = want; i < f->nfolios; i++)
			folio_free(f, f->folios[i]);
		if (want && size % fb)        /* bytes past the new end read as zero later */
			memset(folio_ptr(f, want - 1) + size % fb, 0, fb - size % fb);
	}
	f->nfolios = want;
	f->size = size;
	return 0;
}

static int check_name(const char *name);

int memfd_check_name(const char *name)
{
	return check_name(name);
}

int memfd_reopen(struct memfd *f, const char *name)
{
	if (!f->closed)
		return 0;
	if (check_name(name))
		return -EINVAL;
	if (memfd_find(name))
		return -EEXIST;
	strlcpy(f->name, name, sizeof(f->name));
	f->closed = false;
	f->next = files;
	files = f;
	return 0;
}

static int check_name(const char *name)
{
	size_t n = strnlen(name, MEMFD_NAME_MAX);
	return n == 0 || n == MEMFD_NAME_MAX ? -EINVAL : 0;
}

static struct memfd *alloc_file(const char *name, struct hugetlb_pool *pool)
{
	struct memfd *f = kzalloc(sizeof(*f));
	if (!f)
		return NULL;
	strlcpy(f->name, name, sizeof(f->name));
	f->pool = pool;
	f->order = pool ? pool->order : 0;
	return f;
}

int memfd_create(const char *name, uint64_t size, struct hugetlb_pool *pool, struct memfd **out)
{
	if (check_name(name) || size == 0)
		return -EINVAL;
	if (memfd_find(name))
		return -EEXIST;
	struct mm_stats s;
	mm_stats(&s);
	if (!pool && size > s.free)
		return -ENOMEM;
	struct memfd *f = alloc_file(name, pool);
	if (!f)
		return -ENOMEM;
	int err = resize(f, size);
	if (err) {
		kvfree(f->folios);
		kfree(f);
		return err;
	}
	f->next = files;
	files = f;
	*out = f;
	return 0;
}

int memfd_check_layout(uint64_t size, unsigned order, uint64_t nfolios)
{
	uint64_t fb = (uint64_t)PAGE_SIZE << order;
	return size <= MEMFD_SIZE_MAX && nfolios == (size + fb - 1) / fb ? 0 : -EINVAL;
}

int memfd_adopt(const char *name, uint64_t size, uint32_t seals, struct hugetlb_pool *pool,
		paddr_t *folios, uint64_t nfolios, struct memfd **out)
{
	if (check_name(name) || memfd_check_layout(size, pool ? pool->order : 0, nfolios))
		return -EINVAL;
	if (memfd_find(name))
		return -EEXIST;
	struct memfd *f = alloc_file(name, pool);
	if (!f)
		return -ENOMEM;
	f->size = size;
	f->seals = seals;
	f->folios = folios;
	f->nfolios = f->cap = nfolios;
	f->next = files;
	files = f;
	*out = f;
	return 0;
}

struct memfd *memfd_find(const char *name)
{
	for (struct memfd *f = files; f; f = f->next)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

struct memfd *memfd_first(void)
{
	return files;
}

void memfd_close(struct memfd *f)
{
	struct memfd **pp = &files;
	while (*pp && *pp != f)
		pp = &(*pp)->next;
	if (*pp)
		*pp = f->next;                       /* the name is free again */
	f->next = NULL;
	if (f->luo || f->luo_ref) {              /* LUO still holds it (see memfd.h) */
		f->closed = true;
		return;
	}
	memfd_free(f);
}

/* LUO holds a file while it is preserved (luo) and while a retrieved copy waits for
 * finish (luo_ref); a file closed meanwhile goes when both are let go. These four
 * are the only writers of both fields. */
void memfd_luo_preserved(struct memfd *f, void *handle)
{
	f->luo = handle;
}

void memfd_luo_retrieved(struct memfd *f)
{
	f->luo_ref = true;
}

void memfd_luo_unpreserved(struct memfd *f)
{
	f->luo = NULL;
	if (f->closed && !f->luo_ref)
		memfd_free(f);
}

void memfd_luo_finished(struct memfd *f)
{
	f->luo_ref = false;
	if (f->closed && !f->luo)
		memfd_free(f);
}

void memfd_free(struct memfd *f)
{
	for (uint64_t i = 0; i < f->nfolios; i++)
		folio_free(f, f->folios[i]);
	kvfree(f->folios);
	kfree(f);
}

int memfd_truncate(struct memfd *f, uint64_t size)
{
	if ((size < f->size && (f->seals & F_SEAL_SHRINK)) ||
	    (size > f->size && (f->seals & F_SEAL_GROW)))
		return -EPERM;
	return resize(f, size);
}

int memfd_write(struct memfd *f, uint64_t off, const void *buf, uint64_t len)
{
	if (f->seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE))
		return -EPERM;
	if (off + len < off)
		return -EINVAL;
	if (off + len > f->size) {
		if (f->seals & F_SEAL_GROW)
			return -EPERM;
		int err = resize(f, off + len);
		if (err)
			return err;
	}
	uint64_t fb = folio_bytes(f);
	const uint8_t *src = buf;
	while (len) {
		uint64_t in = off % fb, n = MIN(len, fb - in);
		memcpy(folio_ptr(f, off / fb) + in, src, n);
		off += n, src += n, len -= n;
	}
	return 0;
}

uint64_t memfd_read(struct memfd *f, uint64_t off, void *buf, uint64_t len)
{
	if (off >= f->size)
		return 0;
	len = MIN(len, f->size - off);
	uint64_t fb = folio_bytes(f), done = 0;
	uint8_t *dst = buf;
	while (done < len) {
		uint64_t in = off % fb, n = MIN(len - done, fb - in);
		memcpy(dst + done, folio_ptr(f, off / fb) + in, n);
		off += n, done += n;
	}
	return len;
}

/* Folios [i0, i1) of the reference pattern: written, or checked (the first byte
 * that differs, as an offset in the file, in *bad). Word w of the file is
 * splitmix64(seed ^ w), so any range can be done without the ones before it. */
static void fill_range(struct memfd *f, uint64_t seed, uint64_t i0, uint64_t i1)
{
	uint64_t fb = folio_bytes(f);
	for (uint64_t i = i0; i < i1; i++) {
		uint64_t *p = (uint64_t *)folio_ptr(f, i), word = i * fb / 8;
		uint64_t n = MIN(fb, f->size - i * fb);
		for (uint64_t w = 0; w < n / 8; w++, word++)
			p[w] = splitmix64(seed ^ word);
		if (n % 8) {                  /* the last word, cut at the end of the file */
			uint64_t v = splitmix64(seed ^ word);
			memcpy((uint8_t *)p + (n & ~7ull), &v, n % 8);
		}
	}
}

static int verify_range(struct memfd *f, uint64_t seed, uint64_t i0, uint64_t i1,
			uint64_t *bad)
{
	uint64_t fb = folio_bytes(f);
	for (uint64_t i = i0; i < i1; i++) {
		const uint8_t *p = folio_ptr(f, i);
		uint64_t n = MIN(fb, f->size - i * fb), word = i * fb / 8;
		for (uint64_t off = 0; off < n; off += 8, word++) {
			uint64_t v = splitmix64(seed ^ word), k = MIN(8ull, n - off);
			if (k == 8 ? *(const uint64_t *)(p + off) == v : memcmp(p + off, &v, k) == 0)
				continue;
			for (uint64_t b = 0; b < k; b++)
				if (p[off + b] != ((const uint8_t *)&v)[b]) {
					*bad = i * fb + off + b;
					return -EIO;
				}
		}
	}
	return 0;
}

/* A file's pattern split over the CPUs (include/parallel.h): part p of n takes
 * folios [p * nfolios / n, (p + 1) * nfolios / n). Files below PARALLEL_MIN stay on
 * one CPU: the calls would cost more than the work. */
#define PARALLEL_MIN (4 * MiB)

struct pattern_job {
	struct memfd *f;
	uint64_t seed;
	bool verify;
	int err[CPU_MAX];
	uint64_t bad[CPU_MAX];
};

static void pattern_part(void *arg, unsigned part, unsigned nparts)
{
	struct pattern_job *j = arg;
	uint64_t n = j->f->nfolios;
	uint64_t i0 = n * part / nparts, i1 = n * (part + 1) / nparts;
	if (j->verify)
		j->err[part] = verify_range(j->f, j->seed, i0, i1, &j->bad[part]);
	else
		fill_range(j->f, j->seed, i0, i1);
}

static int pattern(struct memfd *f, uint64_t seed, bool verify, uint64_t *bad)
{
	if (f->size < PARALLEL_MIN) {
		if (verify)
			return verify_range(f, seed, 0, f->nfolios, bad);
		fill_range(f, seed, 0, f->nfolios);
		return 0;
	}
	struct pattern_job *j = kzalloc(sizeof(*j));
	if (!j)
		return -ENOMEM;
	*j = (struct pattern_job){ .f = f, .seed = seed, .verify = verify };
	unsigned nparts = parallel_run(pattern_part, j);
	int err = 0;
	for (unsigned p = 0; p < nparts && !err; p++)   /* parts in file order: the first */
		if (j->err[p]) {                            /* failing part has the first byte */
			err = j->err[p];
			*bad = j->bad[p];
		}
	kfree(j);
	return err;
}

int memfd_fill(struct memfd *f, uint64_t seed)
{
	if (f->seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE))
		return -EPERM;
	return pattern(f, seed, false, NULL);
}

int memfd_verify(struct memfd *f, uint64_t seed, uint64_t *bad)
{
	return pattern(f, seed, true, bad);
}

int memfd_add_seals(struct memfd *f, uint32_t seals)
{
	if (seals & ~(uint32_t)F_SEAL_ALL)
		return -EINVAL;
	if (f->seals & F_SEAL_SEAL)
		return -EPERM;
	f->seals |= seals;
	return 0;
}
