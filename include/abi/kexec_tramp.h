/*
 * The kexec trampoline page: the bytes kernel/kexec.c writes into one scratch page
 * and the code it copies there reads, identity-mapped, once the running kernel has
 * stopped. Both sides live in one kernel image, but the reader is assembler
 * (kernel/kexec_tramp.S), so every offset it uses is generated from the structs
 * below (kernel/asm_offsets.c -> $(B)/include/generated/asm-offsets.h) rather than
 * written by hand.
 *
 * The page, from its start:
 *   KEXEC_TRAMP_CODE_OFF     the trampoline code (kexec_tramp_start..end)
 *   KEXEC_TRAMP_LM_EXIT_OFF  the lm_exit stub (lm_exit_start..end, include/lm_exit.h)
 *   KEXEC_TRAMP_ARGS_OFF     struct kexec_tramp_args, all addresses physical
 *   ...                      free
 *   KEXEC_TRAMP_PAGE_SIZE    stack top: the stack grows down from the page's end
 * Invariants: the regions are disjoint and in this order; the arguments leave at
 * least KEXEC_TRAMP_STACK_MIN bytes of stack (lm_exit uses 16). The struct sizes are
 * checked here; the two code sizes are only known once assembled, so kexec.c checks
 * them before it prepares anything.
 */
#ifndef ABI_KEXEC_TRAMP_H
#define ABI_KEXEC_TRAMP_H

#define KEXEC_TRAMP_PAGE_SIZE    4096
#define KEXEC_TRAMP_CODE_OFF     0
#define KEXEC_TRAMP_LM_EXIT_OFF  512
#define KEXEC_TRAMP_ARGS_OFF     1024
#define KEXEC_TRAMP_STACK_MIN    512
#define KEXEC_TRAMP_MAX_SEGS     16    /* segments the argument block has room for */

#ifndef __ASSEMBLY__
#include <stddef.h>
#include <stdint.h>

struct kexec_tramp_seg {         /* copy filesz bytes src -> dst, zero up to memsz */
	uint64_t dst, src, filesz, memsz;
};

struct kexec_tramp_args {        /* kexec_tramp(args): rdi = its physical address */
	uint64_t nseg;           /* entries of seg[] in use */
	uint64_t entry;          /* the next kernel's 32-bit multiboot2 entry */
	uint64_t info;           /* its multiboot2 information */
	uint64_t lm_exit;        /* the copied lm_exit stub */
	uint64_t stack_top;
	struct kexec_tramp_seg seg[KEXEC_TRAMP_MAX_SEGS];
};

_Static_assert(sizeof(struct kexec_tramp_seg) == 32 &&
	       offsetof(struct kexec_tramp_seg, src) == 8 &&
	       offsetof(struct kexec_tramp_seg, filesz) == 16 &&
	       offsetof(struct kexec_tramp_seg, memsz) == 24, "kexec_tramp_seg");
_Static_assert(offsetof(struct kexec_tramp_args, entry) == 8 &&
	       offsetof(struct kexec_tramp_args, info) == 16 &&
	       offsetof(struct kexec_tramp_args, lm_exit) == 24 &&
	       offsetof(struct kexec_tramp_args, stack_top) == 32 &&
	       offsetof(struct kexec_tramp_args, seg) == 40 &&
	       sizeof(struct kexec_tramp_args) == 40 + 32 * KEXEC_TRAMP_MAX_SEGS,
	       "kexec_tramp_args");
_Static_assert(KEXEC_TRAMP_CODE_OFF < KEXEC_TRAMP_LM_EXIT_OFF &&
	       KEXEC_TRAMP_LM_EXIT_OFF < KEXEC_TRAMP_ARGS_OFF &&
	       KEXEC_TRAMP_ARGS_OFF % 8 == 0 &&
	       KEXEC_TRAMP_ARGS_OFF + sizeof(struct kexec_tramp_args) + KEXEC_TRAMP_STACK_MIN <=
	       KEXEC_TRAMP_PAGE_SIZE, "the trampoline page's arguments and stack fit");
#endif
#endif
