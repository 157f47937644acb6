/*
 * The application processors' start page (kernel/ap_tramp.S, copied by
 * kernel/smp.c to a page below 1 MiB): an AP woken by INIT-SIPI-SIPI starts in
 * real mode at the page's first byte (CS = page >> 4, IP = 0) and goes through
 * 32-bit protected mode to long mode on a page table of the trampoline's own
 * (the page identity-mapped, the kernel's upper half shared), then jumps to the
 * kernel's ap_entry() on its own stack. The code is position-independent: every
 * address it needs is in the argument block below, at AP_TRAMP_ARGS in the page,
 * written by the boot CPU before each SIPI (one AP starts at a time).
 *
 * The block's layout is read by the assembler at the offsets asm_offsets.c takes
 * from this struct, and asserted here.
 */
#ifndef AP_TRAMP_H
#define AP_TRAMP_H

#define AP_TRAMP_ARGS   0xe00             /* offset of the argument block in the page */
#define AP_TRAMP_PAGES  4                 /* code+args, PML4, PDPT, PD */

#ifndef __ASSEMBLY__
#include <stddef.h>
#include <stdint.h>

struct ap_tramp_args {
	uint64_t gdt[4];          /* null, 0x08 code32, 0x10 data, 0x18 code64 */
	uint16_t gdt_limit;       /* lgdt operand: limit, then 32-bit base */
	uint32_t gdt_base;
	uint16_t pad0;
	uint32_t pm32_off;        /* far pointer to the 32-bit code: offset, selector */
	uint16_t pm32_sel;
	uint16_t pad1;
	uint32_t lm64_off;        /* far pointer to the 64-bit code */
	uint16_t lm64_sel;
	uint16_t pad2;
	uint32_t pml4;            /* the trampoline's PML4 (below 4 GiB) */
	uint32_t efer;            /* EFER bits to set: LME, and NXE if the kernel uses it */
	uint64_t cr4;             /* the kernel's CR4 (ap_entry loads it) */
	uint64_t kernel_cr3;      /* the kernel's page table */
	uint64_t stack_top;       /* the AP's stack */
	uint64_t entry;           /* ap_entry, in the kernel's upper half */
	uint64_t percpu;          /* its struct percpu, ap_entry's argument */
	uint32_t alive;           /* the AP sets 1 on reaching long mode */
	uint32_t pad3;
} __attribute__((packed));
_Static_assert(offsetof(struct ap_tramp_args, gdt_limit) == 32, "ap_tramp_args gdt_limit");
_Static_assert(offsetof(struct ap_tramp_args, pm32_off) == 40, "ap_tramp_args pm32");
_Static_assert(offsetof(struct ap_tramp_args, lm64_off) == 48, "ap_tramp_args lm64");
_Static_assert(offsetof(struct ap_tramp_args, pml4) == 56, "ap_tramp_args pml4");
_Static_assert(offsetof(struct ap_tramp_args, cr4) == 64, "ap_tramp_args cr4");
_Static_assert(offsetof(struct ap_tramp_args, entry) == 88, "ap_tramp_args entry");
_Static_assert(offsetof(struct ap_tramp_args, alive) == 104, "ap_tramp_args alive");
_Static_assert(sizeof(struct ap_tramp_args) == 112, "ap_tramp_args is 112 bytes");
_Static_assert(AP_TRAMP_ARGS + sizeof(struct ap_tramp_args) <= 4096, "args fit the page");

extern const char ap_tramp_start[], ap_tramp_pm32[], ap_tramp_lm64[], ap_tramp_end[];
#endif
#endif
