/*
 * Live Update Orchestrator, generation G4 ("luo-v5"), and the memfd handler
 * ("memfd-v2"): every byte LUO hands to the next kernel, as Linux defines it (facts
 * in its include/linux/kho/abi/luo.h and memfd.h; docs/luo.md). Packed, native (little)
 * endian. Changing anything here requires bumping the matching compatible string.
 *
 * Entry point: KHO subtree "LUO", blob = struct luo_ser (32 bytes). Sessions and
 * files live in chains of 4 KiB KHO blocks (struct kho_block_header_ser, then
 * entries back to back, (4096 - 16) / entry_size per block).
 */
#ifndef ABI_LUO_H
#define ABI_LUO_H
#include <stddef.h>
#include <stdint.h>
#include <abi/kho.h>

#define LUO_FDT_NAME              "LUO"            /* the KHO subtree */
#define LUO_COMPATIBLE            "luo-v5"
#define LUO_SESSION_NAME_LENGTH   64               /* with the NUL */
#define LUO_HNDL_COMPAT_LENGTH    48
#define LUO_FLB_COMPAT_LENGTH     48
#define LUO_FLB_MAX               63               /* entries in the one FLB page */
#define KHO_BLOCK_SIZE            4096

struct luo_ser {
	char compatible[8];          /* "luo-v5", NUL-padded to 8 bytes */
	uint64_t liveupdate_num;     /* incoming + 1; 1 after a cold boot */
	uint64_t sessions_pa;        /* first session block, 0 if no sessions */
	uint64_t flbs_pa;            /* the FLB page (always set by the writer) */
} __attribute__((packed));
_Static_assert(sizeof(struct luo_ser) == 32, "luo_ser is 32 bytes");

struct luo_file_set_ser {
	uint64_t files;              /* first file block, 0 if the session has none */
	uint64_t count;              /* files in the session */
} __attribute__((packed));
_Static_assert(sizeof(struct luo_file_set_ser) == 16, "luo_file_set_ser is 16 bytes");
_Static_assert(offsetof(struct luo_file_set_ser, count) == 8, "luo_file_set_ser count at +8");

struct luo_session_ser {
	char name[LUO_SESSION_NAME_LENGTH];
	struct luo_file_set_ser file_set_ser;
} __attribute__((packed));
_Static_assert(sizeof(struct luo_session_ser) == 80, "luo_session_ser is 80 bytes");

struct luo_file_ser {
	char compatible[LUO_HNDL_COMPAT_LENGTH];
	uint64_t data;               /* the handler's handle (memfd: pa of memfd_luo_ser) */
	uint64_t token;
} __attribute__((packed));
_Static_assert(sizeof(struct luo_file_ser) == 64, "luo_file_ser is 64 bytes");

struct luo_flb_header_ser {
	uint64_t pgcnt;              /* pages of the FLB area: 1 */
	uint64_t count;              /* entries that follow, <= LUO_FLB_MAX */
} __attribute__((packed));
_Static_assert(sizeof(struct luo_flb_header_ser) == 16, "luo_flb_header_ser is 16 bytes");

struct luo_flb_ser {
	char name[LUO_FLB_COMPAT_LENGTH];
	uint64_t data;               /* the FLB's handle */
	uint64_t count;              /* preserved files depending on it at reboot */
} __attribute__((packed));
_Static_assert(sizeof(struct luo_flb_ser) == 64, "luo_flb_ser is 64 bytes");

#define LUO_SESSIONS_PER_BLOCK ((KHO_BLOCK_SIZE - sizeof(struct kho_block_header_ser)) / \
				sizeof(struct luo_session_ser))      /* 51 */
#define LUO_FILES_PER_BLOCK    ((KHO_BLOCK_SIZE - sizeof(struct kho_block_header_ser)) / \
				sizeof(struct luo_file_ser))         /* 63 */

/* ---- memfd-v2 ---- */
#define MEMFD_LUO_COMPATIBLE      "memfd-v2"
#define MEMFD_LUO_FOLIO_DIRTY     (1ull << 0)
#define MEMFD_LUO_FOLIO_UPTODATE  (1ull << 1)
#define MEMFD_LUO_FOLIO_PFN_BITS  52

struct memfd_luo_ser {
	uint64_t pos;
	uint64_t size;
	uint32_t seals;              /* F_SEAL_* (SEAL 1, SHRINK 2, GROW 4, WRITE 8, FUTURE_WRITE 16, EXEC 32) */
	uint32_t flags;              /* 0 */
	uint64_t nr_folios;
	struct kho_vmalloc folios;   /* array of memfd_luo_folio_ser; zero when size is 0 */
} __attribute__((packed));
_Static_assert(sizeof(struct memfd_luo_ser) == 48, "memfd_luo_ser is 48 bytes");

struct memfd_luo_folio_ser {
	uint64_t pfn_flags;          /* pfn in bits 0..51, flags in 52..63; pfn 0 = skip */
	uint64_t index;              /* page offset of the folio in the file */
} __attribute__((packed));
_Static_assert(sizeof(struct memfd_luo_folio_ser) == 16, "memfd_luo_folio_ser is 16 bytes");
#endif
