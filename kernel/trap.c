/*
 * Trap dispatch: a page fault the lazy direct map can fill (mm/paging.c) returns;
 * any other exception is fatal and reported with its registers and a stack trace
 * (through lib/panic.c's panic_begin/panic_end, so it ends like a panic); vectors
 * from IRQ_BASE up go to the interrupt code (kernel/irq.c).
 */
#include <panic.h>
#include <paging.h>
#include <printk.h>
#include <trap.h>
#include <x86.h>

static const char *const exception_names[32] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow", "bound range",
	"invalid opcode", "device not available", "double fault", "coprocessor overrun",
	"invalid TSS", "segment not present", "stack fault", "general protection",
	"page fault", "reserved", "x87 error", "alignment check", "machine check",
	"SIMD error", "virtualization", "control protection",
};

void irq_dispatch(unsigned vector);

__noreturn static void fatal_exception(const struct trap_frame *f)
{
	panic_begin();
	const char *name = f->vector < 32 && exception_names[f->vector] ? exception_names[f->vector]
									 : "exception";
	uint64_t off;
	const char *sym = ksym_lookup(f->rip, &off);
	printk("Kernel panic: %s (vector %llu) error=%#llx at %s+%#llx\n", name,
	       (unsigned long long)f->vector, (unsigned long long)f->error, sym ? sym : "?",
	       (unsigned long long)(sym ? off : f->rip));
	printk("RIP: %016llx RSP: %016llx RFLAGS: %016llx CS: %llx SS: %llx\n",
	       (unsigned long long)f->rip, (unsigned long long)f->rsp,
	       (unsigned long long)f->rflags, (unsigned long long)f->cs, (unsigned long long)f->ss);
	printk("RAX: %016llx RBX: %016llx RCX: %016llx\n", (unsigned long long)f->rax,
	       (unsigned long long)f->rbx, (unsigned long long)f->rcx);
	printk("RDX: %016llx RSI: %016llx RDI: %016llx\n", (unsigned long long)f->rdx,
	       (unsigned long long)f->rsi, (unsigned long long)f->rdi);
	printk("RBP: %016llx R8:  %016llx R9:  %016llx\n", (unsigned long long)f->rbp,
	       (unsigned long long)f->r8, (unsigned long long)f->r9);
	printk("R10: %016llx R11: %016llx R12: %016llx\n", (unsigned long long)f->r10,
	       (unsigned long long)f->r11, (unsigned long long)f->r12);
	printk("R13: %016llx R14: %016llx R15: %016llx\n", (unsigned long long)f->r13,
	       (unsigned long long)f->r14, (unsigned long long)f->r15);
	printk("CR0: %016llx CR2: %016llx CR3: %016llx CR4: %016llx\n",
	       (unsigned long long)read_cr0(), (unsigned long long)read_cr2(),
	       (unsigned long long)read_cr3(), (unsigned long long)read_cr4());
	panic_end(f->rip, f->rbp);
}

void trap_dispatch(struct trap_frame *f)
{
	if (f->vector == 14 && !(f->error & 1) && paging_fault(read_cr2()))
		return;                               /* the lazy direct map, now filled */
	if (f->vector < IRQ_BASE)
		fatal_exception(f);
	irq_dispatch((unsigned)f->vector);
}

