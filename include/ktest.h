/*
 * In-kernel tests. KTEST(suite, name) { ... } defines a test and places its
 * descriptor in the .ktest section (sorted by suite and name), so the runner and the
 * host harness (which reads `nm build/kernel.elf` for __ktest_* symbols) find every
 * test without a list. Inside a test, `kt` is the context:
 *   KT_EXPECT(cond)        record a failure and go on
 *   KT_ASSERT(cond)        record a failure and leave the test
 *   KT_EXPECT_EQ(a, b)     compare as unsigned 64-bit, printing both values
 *   KT_SKIP("reason")      leave the test as skipped
 * Output is KTAP version 1 (plan, "ok N suite.name", "not ok N ...", "# SKIP",
 * "# Totals: pass:P fail:F skip:S").
 */
#ifndef KTEST_H
#define KTEST_H
#include <types.h>

struct ktest_ctx {
	unsigned failures;
	const char *skip;
};

struct ktest {
	const char *suite, *name;
	void (*fn)(struct ktest_ctx *kt);
};

#define KTEST(s, n)                                                                   \
	static void __ktest_fn_##s##_##n(struct ktest_ctx *kt);                        \
	const struct ktest __ktest_##s##__##n __section(".ktest." #s "." #n) __used __aligned_entry(struct ktest) =  \
		{ #s, #n, __ktest_fn_##s##_##n };                                      \
	static void __ktest_fn_##s##_##n(struct ktest_ctx *kt)

bool ktest_check(struct ktest_ctx *kt, bool ok, const char *expr, const char *file, int line);
bool ktest_check_eq(struct ktest_ctx *kt, uint64_t a, uint64_t b, const char *ea,
		    const char *eb, const char *file, int line);

#define KT_EXPECT(cond) ktest_check(kt, !!(cond), #cond, __FILE__, __LINE__)
#define KT_ASSERT(cond)                                                               \
	do {                                                                          \
		if (!KT_EXPECT(cond))                                                 \
			return;                                                       \
	} while (0)
#define KT_EXPECT_EQ(a, b)                                                            \
	ktest_check_eq(kt, (uint64_t)(a), (uint64_t)(b), #a, #b, __FILE__, __LINE__)
#define KT_SKIP(reason)                                                               \
	do {                                                                          \
		kt->skip = (reason);                                                  \
		return;                                                               \
	} while (0)

struct ktest_totals {
	unsigned pass, fail, skip;
};
/* Run every test whose "suite.name" matches glob; print KTAP. -ENOENT if none. */
int ktest_run(const char *glob, struct ktest_totals *t);
/* Boot option ktest=GLOB: run, print the verdict line, exit QEMU. */
__noreturn void ktest_boot(const char *glob);
#endif
