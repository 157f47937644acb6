/*
 * Baton's first instructions. Two producers enter here in 32-bit protected mode with
 * paging off and interrupts off:
 *   _start_mb2  multiboot2 (GRUB, Baton's EFI loader, Baton's kexec):
 *               EAX = 0x36d76289, EBX = physical address of the boot information
 *   _start_pvh  QEMU -kernel through the PVH ELF note: EBX = hvm_start_info
 * Both record which protocol it was (EDI) and the info address (ESI), build the boot
 * page tables, enter long mode, jump to the higher half and call
 *   kmain(uint32_t proto, uint64_t info_pa)
 * with the stack-protector canary reachable at %fs:0x28.
 *
 * Boot page tables (all in .bss, zeroed here because a kexec'd or EFI-loaded image
 * must not trust the loader to have done it), 2 MiB pages:
 *   PML4[0]   -> pdpt_low : identity map 0..4 GiB (needed for the jump to long mode)
 *   PML4[256] -> pdpt_low : direct map at DIRECT_MAP_BASE, 0..4 GiB
 *   PML4[511] -> pdpt_high: PDPT[510] -> pd[0]: kernel at KERNEL_VBASE, 0..1 GiB
 * mm/ replaces them with a direct map of all RAM.
 */
#include <abi/multiboot2.h>
#include <abi/pvh.h>
#include <layout.h>
#include <bootproto.h>

#define PHYS(sym)   ((sym) - KERNEL_VBASE)
#define PTE_P       0x1
#define PTE_W       0x2
#define PTE_PS      0x80

/* ---- the multiboot2 header (first 32 KiB of the file, 8-aligned) ---- */
	.section .multiboot2, "a"
	.balign 8
mb2_header:
	.long MB2_HEADER_MAGIC
	.long 0                                   /* architecture: i386 protected mode */
	.long mb2_header_end - mb2_header
	.long -(MB2_HEADER_MAGIC + (mb2_header_end - mb2_header))
	.balign 8                                 /* module alignment: page-align modules */
	.short MB2_HDR_TAG_MODULE_ALIGN, 0
	.long 8
	.balign 8                                 /* end of header tags */
	.short MB2_HDR_TAG_END, 0
	.long 8
mb2_header_end:

/* ---- the PVH note: QEMU's -kernel enters at this physical address ---- */
	.section .note.Xen, "a", @note
	.balign 4
	.long 4                                   /* name size: "Xen\0" */
	.long 4                                   /* descriptor size */
	.long XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.balign 4
	.long _start_pvh
	.balign 4

/* ---- 32-bit entry code: runs at its physical address ---- */
	.section .boot.text, "ax"
	.code32
	.globl _start_mb2
_start_mb2:
	cli
	cld
	movl $BOOT_PROTO_MB2, %edi
	cmpl $MB2_BOOTLOADER_MAGIC, %eax
	je 1f
	movl $BOOT_PROTO_UNKNOWN, %edi            /* kmain reports the bad magic */
1:	movl %ebx, %esi
	jmp common32

	.globl _start_pvh
_start_pvh:
	cli
	cld
	movl $BOOT_PROTO_PVH, %edi
	movl %ebx, %esi

common32:
	movl $PHYS(boot_stack_top), %esp

	/* Long mode present? (CPUID 0x80000001 EDX bit 29) Otherwise say so and stop. */
	movl $0x80000000, %eax
	cpuid
	cmpl $0x80000001, %eax
	jb no_long_mode
	movl $0x80000001, %eax
	cpuid
	btl $29, %edx
	jnc no_long_mode

	/* Zero the page-table area (pml4 .. end of boot_pd). */
	movl $PHYS(boot_pml4), %edx
	xorl %eax, %eax
	movl $(7 * 4096 / 4), %ecx
	movl %edi, %ebp                           /* keep proto across rep stosl */
	movl %edx, %edi
	rep stosl
	movl %ebp, %edi

	/* PML4 entries. */
	movl $(PHYS(boot_pdpt_low) + PTE_P + PTE_W), %eax
	movl %eax, PHYS(boot_pml4)
	movl %eax, PHYS(boot_pml4) + 256 * 8
	movl $(PHYS(boot_pdpt_high) + PTE_P + PTE_W), %eax
	movl %eax, PHYS(boot_pml4) + 511 * 8

	/* pdpt_low[0..3] -> boot_pd[0..3]; pdpt_high[510] -> boot_pd[0]. */
	movl $(PHYS(boot_pd) + PTE_P + PTE_W), %eax
	movl %eax, PHYS(boot_pdpt_low)
	movl %eax, PHYS(boot_pdpt_high) + 510 * 8
	addl $4096, %eax
	movl %eax, PHYS(boot_pdpt_low) + 8
	addl $4096, %eax
	movl %eax, PHYS(boot_pdpt_low) + 16
	addl $4096, %eax
	movl %eax, PHYS(boot_pdpt_low) + 24

	/* 2048 entries of 2 MiB: entry i maps i * 2 MiB (the high dword carries bit 32). */
	xorl %ecx, %ecx
2:	movl %ecx, %eax
	shll $21, %eax
	orl $(PTE_P + PTE_W + PTE_PS), %eax
	movl %eax, PHYS(boot_pd)(, %ecx, 8)
	movl %ecx, %eax
	shrl $11, %eax                            /* bits 32+ of i * 2 MiB */
	movl %eax, PHYS(boot_pd) + 4(, %ecx, 8)
	incl %ecx
	cmpl $2048, %ecx
	jb 2b

	/* PAE on, CR3, EFER.LME (and NXE if the CPU has it), then paging on. */
	movl %cr4, %eax
	orl $0x20, %eax                           /* CR4.PAE */
	movl %eax, %cr4
	movl $PHYS(boot_pml4), %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx                    /* IA32_EFER */
	rdmsr
	orl $0x100, %eax                          /* LME */
	wrmsr
	movl %cr0, %eax
	orl $0x80010001, %eax                     /* PG | WP | PE */
	movl %eax, %cr0

	lgdt boot_gdt_ptr                          /* .boot.data: already physical */
	ljmp $0x08, $long_mode_entry

no_long_mode:
	movl $no_lm_msg, %esi
3:	lodsb
	testb %al, %al
	jz 5f
	movb %al, %bl
	movw $0x3fd, %dx                          /* COM1 line status: wait for THR empty */
4:	inb %dx, %al
	testb $0x20, %al
	jz 4b
	movw $0x3f8, %dx
	movb %bl, %al
	outb %al, %dx
	jmp 3b
5:	hlt
	jmp 5b

	.code64
long_mode_entry:
	movl $0x10, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	xorl %eax, %eax
	movl %eax, %fs
	movl %eax, %gs
	movabsq $higher_half, %rax
	jmp *%rax

	.section .boot.data, "a"
no_lm_msg:
	.asciz "Baton: this CPU has no long mode; stopping.\r\n"
	.balign 16
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff                  /* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff                  /* 0x10: data */
boot_gdt_end:
boot_gdt_ptr:
	.short boot_gdt_end - boot_gdt - 1
	.long boot_gdt

/* ---- 64-bit, higher half ---- */
	.section .text.entry, "ax"
higher_half:
	movabsq $boot_stack_top, %rsp
	xorl %ebp, %ebp                           /* ends the frame-pointer chain */
	/* %fs base -> a block whose +0x28 holds the stack-protector canary. */
	movabsq $boot_canary_block, %rax
	movq %rax, %rdx
	shrq $32, %rdx
	movl $0xc0000100, %ecx                    /* IA32_FS_BASE */
	wrmsr
	rdtsc                                     /* canary: not secret, but not zero */
	shlq $32, %rdx
	orq %rdx, %rax
	movabsq $0x9e3779b97f4a7c15, %rdx
	imulq %rdx, %rax
	movabsq $boot_canary_block, %rdx
	movq %rax, 0x28(%rdx)
	movl %edi, %edi                           /* upper halves are undefined after */
	movl %esi, %esi                           /* the switch to 64-bit mode */
	pushq $0                                  /* fake return address: trace ends */
	jmp kmain

	.bss
	.balign 4096
	.globl boot_pml4
boot_pml4:      .skip 4096
boot_pdpt_low:  .skip 4096
boot_pdpt_high: .skip 4096
boot_pd:        .skip 4 * 4096
	.balign 4096
	.globl boot_stack_bottom, boot_stack_top
boot_stack_bottom:
	.skip BOOT_STACK_SIZE
boot_stack_top:
	.balign 64
	.globl boot_canary_block
boot_canary_block:
	.skip 64
