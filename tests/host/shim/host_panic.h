/*
 * Host panic(): instead of stopping, it records the formatted message and, when a
 * test armed it with expect_panic(), longjmps back into the test, which then asserts
 * on the message. BUG_ON(cond, fmt, ...) (include/panic.h) expands to
 *     panic("%s:%d: BUG_ON(%s): " fmt, __FILE__, __LINE__, #cond, ...)
 * so a message reads "mm/buddy.c:212: BUG_ON(!p): free of pfn 0x1004 order 2: ...";
 * tests compare the part after the condition (panic_tail_is()), which does not move
 * when lines are added to the source.
 *
 * An unexpected panic (none armed) prints the message to stderr and aborts, so the
 * test binary fails and says why. The state of whatever the kernel code was doing
 * when it panicked is abandoned: build a fresh one for the next case.
 */
#ifndef HOST_PANIC_H
#define HOST_PANIC_H
#include <setjmp.h>
#include <stdbool.h>
#include <string.h>

#define PANIC_MSG_MAX 1024

extern jmp_buf *panic_jmp;             /* armed by expect_panic(), else NULL */
extern char panic_msg[PANIC_MSG_MAX];  /* the last panic's message */
extern unsigned panic_count;           /* panics since the program started */

/*
 * Run stmt; true if it panicked (panic_msg holds the message), false if it returned.
 * stmt must not itself return or jump out. Locals changed by stmt and read after a
 * panic must be volatile (setjmp rules).
 */
#define expect_panic(stmt)                                                            \
	({                                                                            \
		jmp_buf jb_;                                                          \
		volatile bool panicked_ = false;    /* set after a longjmp */         \
		panic_msg[0] = 0;                                                     \
		panic_jmp = &jb_;                                                     \
		if (setjmp(jb_) == 0) {                                               \
			stmt;                                                         \
		} else {                                                              \
			panicked_ = true;                                             \
		}                                                                     \
		panic_jmp = NULL;                                                     \
		panicked_;                                                            \
	})

/* True if the last panic message ends with tail (the BUG_ON message proper). */
static inline bool panic_tail_is(const char *tail)
{
	size_t n = strlen(panic_msg), t = strlen(tail);
	return n >= t && strcmp(panic_msg + n - t, tail) == 0;
}
#endif
