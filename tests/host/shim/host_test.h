/*
 * What every host test includes: cmocka (with the headers it needs first), the
 * printk capture (host_shim.h), and a few helpers for golden-text assertions and
 * seeded randomness. Tests are table-driven: a static array of cases, one loop, and
 * a message naming the failing case.
 */
#ifndef HOST_TEST_H
#define HOST_TEST_H
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include "host_shim.h"

/* Compare a produced text with its golden; on mismatch print both whole. */
#define assert_golden(actual, expected)                                              \
	do {                                                                         \
		const char *a_ = (actual), *e_ = (expected);                         \
		if (strcmp(a_, e_) != 0) {                                           \
			print_error("golden mismatch\n--- expected\n%s\n--- actual\n%s\n---\n", \
				    e_, a_);                                         \
			fail();                                                      \
		}                                                                    \
	} while (0)

/* Name the table row being checked when an assertion in the loop fails. */
#define case_fail(fmt, ...)                                                          \
	do {                                                                         \
		print_error(fmt "\n", ##__VA_ARGS__);                                \
		fail();                                                              \
	} while (0)

/* xorshift64*: deterministic, seeded, good enough to generate inputs. */
static inline uint64_t host_rand(uint64_t *state)
{
	uint64_t x = *state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* Called as a cmocka group setup: start every test with an empty printk log. */
static inline int host_reset_log(void **state)
{
	(void)state;
	printk_log_reset();
	return 0;
}
#endif
