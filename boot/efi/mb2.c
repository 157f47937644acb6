/*
 * Multiboot2 information builder for the EFI loader. Model: one caller-owned
 * buffer (allocated below 4 GiB before the final GetMemoryMap); fixed tags are
 * appended first (cmdline, loader name, modules, EFI64, ACPI), then
 * mb2_finish() writes the memory map tag and the end tag after them, as many
 * times as ExitBootServices needs retries. Invariants: every tag starts 8-aligned
 * and padding is zeroed; nothing is written past buf + cap (-ENOSPC instead);
 * mb2_finish never changes the fixed part and calls nothing outside this file.
 */
#include <errno.h>
#include "loader.h"
#include <abi/multiboot2.h>

void mb2_init(struct mb2_builder *b, void *buf, uint32_t cap)
{
	b->buf = buf;
	b->cap = cap;
	b->len = sizeof(struct mb2_info);
	b->total = 0;
	__builtin_memset(buf, 0, cap < b->len ? cap : b->len);
}

/* Reserve a tag of `size` bytes at b->len; returns it zeroed, or NULL. */
static void *tag_alloc(struct mb2_builder *b, uint32_t type, uint64_t size)
{
	struct mb2_tag *t;
	uint64_t padded = (size + 7) & ~7ull;

	if (b->len > b->cap || padded > b->cap - b->len)
		return NULL;
	t = (struct mb2_tag *)(b->buf + b->len);
	__builtin_memset(t, 0, padded);
	t->type = type;
	t->size = (uint32_t)size;
	b->len += (uint32_t)padded;
	return t;
}

static uint64_t slen(const char *s)
{
	return ldr_strlen(s);
}

int mb2_add_string(struct mb2_builder *b, uint32_t type, const char *s)
{
	uint64_t n = slen(s) + 1;
	struct mb2_tag_string *t = tag_alloc(b, type, sizeof(*t) + n);

	if (!t)
		return -ENOSPC;
	__builtin_memcpy(t->string, s, n);
	return 0;
}

int mb2_add_module(struct mb2_builder *b, uint32_t start, uint32_t end, const char *name)
{
	uint64_t n = slen(name) + 1;
	struct mb2_tag_module *t = tag_alloc(b, MB2_TAG_MODULE, sizeof(*t) + n);

	if (!t)
		return -ENOSPC;
	t->mod_start = start;
	t->mod_end = end;
	__builtin_memcpy(t->string, name, n);
	return 0;
}

int mb2_add_efi64(struct mb2_builder *b, uint64_t systab)
{
	struct mb2_tag_efi64 *t = tag_alloc(b, MB2_TAG_EFI64, sizeof(*t));

	if (!t)
		return -ENOSPC;
	t->pointer = systab;
	return 0;
}

int mb2_add_acpi(struct mb2_builder *b, uint32_t type, const void *rsdp, uint32_t len)
{
	struct mb2_tag_acpi *t = tag_alloc(b, type, sizeof(*t) + (uint64_t)len);

	if (!t)
		return -ENOSPC;
	__builtin_memcpy(t->rsdp, rsdp, len);
	return 0;
}

uint32_t mb2_efi_type(uint32_t efi_type)
{
	switch (efi_type) {
	case EFIMT_CONVENTIONAL:
	case EFIMT_BS_CODE: case EFIMT_BS_DATA:
	case EFIMT_LOADER_CODE: case EFIMT_LOADER_DATA:
		return MB2_MEM_AVAILABLE;
	case EFIMT_ACPI_RECLAIM:
		return MB2_MEM_ACPI_RECLAIM;
	case EFIMT_ACPI_NVS:
		return MB2_MEM_NVS;
	case EFIMT_UNUSABLE:
		return MB2_MEM_BADRAM;
	}
	return MB2_MEM_RESERVED;
}

int mb2_finish(struct mb2_builder *b, const void *map, uint64_t map_size, uint64_t desc_size)
{
	const uint8_t *m = map;
	struct mb2_tag_mmap *mt;
	struct mb2_mmap_entry *e;
	struct mb2_info *info = (struct mb2_info *)b->buf;
	uint64_t n = 0, room, off = b->len;
	struct mb2_tag *end;

	if (desc_size < sizeof(struct efi_md) || b->len > b->cap)
		return -EINVAL;
	if (b->cap - b->len < sizeof(*mt) + sizeof(*end))
		return -ENOSPC;
	mt = (struct mb2_tag_mmap *)(b->buf + off);
	e = mt->entries;
	room = (b->cap - b->len - sizeof(*mt) - sizeof(*end)) / sizeof(*e);

	/* Convert, stepping by the firmware's descriptor size. */
	for (uint64_t p = 0; p + desc_size <= map_size; p += desc_size) {
		struct efi_md d;
		uint64_t k;

		__builtin_memcpy(&d, m + p, sizeof(d));
		if (d.pages == 0)
			continue;
		if (n == room)
			return -ENOSPC;
		/* Insertion sort by base address. */
		for (k = n; k > 0 && e[k - 1].base_addr > d.phys_start; k--)
			e[k] = e[k - 1];
		e[k].base_addr = d.phys_start;
		e[k].length = d.pages << 12;
		e[k].type = mb2_efi_type(d.type);
		e[k].zero = 0;
		n++;
	}

	/* Merge neighbours of the same type that touch. */
	if (n > 1) {
		uint64_t w = 0;

		for (uint64_t r = 1; r < n; r++) {
			if (e[r].type == e[w].type && e[w].base_addr + e[w].length == e[r].base_addr)
				e[w].length += e[r].length;
			else
				e[++w] = e[r];
		}
		n = w + 1;
	}

	mt->type = MB2_TAG_MMAP;
	mt->size = (uint32_t)(sizeof(*mt) + n * sizeof(*e));
	mt->entry_size = sizeof(*e);
	mt->entry_version = 0;
	off += mb2_align8(mt->size); /* entries are 24 bytes: already 8-aligned */

	end = (struct mb2_tag *)(b->buf + off);
	end->type = MB2_TAG_END;
	end->size = sizeof(*end);
	off += sizeof(*end);

	info->total_size = (uint32_t)off;
	info->reserved = 0;
	b->total = (uint32_t)off;
	return 0;
}
