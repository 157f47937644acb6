/*
 * The kexec trampoline: position-independent code that kexec copies, with the
 * lm_exit stub, into a scratch page and runs there, identity-mapped, after the
 * running kernel has stopped everything. It copies each segment of the next
 * kernel to its final place (over the running kernel's image: nothing of that
 * kernel is used any more), zeroes the rest of each segment, and leaves long mode
 * through lm_exit into the next kernel's multiboot2 entry.
 *
 *   void kexec_tramp(struct kexec_tramp_args *a)     (SysV; a is physical)
 *
 * The page's layout and struct kexec_tramp_args (physical addresses throughout) are
 * in include/abi/kexec_tramp.h; the offsets used here are generated from those
 * structs (kernel/asm_offsets.c). The trampoline never calls and never touches the
 * stack; lm_exit uses 16 bytes of it.
 */
#include <abi/multiboot2.h>
#include <generated/asm-offsets.h>

	.text
	.globl kexec_tramp_start, kexec_tramp_end
	.balign 16
kexec_tramp_start:
	movq %rdi, %rbx                         /* the arguments */
	movq KEXEC_TRAMP_ARGS_STACK_TOP(%rbx), %rsp /* a stack that nothing will overwrite */
	movq KEXEC_TRAMP_ARGS_NSEG(%rbx), %r12  /* segments left */
	leaq KEXEC_TRAMP_ARGS_SEG(%rbx), %r13   /* the current segment */
	cld
1:	testq %r12, %r12
	jz 2f
	movq KEXEC_TRAMP_SEG_DST(%r13), %rdi    /* dst */
	movq KEXEC_TRAMP_SEG_SRC(%r13), %rsi    /* src */
	movq KEXEC_TRAMP_SEG_FILESZ(%r13), %rcx /* filesz: 8 bytes at a time, then the rest */
	shrq $3, %rcx
	rep movsq
	movq KEXEC_TRAMP_SEG_FILESZ(%r13), %rcx
	andq $7, %rcx
	rep movsb
	movq KEXEC_TRAMP_SEG_MEMSZ(%r13), %rcx  /* memsz - filesz: zeroed, the same way */
	subq KEXEC_TRAMP_SEG_FILESZ(%r13), %rcx
	movq %rcx, %rdx
	shrq $3, %rcx
	xorl %eax, %eax
	rep stosq
	movq %rdx, %rcx
	andq $7, %rcx
	rep stosb
	addq $KEXEC_TRAMP_SEG_SIZE, %r13
	decq %r12
	jmp 1b
2:	movq KEXEC_TRAMP_ARGS_ENTRY(%rbx), %rdi /* lm_exit(entry, magic, info) */
	movl $MB2_BOOTLOADER_MAGIC, %esi
	movq KEXEC_TRAMP_ARGS_INFO(%rbx), %rdx
	jmp *KEXEC_TRAMP_ARGS_LM_EXIT(%rbx)
kexec_tramp_end:
