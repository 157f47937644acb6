/*
 * Baton's own handover extensions (Linux defines nothing here). Each is a KHO
 * subtree whose blob is one of these packed structs. Changing a layout requires
 * bumping its version. Documented in docs/abi/baton.md.
 */
#ifndef ABI_BATON_H
#define ABI_BATON_H
#include <stdint.h>
#include <abi/kho.h>
#include <abi/luo.h>

/* Subtree "baton-timeline": TSC stamps of the kexec path in the previous kernel,
 * so the next one can report the blackout (the TSC runs on across a kexec). */
#define BATON_TIMELINE_NAME    "baton-timeline"
#define BATON_TIMELINE_MAGIC   0x4e4c4d54u   /* "TMLN" */
#define BATON_TIMELINE_VERSION 1
struct baton_timeline_ser {
	uint32_t magic;
	uint32_t version;
	uint64_t tsc_exec;        /* `kexec exec` began */
	uint64_t tsc_serialized;  /* pre-exec steps and KHO done */
	uint64_t tsc_jump;        /* about to enter the trampoline */
} __attribute__((packed));
_Static_assert(sizeof(struct baton_timeline_ser) == 32, "baton_timeline_ser is 32 bytes");

/* ---- Huge-page pools that survive a live update (docs/abi/baton.md) ----
 * FLB "baton-hugetlb-v2": the whole pool of each size, as a list of folio addresses
 * sorted by address (a vmalloc area preserved by its frames), every folio preserved
 * at the pool's order; bit 63 of an entry says a user (a hugetlb memfd) holds the
 * folio, and nr_user counts those entries (v1 had no count). File handler "baton-hugememfd-v1":
 * a memfd backed by pool folios, each preserved at the pool's order, listed as
 * memfd-v2 lists its folios. */
#define BATON_HUGETLB_FLB_COMPATIBLE   "baton-hugetlb-v2"
#define BATON_HUGEMEMFD_COMPATIBLE     "baton-hugememfd-v1"
#define BATON_HUGETLB_MAGIC            0x42485450u   /* "PTHB" */
#define BATON_HUGETLB_VERSION          2
#define BATON_HUGETLB_MAX_POOLS        2
#define BATON_HUGETLB_USER             (1ull << 63)

struct baton_hugetlb_pool_ser {
	uint32_t order;           /* 9 (2 MiB) or 18 (1 GiB) */
	uint32_t nr_user;         /* entries with BATON_HUGETLB_USER set */
	uint64_t nr_folios;       /* entries in the list */
	struct kho_vmalloc list;  /* u64 entries: folio address | BATON_HUGETLB_USER */
} __attribute__((packed));
_Static_assert(sizeof(struct baton_hugetlb_pool_ser) == 32, "baton_hugetlb_pool_ser is 32 bytes");

struct baton_hugetlb_ser {
	uint32_t magic;
	uint32_t version;
	uint32_t nr_pools;        /* <= BATON_HUGETLB_MAX_POOLS */
	uint32_t reserved;        /* 0 */
	struct baton_hugetlb_pool_ser pool[BATON_HUGETLB_MAX_POOLS];
} __attribute__((packed));
_Static_assert(sizeof(struct baton_hugetlb_ser) == 80, "baton_hugetlb_ser is 80 bytes");

struct baton_hugememfd_ser {
	uint64_t pos;
	uint64_t size;
	uint32_t seals;
	uint32_t order;           /* the pool's order */
	uint64_t nr_folios;
	struct kho_vmalloc folios; /* memfd_luo_folio_ser entries (as memfd-v2) */
} __attribute__((packed));
_Static_assert(sizeof(struct baton_hugememfd_ser) == 48, "baton_hugememfd_ser is 48 bytes");
#endif
