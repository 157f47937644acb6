/* State shared by kho/kho_scratch.c, kho_in.c and kho_out.c (not an interface). */
#ifndef KHO_PRIV_H
#define KHO_PRIV_H
#include <kho.h>
#include "kho_internal.h"
#include <mm.h>


struct kho_in {
	bool active;                         /* a handover is being taken over */
	bool dropped;
	const char *why;
	const void *fdt;                     /* the incoming root FDT (direct map) */
	paddr_t fdt_pa;
	paddr_t root;                        /* its radix tree */
	struct kho_radix tree;               /* the same, for lookups and restores */
	paddr_t *nodes;                      /* node pages met by the walk */
	uint64_t nnodes, blocks, bytes;
	uint64_t remaining;                  /* blocks not yet restored */
	paddr_t node_list;                   /* copy of the tree's page addresses */
	unsigned node_list_order;
	bool tree_released;
	uint64_t kexec_count;
};
extern struct kho_in kho_in;

paddr_t kho_out_fdt(void);
/* Decoded root FDT through printk (kho/kho_dump.c). */
void kho_fdt_print(const void *fdt);
struct kho_radix *kho_out_tree(void);
/* `kho corrupt KIND` (kho/kho_corrupt.c, KTEST=1): -EINVAL for an unknown kind. */
int kho_set_corruption(const char *kind);


/* Refuse the incoming handover: log, boot cold, scrub on allocation. */
void kho_drop(const char *why);
#endif
