/* State shared by luo/kho_scratch.c, kho_in.c and kho_out.c (not an interface). */
#ifndef LUO_KHO_PRIV_H
#define LUO_KHO_PRIV_H
#include <kho.h>
#include "kho_internal.h"
#include <mm.h>

#define KHO_PAGE_MAGIC 0x4b484f50u          /* "KHOP": head of a preserved block */

struct kho_in {
	bool active;                         /* a handover is being taken over */
	bool dropped;
	const char *why;
	const void *fdt;                     /* the incoming root FDT (direct map) */
	paddr_t root;                        /* its radix tree */
	paddr_t *nodes;                      /* node pages met by the walk */
	uint64_t nnodes, blocks, bytes;
	uint64_t kexec_count;
};
extern struct kho_in kho_in;

paddr_t kho_out_fdt(void);
/* Decoded root FDT through printk (luo/kho_dump.c). */
void kho_fdt_print(const void *fdt);
const struct kho_radix *kho_out_tree(void);

struct shell_ctx;
int kho_selftest_cmd(struct shell_ctx *c, int argc, char **argv);


/* Refuse the incoming handover: log, boot cold, scrub on allocation. */
void kho_drop(const char *why);
#endif
