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
 * struct kexec_tramp_args (kernel/kexec.c, physical addresses throughout):
 *   +0  nseg           u64
 *   +8  entry          u64   32-bit entry of the next kernel
 *   +16 info           u64   its multiboot2 information
 *   +24 lm_exit        u64   the copied lm_exit stub
 *   +32 stack_top      u64
 *   +40 segs[nseg]     { u64 dst, src, filesz, memsz }
 */
#include <abi/multiboot2.h>

	.text
	.globl kexec_tramp_start, kexec_tramp_end
	.balign 16
kexec_tramp_start:
	movq %rdi, %rbx                 /* the arguments */
	movq 32(%rbx), %rsp             /* a stack that nothing will overwrite */
	movq 0(%rbx), %r12              /* segments left */
	leaq 40(%rbx), %r13             /* the current segment */
	cld
1:	testq %r12, %r12
	jz 2f
	movq 0(%r13), %rdi              /* dst */
	movq 8(%r13), %rsi              /* src */
	movq 16(%r13), %rcx             /* filesz: 8 bytes at a time, then the rest */
	shrq $3, %rcx
	rep movsq
	movq 16(%r13), %rcx
	andq $7, %rcx
	rep movsb
	movq 24(%r13), %rcx             /* memsz - filesz: zeroed, the same way */
	subq 16(%r13), %rcx
	movq %rcx, %rdx
	shrq $3, %rcx
	xorl %eax, %eax
	rep stosq
	movq %rdx, %rcx
	andq $7, %rcx
	rep stosb
	addq $32, %r13
	decq %r12
	jmp 1b
2:	movq 8(%rbx), %rdi              /* lm_exit(entry, magic, info) */
	movl $MB2_BOOTLOADER_MAGIC, %esi
	movq 16(%rbx), %rdx
	jmp *24(%rbx)
kexec_tramp_end:
