/*
 * memfd: named anonymous memory files (the console's stand-in for memfd_create(2)).
 * A file is a size, a set of seals (Linux's F_SEAL_* values) and an array of folios:
 * order-0 pages from the buddy, or 2 MiB / 1 GiB folios from a hugetlb pool. Folios
 * are allocated when the file grows (create, truncate up, write past the end) and
 * zeroed, so no old contents ever reach a file. All memory is preservable.
 *
 * While LUO preserves a file its size is frozen (-EPERM for any change, as Linux's
 * frozen shmem mapping); in-bounds writes still work.
 *
 * Errors: -EINVAL bad name/size/offset, -EEXIST name taken, -ENOENT no such file,
 * -ENOMEM out of memory or pool empty (the file is left as it was), -EPERM a seal
 * forbids it, -EIO verification mismatch.
 */
#ifndef MEMFD_H
#define MEMFD_H
#include <types.h>

#define MEMFD_NAME_MAX 64            /* bytes, with the NUL */
#define MEMFD_SIZE_MAX (1ull << 46)  /* bytes */

#define F_SEAL_SEAL          0x0001
#define F_SEAL_SHRINK        0x0002
#define F_SEAL_GROW          0x0004
#define F_SEAL_WRITE         0x0008
#define F_SEAL_FUTURE_WRITE  0x0010
#define F_SEAL_EXEC          0x0020  /* Linux: no chmod of the exec bits; Baton has none,
					so it is only carried (memfd-v2 hands it over) */
#define F_SEAL_ALL           0x003f

struct hugetlb_pool;

struct memfd {
	char name[MEMFD_NAME_MAX];
	uint64_t size;                   /* bytes */
	uint64_t pos;                    /* file position (kept for the handover) */
	uint32_t seals;
	unsigned order;                  /* folio order: 0, 9 or 18 */
	struct hugetlb_pool *pool;       /* NULL for order-0 pages */
	uint64_t nfolios, cap;
	paddr_t *folios;                 /* nfolios entries */
	void *luo;                       /* LUO's handle while preserved, else NULL */
					 /* (luo and luo_ref: only through memfd_luo_*()) */
	bool closed;                     /* closed while LUO holds it: freed when it lets go */
	bool luo_ref;                    /* retrieved by LUO, which holds it until finish */
	struct memfd *next;
};

int memfd_create(const char *name, uint64_t size, struct hugetlb_pool *pool, struct memfd **out);
struct memfd *memfd_find(const char *name);
struct memfd *memfd_first(void);
/*
 * Close: the name goes at once. A file preserved by LUO lives on (as Linux's LUO
 * keeps a reference to the file) until it is unpreserved, then memfd_free()s it.
 */
void memfd_close(struct memfd *f);
void memfd_free(struct memfd *f);
/* LUO takes the file: preserved (handle kept, its size frozen until unpreserved),
 * or retrieved after a live update (held until its session finishes). */
void memfd_luo_preserved(struct memfd *f, void *handle);
void memfd_luo_retrieved(struct memfd *f);
/* LUO lets go of the file: unpreserved (its size unfreezes), or its retrieve is
 * finished. A file closed in the meantime is freed once neither holds it. */
void memfd_luo_unpreserved(struct memfd *f);
void memfd_luo_finished(struct memfd *f);
/* Give a closed file held by LUO a name again (retrieving it a second time):
 * -EEXIST name taken, -EINVAL bad name. */
int memfd_reopen(struct memfd *f, const char *name);
/* 0 if name is a valid memfd name (1..63 bytes). */
int memfd_check_name(const char *name);
int memfd_truncate(struct memfd *f, uint64_t size);
int memfd_write(struct memfd *f, uint64_t off, const void *buf, uint64_t len);
/* Copy up to len bytes from off; returns the number copied (0 past the end). */
uint64_t memfd_read(struct memfd *f, uint64_t off, void *buf, uint64_t len);
int memfd_fill(struct memfd *f, uint64_t seed);
/* 0, or -EIO with *bad the offset of the first byte that differs. */
int memfd_verify(struct memfd *f, uint64_t seed, uint64_t *bad);
int memfd_add_seals(struct memfd *f, uint32_t seals);
/* 0 if a file of size bytes is nfolios folios of 2^order pages (size at most
 * MEMFD_SIZE_MAX), else -EINVAL: how handed-over file records are checked before any
 * folio is restored. */
int memfd_check_layout(uint64_t size, unsigned order, uint64_t nfolios);
/* Adopt folios restored by a live update as a new file (the array is taken over);
 * -EINVAL if size and nfolios do not agree (memfd_check_layout). */
int memfd_adopt(const char *name, uint64_t size, uint32_t seals, struct hugetlb_pool *pool,
		paddr_t *folios, uint64_t nfolios, struct memfd **out);

/* The reference pattern of docs/console.md. */
static inline uint64_t splitmix64(uint64_t x)
{
	uint64_t z = x + 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}
#endif
