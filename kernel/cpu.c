/*
 * Descriptor tables: per CPU, a GDT with kernel code/data and a TSS whose IST1
 * stack serves double faults and NMIs (so a blown kernel stack still gets a
 * register dump); one IDT for every CPU, whose 256 gates point at the stubs of
 * kernel/trap_entry.S.
 */
#include <trap.h>
#include <string.h>

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3, iomap_base;
} __packed;
_Static_assert(sizeof(struct tss) == 104, "tss");

struct idt_gate {
	uint16_t off_lo, sel;
	uint8_t ist, attr;
	uint16_t off_mid;
	uint32_t off_hi, zero;
} __packed;

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __packed;

#define KERNEL_CS 0x08
#define KERNEL_DS 0x10
#define TSS_SEL   0x18

/* One CPU's GDT and TSS, with the stack its IST1 entry names. */
struct cpu_tables {
	uint64_t gdt[5];
	struct tss tss;
	uint8_t ist_stack[16384] __attribute__((aligned(16)));
};

static struct cpu_tables boot_tables;
static struct idt_gate idt[256];
extern const char trap_stubs[];

size_t cpu_tables_size(void)
{
	return sizeof(struct cpu_tables);
}

void gdt_load(struct cpu_tables *t)
{
	uint64_t base = (uint64_t)&t->tss, limit = sizeof(t->tss) - 1;
	t->tss.ist[0] = (uint64_t)(t->ist_stack + sizeof(t->ist_stack));
	t->tss.iomap_base = sizeof(t->tss);
	t->gdt[0] = 0;
	t->gdt[1] = 0x00af9a000000ffffull;               /* 64-bit code */
	t->gdt[2] = 0x00cf92000000ffffull;               /* data */
	t->gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
		    (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	t->gdt[4] = base >> 32;
	struct desc_ptr p = { sizeof(t->gdt) - 1, (uint64_t)t->gdt };
	__asm__ volatile(
		"lgdt %0\n\t"
		"pushq %1\n\t"
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"
		"1:\n\t"
		"movl %2, %%eax\n\t"
		"movl %%eax, %%ds\n\t"
		"movl %%eax, %%es\n\t"
		"movl %%eax, %%ss\n\t"
		"ltr %w3"
		: : "m"(p), "i"(KERNEL_CS), "i"(KERNEL_DS), "r"(TSS_SEL) : "rax", "memory");
}

void gdt_init(void)
{
	gdt_load(&boot_tables);
}

void idt_load(void)
{
	struct desc_ptr p = { sizeof(idt) - 1, (uint64_t)idt };
	__asm__ volatile("lidt %0" : : "m"(p));
}

void idt_init(void)
{
	for (unsigned v = 0; v < 256; v++) {
		uint64_t a = (uint64_t)(trap_stubs + 16 * v);
		idt[v] = (struct idt_gate){
			.off_lo = a & 0xffff, .sel = KERNEL_CS,
			.ist = (v == 2 || v == 8) ? 1 : 0,   /* NMI, #DF on IST1 */
			.attr = 0x8e,                         /* present, interrupt gate */
			.off_mid = (a >> 16) & 0xffff, .off_hi = a >> 32,
		};
	}
	idt_load();
}
