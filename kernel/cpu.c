/*
 * Descriptor tables: a GDT with kernel code/data and a TSS whose IST1 stack serves
 * double faults and NMIs (so a blown kernel stack still gets a register dump), and
 * an IDT whose 256 gates point at the stubs of kernel/trap_entry.S.
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

static uint64_t gdt[5];
static struct tss tss;
static struct idt_gate idt[256];
static uint8_t ist_stack[16384] __attribute__((aligned(16)));
extern const char trap_stubs[];

void gdt_init(void)
{
	uint64_t base = (uint64_t)&tss, limit = sizeof(tss) - 1;
	tss.ist[0] = (uint64_t)(ist_stack + sizeof(ist_stack));
	tss.iomap_base = sizeof(tss);
	gdt[0] = 0;
	gdt[1] = 0x00af9a000000ffffull;                  /* 64-bit code */
	gdt[2] = 0x00cf92000000ffffull;                  /* data */
	gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
		 (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	gdt[4] = base >> 32;
	struct desc_ptr p = { sizeof(gdt) - 1, (uint64_t)gdt };
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
	struct desc_ptr p = { sizeof(idt) - 1, (uint64_t)idt };
	__asm__ volatile("lidt %0" : : "m"(p));
}
