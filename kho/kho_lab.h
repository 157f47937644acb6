/*
 * The KHO labs (docs/labs.md): functions students write in kho/lab_radix_runs.c
 * (lab 1) and kho/lab_block_get.c (lab 3). Built only by tests/labs/labs.mk, never
 * into the kernel; each starts as a stub returning -ENOSYS.
 */
#ifndef KHO_LAB_H
#define KHO_LAB_H
#include "kho_internal.h"

/*
 * Lab 1. Walk the tree at root as kho_in.c does (with a run callback) and set *nruns
 * to the number of runs the walk hands over. visited holds max_nodes entries for the
 * walk. 0, or the walk's error (-EINVAL for a refused tree).
 */
int kho_radix_count_runs(paddr_t root, paddr_t *visited, uint64_t max_nodes,
			 uint64_t *nruns);

/*
 * Lab 3. Point *entry at entry `index` (0 = first appended) of the chain s, walking
 * from s->first through each block's header. 0, or -ENOENT if index >= s->count.
 */
int kho_block_get(const struct kho_block_set *s, uint64_t index, void **entry);
#endif
