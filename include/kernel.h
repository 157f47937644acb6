/* Kernel-wide facts: the ABI version string, and how this boot began (kmain). */
#ifndef KERNEL_H
#define KERNEL_H
#include <types.h>

#define BATON_ABI "kho-v4,luo-v5,memfd-v2"

struct boot_state {
	bool kexec;                   /* entered from a previous Baton (valid handover) */
	uint64_t liveupdate_number;   /* successful live updates in this chain */
	uint64_t kexec_count;         /* kexecs since the last cold boot */
	uint64_t tsc_at_entry;
};
extern struct boot_state boot_state;

/* The TSC's frequency in Hz, measured on first use (kernel/tsc.c); *method, if
 * not NULL, says how ("CPUID 0x15", "CPUID 0x16", "the PIT"). 0 if unknown. */
uint64_t tsc_hz(const char **method);
#endif
