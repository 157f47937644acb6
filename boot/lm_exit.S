/*
 * lm_exit: leave 64-bit long mode and jump to a Multiboot2 32-bit entry.
 * See include/lm_exit.h for the contract. Model: the bytes between lm_exit_start
 * and lm_exit_end are copied to an identity-mapped, executable page below 4 GiB
 * and called there (SysV: rdi = entry32_pa, rsi = magic, rdx = info_pa).
 * Invariants: position-independent (only RIP-relative references to local labels
 * inside the blob, resolved by the assembler, so the object has no relocations
 * for this code); no includes, no outside symbols, so the EFI loader and the
 * kernel assemble it unchanged; never writes memory (the GDT pseudo-descriptor
 * lives on the caller's stack, descriptors are pre-marked accessed); uses the
 * stack only while still in 64-bit mode.
 */

	.text
	.code64
	.balign 16
	.globl lm_exit_start
	.globl lm_exit_end
lm_exit_start:
	/* No interrupts from here on: the IDT is the caller's 64-bit one. */
	cli

	/*
	 * Keep the three arguments in registers whose low halves survive the switch
	 * to compatibility mode: edi = entry32_pa (already), esi = magic (already),
	 * ebp = info_pa. edx is needed by rdmsr/wrmsr later.
	 */
	movq	%rdx, %rbp

	/*
	 * CR0.PG cannot be cleared while CR4.PCIDE = 1 (#GP), so clear PCIDE now,
	 * while still in 64-bit mode (clearing it is always allowed).
	 */
	movq	%cr4, %rax
	andq	$~(1 << 17), %rax
	movq	%rax, %cr4

	/*
	 * Load our own GDT. Its address is computed RIP-relative at run time, so it
	 * is right wherever the blob was copied. The 10-byte pseudo-descriptor
	 * (16-bit limit, 64-bit base) is built on the stack, not in the blob.
	 */
	leaq	.Lgdt(%rip), %rax
	subq	$16, %rsp
	movw	$(.Lgdt_end - .Lgdt - 1), (%rsp)
	movq	%rax, 2(%rsp)
	lgdt	(%rsp)
	addq	$16, %rsp

	/*
	 * Far return into the 32-bit code segment (selector 0x08, D = 1, L = 0):
	 * the CPU stays in IA-32e mode but runs the next instruction in
	 * compatibility mode. lretq pops RIP then CS (8 bytes each).
	 */
	leaq	.Lcompat(%rip), %rax
	pushq	$0x08
	pushq	%rax
	lretq

	.code32
.Lcompat:
	/*
	 * Compatibility mode, still paged. Flat 32-bit data segments (selector
	 * 0x10, base 0, limit 4 GiB, B = 1) for every data segment register. The
	 * stack is not used again, so a stack pointer above 4 GiB does no harm.
	 */
	movl	$0x10, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %fs
	movl	%eax, %gs
	movl	%eax, %ss

	/*
	 * Paging off (CR0.PG = 0). This also deactivates IA-32e mode (EFER.LMA
	 * becomes 0). The next instruction is fetched at the same linear address,
	 * which is now a physical one: this is why the copy must be identity-mapped.
	 */
	movl	%cr0, %eax
	andl	$~(1 << 31), %eax
	movl	%eax, %cr0

	/*
	 * Clear EFER.LME (MSR 0xc0000080, bit 8), so that a later CR0.PG = 1 by the
	 * next kernel gives legacy 32-bit paging unless it asks for long mode itself.
	 */
	movl	$0xc0000080, %ecx
	rdmsr
	andl	$~(1 << 8), %eax
	wrmsr

	/* Multiboot2 entry state: EAX = magic, EBX = info physical address. */
	movl	%esi, %eax
	movl	%ebp, %ebx

	/* Jump to the 32-bit entry (protected mode, paging off, flat segments). */
	jmp	*%edi

	/*
	 * The GDT, inside the blob. Descriptors carry the accessed bit already, so
	 * the CPU never writes to them when a segment register is loaded.
	 *   0x00: null
	 *   0x08: code, base 0, limit 0xfffff pages, G = 1, D = 1, P, DPL 0, type 0xb
	 *   0x10: data, base 0, limit 0xfffff pages, G = 1, B = 1, P, DPL 0, type 0x3
	 */
	.balign 8
.Lgdt:
	.quad	0
	.quad	0x00cf9b000000ffff
	.quad	0x00cf93000000ffff
.Lgdt_end:
lm_exit_end:
	.code64

#ifdef __ELF__
	.section .note.GNU-stack,"",@progbits
#endif
