/*
 * Lab 1 (docs/labs.md): count the runs a radix-tree walk coalesces. The stub below
 * is the starting point; `make lab-1` checks it (tests/labs/lab_radix_runs.c).
 */
#include <errno.h>
#include "kho_lab.h"

int kho_radix_count_runs(paddr_t root, paddr_t *visited, uint64_t max_nodes,
			 uint64_t *nruns)
{
	(void)root;
	(void)visited;
	(void)max_nodes;
	*nruns = 0;
	return -ENOSYS;
}
