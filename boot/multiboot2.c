/*
 * Multiboot2 adapter: turns the information block at EBX into struct boot_info.
 * Producers: GRUB (BIOS and UEFI), Baton's EFI loader, Baton's kexec (which adds
 * the handover tag: its fields are only copied here; kho/kho_in.c checks them).
 *
 * The block is untrusted: its total size is bounded, every tag must lie inside it
 * with a size of at least 8, strings are read with a bound, and the whole block must
 * lie inside the boot page tables' reach (the first 4 GiB). A block that breaks this
 * is refused (-EINVAL) and kmain stops with the reason.
 */
#include <abi/kho.h>
#include <abi/multiboot2.h>
#include <boot_info.h>
#include <errno.h>
#include <layout.h>
#include <printk.h>
#include <string.h>

#define MB2_INFO_MAX (1u << 20)

static void parse_mmap(struct boot_info *bi, const struct mb2_tag_mmap *t)
{
	if (t->size < sizeof(*t) || t->entry_size < sizeof(struct mb2_mmap_entry)) {
		printk("boot: warning: malformed multiboot2 memory map ignored\n");
		bi->warnings++;
		return;
	}
	const uint8_t *p = (const uint8_t *)t->entries, *end = (const uint8_t *)t + t->size;
	for (; p + sizeof(struct mb2_mmap_entry) <= end; p += t->entry_size) {
		const struct mb2_mmap_entry *e = (const void *)p;
		boot_info_add_mem(bi, e->base_addr, e->length, e->type);
	}
}

static void copy_string(char *dst, size_t dst_size, const struct mb2_tag_string *t)
{
	size_t n = strnlen(t->string, t->size - sizeof(struct mb2_tag));
	n = MIN(n, dst_size - 1);
	memcpy(dst, t->string, n);
	dst[n] = 0;
}

static void parse_module(struct boot_info *bi, const struct mb2_tag_module *m)
{
	if (m->size < sizeof(*m) || m->mod_end < m->mod_start) {
		printk("boot: warning: malformed module tag ignored\n");
		bi->warnings++;
		return;
	}
	boot_info_add_module(bi, m->mod_start, m->mod_end - m->mod_start, m->string,
			     m->size - sizeof(*m));
}

/* ACPI_OLD or ACPI_NEW: the RSDP copy, the 2.0 one kept over a 1.0 one. */
static void parse_acpi(struct boot_info *bi, const struct mb2_tag_acpi *t)
{
	uint32_t n = MIN(t->size - (uint32_t)sizeof(struct mb2_tag), (uint32_t)sizeof(bi->rsdp));
	if (bi->rsdp_len && t->type == MB2_TAG_ACPI_OLD)
		return;                              /* keep the 2.0 copy */
	memcpy(bi->rsdp, t->rsdp, n);
	bi->rsdp_len = n;
}

/* Baton's handover tag: copied only (kho/kho_in.c checks it). */
static void parse_kho(struct boot_info *bi, const struct mb2_tag *tag)
{
	struct kho_data kd;
	if (tag->size != sizeof(*tag) + sizeof(kd)) {
		printk("boot: warning: handover tag of %u bytes ignored\n", tag->size);
		bi->warnings++;
		return;
	}
	memcpy(&kd, tag + 1, sizeof(kd));
	bi->kho = (struct boot_kho){ true, kd.fdt_addr, kd.fdt_size, kd.scratch_addr,
				     kd.scratch_size };
}

/* One tag other than the end tag, its size already checked against the block. */
static void parse_tag(struct boot_info *bi, const struct mb2_tag *tag)
{
	switch (tag->type) {
	case MB2_TAG_CMDLINE:
		copy_string(bi->cmdline, sizeof(bi->cmdline), (const void *)tag);
		break;
	case MB2_TAG_LOADER_NAME:
		copy_string(bi->loader, sizeof(bi->loader), (const void *)tag);
		break;
	case MB2_TAG_MODULE:
		parse_module(bi, (const void *)tag);
		break;
	case MB2_TAG_MMAP:
		parse_mmap(bi, (const void *)tag);
		break;
	case MB2_TAG_ACPI_OLD:
	case MB2_TAG_ACPI_NEW:
		parse_acpi(bi, (const void *)tag);
		break;
	case MB2_TAG_EFI64:
		if (tag->size >= sizeof(struct mb2_tag_efi64))
			bi->efi_systab = ((const struct mb2_tag_efi64 *)tag)->pointer;
		break;
	case MB2_TAG_BATON_KHO:
		parse_kho(bi, tag);
		break;
	default:
		break;
	}
}

/* The block at info_pa: 8-aligned, of a sane total size, inside the boot map. */
static int check_block(paddr_t info_pa, uint32_t *total)
{
	if (info_pa == 0 || !IS_ALIGNED(info_pa, 8) || info_pa + 8 > BOOT_MAP_LIMIT) {
		printk("boot: multiboot2 info at %#llx is not usable\n", (unsigned long long)info_pa);
		return -EINVAL;
	}
	const struct mb2_info *info = phys_to_virt(info_pa);
	*total = info->total_size;
	if (*total < sizeof(*info) + sizeof(struct mb2_tag) || *total > MB2_INFO_MAX ||
	    info_pa + *total > BOOT_MAP_LIMIT) {
		printk("boot: multiboot2 info size %u is not usable\n", *total);
		return -EINVAL;
	}
	return 0;
}

int mb2_parse(paddr_t info_pa, struct boot_info *bi)
{
	uint32_t total;
	if (check_block(info_pa, &total))
		return -EINVAL;
	bi->info_addr = info_pa;
	bi->info_size = total;
	strlcpy(bi->loader, "multiboot2", sizeof(bi->loader));

	const uint8_t *base = phys_to_virt(info_pa);
	uint32_t off = sizeof(struct mb2_info);
	while (off + sizeof(struct mb2_tag) <= total) {
		const struct mb2_tag *tag = (const void *)(base + off);
		if (tag->size < sizeof(*tag) || tag->size > total - off) {
			printk("boot: multiboot2 tag %u at +%u has size %u\n", tag->type, off, tag->size);
			return -EINVAL;
		}
		if (tag->type == MB2_TAG_END)
			return 0;
		parse_tag(bi, tag);
		off += mb2_align8(tag->size);
	}
	printk("boot: multiboot2 info has no end tag\n");
	return -EINVAL;
}
