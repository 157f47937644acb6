/*
 * A fuzz target's finding: fuzz_check() prints the target, what went wrong and the
 * value involved, then aborts, so libFuzzer saves the input that did it.
 */
#ifndef FUZZ_CHECK_H
#define FUZZ_CHECK_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static inline void fuzz_check(bool ok, const char *target, const char *what, uint64_t v)
{
	if (!ok) {
		fprintf(stderr, "%s: %s (%#llx)\n", target, what, (unsigned long long)v);
		abort();
	}
}
#endif
