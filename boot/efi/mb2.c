/*
 * The EFI loader's part of the Multiboot2 information: the UEFI memory map,
 * converted (stepped by the firmware's descriptor size, typed, sorted, merged) and
 * written with the end tag after the fixed tags. Idempotent and calls nothing, so
 * it is safe between GetMemoryMap and ExitBootServices, as often as retries need.
 */
#include <errno.h>
#include "loader.h"
#include <abi/multiboot2.h>

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

/* The UEFI map (stepped by desc_size) into e[], sorted by base address, leaving out
 * empty descriptors; *n entries, at most room. */
static int convert_map(struct mb2_mmap_entry *e, uint64_t room, const uint8_t *m,
		       uint64_t map_size, uint64_t desc_size, uint64_t *n)
{
	for (uint64_t p = 0; p + desc_size <= map_size; p += desc_size) {
		struct efi_md d;
		uint64_t k;

		__builtin_memcpy(&d, m + p, sizeof(d));
		if (d.pages == 0)
			continue;
		if (*n == room)
			return -ENOSPC;
		/* Insertion sort by base address. */
		for (k = *n; k > 0 && e[k - 1].base_addr > d.phys_start; k--)
			e[k] = e[k - 1];
		e[k].base_addr = d.phys_start;
		e[k].length = d.pages << 12;
		e[k].type = mb2_efi_type(d.type);
		e[k].zero = 0;
		(*n)++;
	}
	return 0;
}

/* Merge neighbours of the same type that touch; returns the new count. */
static uint64_t merge_map(struct mb2_mmap_entry *e, uint64_t n)
{
	uint64_t w = 0;

	if (n <= 1)
		return n;
	for (uint64_t r = 1; r < n; r++) {
		if (e[r].type == e[w].type && e[w].base_addr + e[w].length == e[r].base_addr)
			e[w].length += e[r].length;
		else
			e[++w] = e[r];
	}
	return w + 1;
}

int mb2_finish(struct mb2_builder *b, const void *map, uint64_t map_size, uint64_t desc_size)
{
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
	if (convert_map(e, room, map, map_size, desc_size, &n))
		return -ENOSPC;
	n = merge_map(e, n);

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
