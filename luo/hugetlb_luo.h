/*
 * What luo/hugetlb_luo.c shows its test instruments (luo/luo_inject.c) at the
 * "hugetlb.kexec" fault site (include/fault_inject.h): the outgoing FLB's bytes,
 * after the kexec step has confirmed them, and each pool's sorted folio list. A
 * handler may break them (the next kernel must refuse them); it must mend them in
 * its own kexec step's undo.
 */
#ifndef LUO_HUGETLB_LUO_H
#define LUO_HUGETLB_LUO_H
#include <abi/baton.h>
#include <hugetlb.h>

struct hugetlb_kexec_ctx {
	struct baton_hugetlb_ser *ser;
	uint64_t *list[NR_HUGE];             /* NULL for a pool with no folios */
	uint64_t n[NR_HUGE];
};
#endif
