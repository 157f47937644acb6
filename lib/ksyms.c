/*
 * Symbol lookup and stack traces. The table (ksyms_*) is generated at link time by
 * scripts/ksyms.sh: addresses ascending, each with an offset into a string blob.
 * Traces follow the frame-pointer chain (the kernel is built with
 * -fno-omit-frame-pointer) and stop at a zero, misaligned or off-stack frame, so a
 * corrupt stack cannot make the trace itself fault.
 */
#include <layout.h>
#include <panic.h>
#include <printk.h>

extern const uint64_t ksyms_count;
extern const uint64_t ksyms_addrs[];
extern const uint32_t ksyms_offs[];
extern const char ksyms_names[];
extern const char _text_start[], _text_end[];
extern const char boot_stack_bottom[], boot_stack_top[];

const char *ksym_lookup(uint64_t addr, uint64_t *offset)
{
	if (addr < (uint64_t)_text_start || addr >= (uint64_t)_text_end || ksyms_count == 0)
		return NULL;
	uint64_t lo = 0, hi = ksyms_count;       /* last entry with addrs[i] <= addr */
	while (hi - lo > 1) {
		uint64_t mid = (lo + hi) / 2;
		if (ksyms_addrs[mid] <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (ksyms_addrs[lo] > addr)
		return NULL;
	*offset = addr - ksyms_addrs[lo];
	return ksyms_names + ksyms_offs[lo];
}

static void print_addr(uint64_t a)
{
	uint64_t off;
	const char *name = ksym_lookup(a, &off);
	if (name)
		printk("  [<%016llx>] %s+%#llx\n", (unsigned long long)a, name, (unsigned long long)off);
	else
		printk("  [<%016llx>] ?\n", (unsigned long long)a);
}

static bool on_stack(uint64_t p)
{
	/* The frame must be readable: inside the kernel image's data (boot stack, IST
	 * stack) or the direct map's first 4 GiB. */
	return IS_ALIGNED(p, 8) &&
	       ((p >= KERNEL_VBASE && p < KERNEL_VBASE + 1 * GiB) ||
		(p >= DIRECT_MAP_BASE && p < DIRECT_MAP_BASE + BOOT_MAP_LIMIT));
}

void stack_trace(uint64_t rip, uint64_t rbp)
{
	printk("Call trace:\n");
	if (rip)
		print_addr(rip);
	for (int depth = 0; depth < 32 && rbp && on_stack(rbp) && on_stack(rbp + 8); depth++) {
		const uint64_t *frame = (const uint64_t *)rbp;
		if (frame[1] == 0)
			break;
		print_addr(frame[1]);
		if (frame[0] <= rbp)                 /* stacks grow down: callers are higher */
			break;
		rbp = frame[0];
	}
}
