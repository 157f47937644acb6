/*
 * Offsets and sizes of C structs that assembler reads, taken from the compiler
 * rather than written by hand. Never linked. The Makefile compiles this file to
 * assembly ($(B)/kernel/asm_offsets.s), in which each ASM_CONST below has left a line
 *   .ascii "->NAME VALUE"
 * and turns those lines into `#define NAME VALUE` in
 * $(B)/include/generated/asm-offsets.h, which the .S files include. A struct that
 * changes moves the assembler with it; the layouts themselves are asserted in
 * their headers (include/abi/).
 */
#include <stddef.h>
#include <abi/kexec_tramp.h>
#include <ap_tramp.h>

/* "%c0": the constant without the '$' an AT&T immediate would carry. */
#define ASM_CONST(name, value) \
	__asm__ volatile(".ascii \"->" #name " %c0\"" : : "i"((unsigned long)(value)))

void asm_offsets(void);

void asm_offsets(void)
{
	/* kernel/kexec_tramp.S: its argument block and the segments in it. */
	ASM_CONST(KEXEC_TRAMP_ARGS_NSEG, offsetof(struct kexec_tramp_args, nseg));
	ASM_CONST(KEXEC_TRAMP_ARGS_ENTRY, offsetof(struct kexec_tramp_args, entry));
	ASM_CONST(KEXEC_TRAMP_ARGS_INFO, offsetof(struct kexec_tramp_args, info));
	ASM_CONST(KEXEC_TRAMP_ARGS_LM_EXIT, offsetof(struct kexec_tramp_args, lm_exit));
	ASM_CONST(KEXEC_TRAMP_ARGS_STACK_TOP, offsetof(struct kexec_tramp_args, stack_top));
	ASM_CONST(KEXEC_TRAMP_ARGS_SEG, offsetof(struct kexec_tramp_args, seg));
	ASM_CONST(KEXEC_TRAMP_SEG_DST, offsetof(struct kexec_tramp_seg, dst));
	ASM_CONST(KEXEC_TRAMP_SEG_SRC, offsetof(struct kexec_tramp_seg, src));
	ASM_CONST(KEXEC_TRAMP_SEG_FILESZ, offsetof(struct kexec_tramp_seg, filesz));
	ASM_CONST(KEXEC_TRAMP_SEG_MEMSZ, offsetof(struct kexec_tramp_seg, memsz));
	ASM_CONST(KEXEC_TRAMP_SEG_SIZE, sizeof(struct kexec_tramp_seg));

	/* kernel/ap_tramp.S: the argument block in the AP start page. */
	ASM_CONST(AP_ARGS_GDT_DESC, offsetof(struct ap_tramp_args, gdt_limit));
	ASM_CONST(AP_ARGS_PM32, offsetof(struct ap_tramp_args, pm32_off));
	ASM_CONST(AP_ARGS_LM64, offsetof(struct ap_tramp_args, lm64_off));
	ASM_CONST(AP_ARGS_PML4, offsetof(struct ap_tramp_args, pml4));
	ASM_CONST(AP_ARGS_EFER, offsetof(struct ap_tramp_args, efer));
	ASM_CONST(AP_ARGS_STACK, offsetof(struct ap_tramp_args, stack_top));
	ASM_CONST(AP_ARGS_ENTRY, offsetof(struct ap_tramp_args, entry));
	ASM_CONST(AP_ARGS_PERCPU, offsetof(struct ap_tramp_args, percpu));
	ASM_CONST(AP_ARGS_ALIVE, offsetof(struct ap_tramp_args, alive));
}
