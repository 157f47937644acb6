/*
 * Shared by test_boot_info.c and fuzz_boot_info.c: a column-aligned dump of a
 * struct boot_info's tables (the golden format) and a checker for the invariants
 * include/boot_info.h promises after boot_info_finish().
 *
 * Dump format, one line per entry, [base, end) in 13 hex digits (52-bit physical
 * addresses; anything wider breaks the columns, visibly):
 *     mem 0000000001000-000000009f000 ram
 *     mod 0000000400000-0000000401234 initrd
 *     warnings 2
 */
#ifndef BOOT_INFO_CHECK_H
#define BOOT_INFO_CHECK_H
#include <boot_info.h>
#include <stdio.h>
#include <string.h>

static inline void boot_info_dump(const struct boot_info *bi, char *out, size_t size)
{
	size_t len = 0;
	out[0] = 0;
#define DUMP_PUT(...)                                                                 \
	do {                                                                         \
		if (len < size)                                                      \
			len += (size_t)snprintf(out + len, size - len, __VA_ARGS__); \
	} while (0)
	for (unsigned i = 0; i < bi->nmem; i++)
		DUMP_PUT("mem %013llx-%013llx %s\n", (unsigned long long)bi->mem[i].base,
			 (unsigned long long)(bi->mem[i].base + bi->mem[i].size),
			 boot_mem_type_name(bi->mem[i].type));
	for (unsigned i = 0; i < bi->nmod; i++)
		DUMP_PUT("mod %013llx-%013llx %s\n", (unsigned long long)bi->mod[i].base,
			 (unsigned long long)(bi->mod[i].base + bi->mod[i].size), bi->mod[i].name);
	DUMP_PUT("warnings %u\n", bi->warnings);
#undef DUMP_PUT
}

/* NULL if bi keeps every invariant of include/boot_info.h, else the first broken one. */
static inline const char *boot_info_check(const struct boot_info *bi)
{
	if (bi->nmem > BOOT_MEM_MAX || bi->nmod > BOOT_MOD_MAX)
		return "table count beyond its array";
	for (unsigned i = 0; i < bi->nmem; i++) {
		const struct boot_mem_range *r = &bi->mem[i];
		if (r->size == 0)
			return "empty memory range";
		if (r->base + r->size < r->base || r->base + r->size > (1ull << 52))
			return "memory range beyond 2^52";
		if (r->type < BOOT_MEM_RAM || r->type > BOOT_MEM_BAD)
			return "memory range of unknown type";
		if (r->type == BOOT_MEM_RAM && (r->base % 4096 || r->size % 4096))
			return "RAM range not page-aligned";
		if (i && bi->mem[i - 1].base + bi->mem[i - 1].size > r->base)
			return "memory ranges unsorted or overlapping";
		if (i && bi->mem[i - 1].base + bi->mem[i - 1].size == r->base &&
		    bi->mem[i - 1].type == r->type)
			return "adjacent ranges of one type not merged";
	}
	for (unsigned i = 0; i < bi->nmod; i++) {
		const struct boot_module *m = &bi->mod[i];
		if (m->size == 0 || m->base + m->size < m->base)
			return "empty or wrapping module";
		if (memchr(m->name, 0, sizeof(m->name)) == NULL)
			return "module name not NUL-terminated";
		bool in = false;
		for (unsigned j = 0; j < bi->nmem; j++) {
			const struct boot_mem_range *r = &bi->mem[j];
			if (r->type == BOOT_MEM_RAM && m->base >= r->base &&
			    m->base + m->size <= r->base + r->size)
				in = true;
		}
		if (!in)
			return "module not inside one RAM range";
		if (m->base < bi->kernel_end && bi->kernel_start < m->base + m->size)
			return "module over the kernel image";
		for (unsigned j = 0; j < i; j++) {
			const struct boot_module *o = &bi->mod[j];
			if (m->base < o->base + o->size && o->base < m->base + m->size)
				return "modules overlap";
			if (strcmp(m->name, o->name) == 0)
				return "duplicate module names";
		}
	}
	return NULL;
}
#endif
