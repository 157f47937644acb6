/*
 * Baton's own handover extensions (Linux defines nothing here). Each is a KHO
 * subtree whose blob is one of these packed structs. Changing a layout requires
 * bumping its version. Documented in docs/abi/baton.md.
 */
#ifndef ABI_BATON_H
#define ABI_BATON_H
#include <stddef.h>
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

/* ---- A virtio-blk device kept live across a live update (docs/abi/baton.md) ----
 * File handler "baton-virtio-blk-v1": one record per preserved disk, what the next
 * kernel needs to adopt the device without a reset (its PCI function must also be
 * in the "pci-v2" FLB, include/abi/pci.h). The ring block (descriptor table, then
 * the available ring, the used ring on the next page: include/virtqueue.h) is
 * preserved as 2^ring_order order-0 pages from ring_pa, the request page (header
 * at 0, status byte at 64) as an order-0 folio at req_pa. bar_base/bar_size are the
 * function's memory BARs as found (a 64-bit BAR in the entry of its low half, the
 * high half's entry 0), so the next kernel need not size them again. inflight_head
 * names the one request chain the device may still own (0xffff: none), of
 * inflight_len descriptors; its data is preserved as a folio of order
 * inflight_order at inflight_pa. */
#define BATON_VIRTIO_BLK_COMPATIBLE    "baton-virtio-blk-v1"
#define BATON_VIRTIO_BLK_MAGIC         0x4b4c4256u   /* "VBLK" */
#define BATON_VIRTIO_BLK_VERSION       1
#define BATON_VIRTIO_BLK_NO_INFLIGHT   0xffffu

struct baton_virtio_blk_ser {
	uint32_t magic;
	uint32_t version;
	uint32_t domain;          /* PCI segment */
	uint16_t bdf;             /* bus << 8 | device << 3 | function */
	uint16_t vendor_id;
	uint16_t device_id;
	uint16_t queue_index;     /* the request queue: 0 */
	uint16_t queue_size;      /* a power of two, at most 256 */
	uint16_t avail_idx;       /* the driver's next available index */
	uint16_t last_used;       /* used entries the driver has consumed */
	uint16_t free_head;       /* first descriptor of the free list */
	uint16_t num_free;        /* descriptors on it */
	uint16_t inflight_head;   /* BATON_VIRTIO_BLK_NO_INFLIGHT or a chain's head */
	uint16_t inflight_len;    /* descriptors in that chain */
	uint16_t inflight_order;  /* order of its data folio */
	uint32_t reserved;        /* 0 */
	uint64_t features;        /* negotiated */
	uint64_t capacity;        /* 512-byte sectors */
	uint64_t ring_pa;         /* the ring block */
	uint32_t ring_order;
	uint32_t reserved2;       /* 0 */
	uint64_t req_pa;          /* the request page */
	uint64_t inflight_pa;     /* the in-flight request's data, 0 if none */
	uint64_t inflight_lba;    /* where it writes */
	uint64_t bar_base[6];
	uint64_t bar_size[6];
} __attribute__((packed));
_Static_assert(sizeof(struct baton_virtio_blk_ser) == 192, "baton_virtio_blk_ser is 192 bytes");
_Static_assert(offsetof(struct baton_virtio_blk_ser, features) == 40, "features at +40");
_Static_assert(offsetof(struct baton_virtio_blk_ser, bar_base) == 96, "bar_base at +96");
#endif
