/*
 * Interrupt entry stubs. Each vector pushes a zero error code if the CPU does not
 * push one, then its number, and jumps to trap_common, which saves the general
 * registers (struct trap_frame, include/trap.h), calls trap_dispatch(frame) with a
 * 16-byte aligned stack, restores and returns with iretq. trap_vectors[] is the
 * stubs start at trap_stubs, 16 bytes apart.
 */
	.text
/*
 * 256 stubs, 16 bytes apart from trap_stubs (idt_init computes each address).
 * Vectors with a CPU-pushed error code: 8, 10-14, 17, 21, 29, 30.
 */
	.balign 16
	.globl trap_stubs
trap_stubs:
	.set vec, 0
	.rept 256
	.balign 16
	.if (vec == 8) || (vec >= 10 && vec <= 14) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
	.else
	pushq $0
	.endif
	pushq $vec
	jmp trap_common
	.set vec, vec + 1
	.endr

trap_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	cld
	movq %rsp, %rdi
	movq %rsp, %rbx                 /* callee-saved: the frame */
	andq $-16, %rsp
	call trap_dispatch
	movq %rbx, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp                  /* vector and error code */
	iretq

