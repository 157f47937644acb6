/*
 * kho-inspect: a host library that reads a guest memory dump (QEMU's
 * dump-guest-memory ELF core, or a raw pmemsave image where physical address = file
 * offset) and checks the KHO/LUO handover in it with the kernel's own readers
 * (kho/kho_fdt.c, kho/kho_radix.c, kho/kho_block.c, luo/luo_ser.c, and the pure
 * checks of drivers/pci/pci_ser.c and drivers/virtio/virtio_blk_ser.c). docs/inspect.md.
 *
 * Model: the dump is untrusted bytes. dump_at() is the one way in: it gives a
 * pointer only when [pa, pa + len) lies wholly in one segment of the file, and the
 * kernel readers reach memory through kho_phys_to_virt() (dump.c) only after a
 * callback here has accepted the range with dump_at(). One inspection at a time
 * (kho_phys_to_virt and luo_ser_check's callback have no context argument).
 *
 * inspect() never stops at the first problem: every check adds a finding (check
 * name, severity, address, length, message) and the walk goes on with what it can
 * still trust. An error has a scope, what kernel N+1 refuses for it: the whole
 * handover (it boots cold), or only retrieves (a LUO file's, or the hugetlb FLB's or
 * the incoming sessions', whose files then fail theirs) while it takes the rest. The
 * handover would be accepted when no error is of the first scope.
 */
#ifndef KHO_INSPECT_H
#define KHO_INSPECT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <abi/baton.h> /* struct baton_virtio_blk_ser */
#include <abi/kho.h>   /* struct kho_scratch */

/* ---------------- the dump (dump.c) ---------------- */

struct dump_seg {
	uint64_t pa, size, off;          /* guest physical, bytes, file offset */
};

struct dump {
	const uint8_t *data;
	size_t len;
	bool elf;
	struct dump_seg *segs;           /* sorted by pa, not overlapping */
	unsigned nsegs;
};

#define DUMP_MAX_SEGS 4096

/* Parse data as an ELF core (if it starts with ELF's magic and !force_raw) or a raw
 * image. 0, or -1 with err filled (an ELF whose headers are unusable). Segments
 * that reach past the file or overlap an earlier one are cut or dropped, each
 * noted in err as a warning line when warn is given (then 0 is still returned). */
int dump_init(struct dump *d, const void *data, size_t len, bool force_raw,
	      void (*warn)(const char *check, uint64_t pa, uint64_t len, const char *msg, void *arg),
	      void *arg, char *err, size_t errlen);
void dump_fini(struct dump *d);
/* A pointer to [pa, pa + len) when it lies wholly in one segment, else NULL. */
const void *dump_at(const struct dump *d, uint64_t pa, uint64_t len);
/* Bytes readable from pa to the end of its segment (0 if pa is not in the dump). */
uint64_t dump_avail(const struct dump *d, uint64_t pa);
/* The dump kho_phys_to_virt() reads (NULL: every address is refused). */
void dump_set_current(const struct dump *d);

/* ---------------- the inspection (inspect.c) ---------------- */

enum severity { SEV_INFO, SEV_WARN, SEV_ERROR };

/* What kernel N+1 refuses for an error (docs/inspect.md, "What is checked"); a
 * warning or an info refuses nothing. */
enum scope {
	SCOPE_NONE,                      /* not an error */
	SCOPE_HANDOVER,                  /* the whole handover: kho_drop, a cold boot */
	SCOPE_FILE,                      /* a retrieve: the file, or the files that need
	                                  * the refused FLB or sessions, fail to come back */
};

struct finding {
	enum severity sev;
	enum scope scope;
	char check[40];                  /* e.g. "fdt.compatible" (docs/inspect.md) */
	uint64_t addr, len;              /* guest physical bytes concerned (0, 0: none) */
	char msg[200];
};

/* What owns a stretch of preserved memory (the picture's colours). */
enum owner {
	OWN_UNKNOWN,                     /* a preserved block nobody here claims */
	OWN_KHO,                         /* root FDT, kexec-metadata, other subtrees */
	OWN_LUO,                         /* luo_ser, chains, FLB page, records, vmalloc chunks */
	OWN_MEMFD,                       /* memfd folios */
	OWN_HUGETLB,                     /* hugetlb pool folios */
	OWN_TIMELINE,                    /* baton-timeline */
	OWN_BLK,                         /* a preserved disk's ring, request page and
	                                  * in-flight data (baton-virtio-blk-v1) */
	OWN_TREE,                        /* the radix tree's own pages (not preserved) */
	OWN_NR
};
extern const char *const owner_name[OWN_NR];

struct mark {
	uint64_t pa, len;
	enum owner owner;
	int32_t file, pool, flb;         /* the LUO file (index into files), the hugetlb
	                                  * pool or the FLB (index into flbs) it was
	                                  * found under; -1 if none */
};

struct run {                             /* n blocks of one order from pa */
	uint64_t pa, n;
	unsigned order;
};

struct subtree {
	char name[64];
	uint64_t pa, size;
};

struct luo_session_info {
	char name[64];
	uint64_t nfiles;
};

struct luo_file_info {
	char compatible[48];
	uint64_t data, token;
	uint64_t session;                /* index into sessions */
};

struct luo_flb_info {
	char name[48];
	uint64_t data, count;
};

struct memfd_info {                      /* memfd-v2 or baton-hugememfd-v1 */
	uint64_t data, size, pos, nr_folios, folio_bytes;
	uint32_t seals, order;
	bool huge;
};

struct blk_info {                        /* a baton-virtio-blk-v1 record that was read */
	uint64_t data;
	int32_t file;                    /* index into files */
	bool record_ok;                  /* virtio_blk_ser_check accepts it */
	struct baton_virtio_blk_ser s;   /* its bytes, as in the dump */
};

struct pci_entry_info {                  /* a pci-v2 entry in use */
	uint32_t index, domain;          /* its place in the array, PCI segment */
	uint16_t bdf, refcount;
};

/* The entries in use a report lists (one more than pci_ser_check accepts). */
#define PCI_SHOWN 257

/* "dddd:bb:dd.f" of a function, into buf (at least 16 bytes). */
const char *pci_addr(char *buf, size_t n, uint32_t domain, uint16_t bdf);

struct pci_ser_in;                       /* drivers/pci/pci_ser.h */

struct pool_info {
	uint32_t order, nr_user;
	uint64_t nr_folios, users_seen;
};

struct inspect_opts {
	bool force_raw;                  /* never parse as ELF */
	bool all;                        /* scan the whole dump, list every handover */
	bool have_fdt;
	uint64_t fdt_pa;                 /* --fdt */
	/* What the handover tag (struct kho_data) says besides the FDT's address, as
	 * `kexec finalize` prints it: the dump alone does not hold them. */
	bool have_fdt_size, have_scratch;
	uint64_t fdt_size;               /* --fdt-size */
	uint64_t scratch_pa, scratch_size;   /* --scratch ADDR,SIZE: the kho_scratch array */
};

#define ARR(T) struct { T *v; size_t n, cap; }

struct report {
	struct dump dump;
	bool dump_ok;
	ARR(struct finding) findings;
	uint64_t errors, warnings, suppressed;
	uint64_t file_errors;            /* the errors of SCOPE_FILE (counted in errors too) */

	bool have_fdt;                   /* an FDT was chosen (valid or not) */
	bool fdt_valid;
	uint64_t fdt_pa, radix_root;
	ARR(uint64_t) handovers;         /* valid kho-v4 FDTs the scan met (--all) */
	ARR(struct subtree) subtrees;

	bool tree_walked;                /* the walk finished without a refusal */
	ARR(struct run) runs;            /* sorted by pa */
	uint64_t *tree_pages;            /* sorted, ntree_pages */
	uint64_t ntree_pages;
	uint64_t blocks_by_order[19], blocks, preserved_bytes;

	bool have_meta;
	uint32_t meta_version, meta_count;
	char meta_release[66];

	bool have_timeline;
	uint32_t tl_magic, tl_version;
	uint64_t tl_exec, tl_serialized, tl_jump;

	bool have_luo, luo_ok;
	uint64_t luo_pa, liveupdate_num;
	ARR(struct luo_session_info) sessions;
	ARR(struct luo_file_info) files;
	ARR(struct luo_flb_info) flbs;
	ARR(struct memfd_info) memfds;
	ARR(struct blk_info) blks;

	bool have_hugetlb;
	uint32_t hugetlb_pools;
	struct pool_info pools[2];

	/* The pci-v2 FLB (include/abi/pci.h): its block, header and entries in use. */
	bool have_pci, pci_ok;           /* met; pci_ser_check accepts the list */
	uint64_t pci_pa, pci_bytes;      /* the block (pci_bytes 0: not a usable block) */
	uint32_t pci_max, pci_nr;        /* max_nr_devices, nr_devices as written */
	uint64_t pci_in_use;             /* entries with a refcount, every one */
	ARR(struct pci_entry_info) pci_devs;   /* the first PCI_SHOWN of them, in order */
	struct pci_ser_in *pci_in;       /* pci_ser_check's sorted copy, when accepted */

	ARR(struct mark) marks;

	/* The scratch array (--scratch), as far as it was read: ranges the next kernel
	 * allocates from first; scratch[0] holds the kernel slot when it is sound. */
	unsigned nscratch;
	struct kho_scratch scratch[16];
};

/* Inspect a dump held in memory (the file mapped, or a test's buffer). The buffer
 * must outlive the report. Returns report_accepted(r). */
bool inspect(const void *data, size_t len, const struct inspect_opts *o, struct report *r);
void report_free(struct report *r);
/* Kernel N+1 would take the handover: no error of SCOPE_HANDOVER (errors of
 * SCOPE_FILE, r->file_errors, only fail retrieves). */
bool report_accepted(const struct report *r);
/* The first finding with this check name, or NULL. */
const struct finding *report_find(const struct report *r, const char *check);
/* How many findings carry this check name. */
size_t report_count(const struct report *r, const char *check);

/* ---------------- output (output.c) ---------------- */

void report_text(const struct report *r, FILE *f);
void report_json(const struct report *r, FILE *f);
/* The root FDT through kho_fdt_print() (printk); false if there is none to print. */
bool report_dts(const struct report *r);
/* zoom, if not NULL and not empty: one more row, the window [pa, pa + size) drawn
 * across the whole width (pa and size only; off is not used). */
void report_svg(const struct report *r, const struct dump_seg *zoom, FILE *f);
#endif
