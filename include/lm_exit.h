/*
 * lm_exit: leave 64-bit long mode and enter a Multiboot2 32-bit entry point.
 *
 * The code between lm_exit_start and lm_exit_end (boot/lm_exit.S) is a
 * position-independent, self-contained blob: no relocations, no references to
 * anything outside it. A caller copies it, unchanged, to a page that lies below
 * 4 GiB, is identity-mapped (virtual == physical) and executable, and calls
 * offset 0 of the copy as
 *
 *     void lm_exit(uint64_t entry32_pa, uint64_t magic, uint64_t info_pa);  (SysV)
 *
 * with interrupts disabled. It never returns. entry32_pa, magic and info_pa must
 * fit in 32 bits. The stub loads its own GDT (inside the blob, flat 32-bit code
 * 0x08 and data 0x10), drops to compatibility mode, turns paging off, clears
 * EFER.LME and CR4.PCIDE, loads flat data segments and jumps to entry32_pa with
 * EAX = magic, EBX = info_pa: the Multiboot2 entry state. ESP is undefined; the
 * IDT still points at the caller's (interrupts stay off). The stub never writes
 * to its own page (descriptors are pre-marked accessed), so the copy may be
 * read-only. Used by the EFI loader (boot/efi/loader.c) and by kexec.
 */
#ifndef LM_EXIT_H
#define LM_EXIT_H

/* The blob fits in one page; users check end - start against their room: the EFI
 * loader against this, kexec against its slot in the trampoline page
 * (include/abi/kexec_tramp.h). */
#define LM_EXIT_MAX_SIZE 4096

#ifndef __ASSEMBLY__
#include <stdint.h>

extern const char lm_exit_start[], lm_exit_end[];

/* Type of the copied stub's entry (offset 0 of the copy). */
typedef void (*lm_exit_fn)(uint64_t entry32_pa, uint64_t magic, uint64_t info_pa)
	__attribute__((noreturn));
#endif
#endif
