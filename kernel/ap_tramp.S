/*
 * The application processors' start code (model and argument block in
 * include/ap_tramp.h). kernel/smp.c copies [ap_tramp_start, ap_tramp_end) to the
 * first byte of a page below 1 MiB and fills the argument block at AP_TRAMP_ARGS;
 * a SIPI whose vector is that page's number starts an AP here in real mode.
 *
 * Assembly because C cannot switch modes. Position-independent: real mode reaches
 * the block through DS (= CS = page >> 4); from protected mode on, %ebx holds the
 * page's physical address and every access is %ebx-relative. Nothing here writes
 * memory but the block's `alive` word; the stack is used only from ap_entry on.
 */
#include <ap_tramp.h>
#include <generated/asm-offsets.h>

#define CR0_PE     0x1
#define CR0_PG     0x80000000
#define CR4_PAE    0x20
#define MSR_EFER   0xc0000080

	.text
	.globl ap_tramp_start, ap_tramp_pm32, ap_tramp_lm64, ap_tramp_end
	.balign 16
	.code16
ap_tramp_start:
	cli
	cld
	movw %cs, %ax
	movw %ax, %ds
	xorl %ebx, %ebx
	movw %ax, %bx
	shll $4, %ebx                           /* %ebx = the page's physical address */
	lgdtl AP_TRAMP_ARGS + AP_ARGS_GDT_DESC  /* DS-relative: the block's GDT */
	movl %cr0, %eax
	orl $CR0_PE, %eax
	movl %eax, %cr0
	ljmpl *(AP_TRAMP_ARGS + AP_ARGS_PM32)   /* far pointer {page + pm32, 0x08} */

	.code32
ap_tramp_pm32:
	movl $0x10, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl AP_TRAMP_ARGS + AP_ARGS_PML4(%ebx), %eax
	movl %eax, %cr3                         /* the trampoline's own page table */
	movl $MSR_EFER, %ecx
	rdmsr
	orl AP_TRAMP_ARGS + AP_ARGS_EFER(%ebx), %eax  /* LME (and NXE: the kernel's PTEs use it) */
	wrmsr
	movl %cr0, %eax
	orl $CR0_PG, %eax
	movl %eax, %cr0                         /* long mode, compatibility submode */
	ljmpl *AP_TRAMP_ARGS + AP_ARGS_LM64(%ebx)    /* far pointer {page + lm64, 0x18} */

	.code64
ap_tramp_lm64:
	movl %ebx, %ebx                         /* upper half undefined after the switch */
	movl $1, AP_TRAMP_ARGS + AP_ARGS_ALIVE(%rbx)
	movq AP_TRAMP_ARGS + AP_ARGS_STACK(%rbx), %rsp
	movq AP_TRAMP_ARGS + AP_ARGS_PERCPU(%rbx), %rdi
	movq AP_TRAMP_ARGS + AP_ARGS_ENTRY(%rbx), %rax
	xorl %ebp, %ebp                         /* ends the frame-pointer chain */
	pushq $0                                /* fake return address: traces end here */
	jmp *%rax                               /* ap_entry(percpu), in the upper half */
ap_tramp_end:
