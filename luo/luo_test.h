/*
 * LUO's test instruments (KTEST=1 only): the test FLBs (luo/luo_test.c) and the
 * injected failures (luo/luo_inject.c), for their console commands
 * (luo/cmd_luo_test.c). Not an interface of LUO.
 */
#ifndef LUO_LUO_TEST_H
#define LUO_LUO_TEST_H
#include <luo.h>

#define LUO_TEST_FLBS 3

struct luo_test_counts {
	unsigned preserve, unpreserve, retrieve, finish;
	uint64_t last_data;
};
bool luo_test_enabled(void);
/* What registering test FLB 0 a second time gave (-EEXIST is right; 1: not tried). */
int luo_test_twice(void);
/* Test FLB i (< LUO_TEST_FLBS) and its callback counts. */
const struct luo_flb *luo_test_flb(unsigned i, const struct luo_test_counts **counts);

/* Arm injection KIND (`luo inject KIND`); -EINVAL if there is no such kind. */
int luo_inject_arm(const char *kind);
extern const char luo_inject_kinds[];    /* "preserve|freeze|...", for the usage line */
#endif
