/*
 * Multiboot2 information builder, shared by the EFI loader and kexec. Model: one
 * caller-owned buffer; tags are appended in order, then a memory map and the end
 * tag close it (mb2_add_mmap + mb2_end here, or the EFI loader's mb2_finish, which
 * converts the UEFI map and may run again after an ExitBootServices retry).
 * Invariants: every tag starts 8-aligned and padding is zeroed; nothing is written
 * past buf + cap (-ENOSPC instead); only <stdint.h>-level C, no libc, so it builds
 * for UEFI, the kernel and the host alike.
 */
#include <errno.h>
#include <mb2_build.h>

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
	uint64_t n = 0;

	while (s[n])
		n++;
	return n;
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

int mb2_add_tag(struct mb2_builder *b, uint32_t type, const void *payload, uint32_t len)
{
	struct mb2_tag *t = tag_alloc(b, type, sizeof(*t) + (uint64_t)len);

	if (!t)
		return -ENOSPC;
	__builtin_memcpy(t + 1, payload, len);
	return 0;
}

int mb2_add_mmap(struct mb2_builder *b, const struct mb2_mmap_entry *e, uint32_t n)
{
	struct mb2_tag_mmap *t = tag_alloc(b, MB2_TAG_MMAP, sizeof(*t) + (uint64_t)n * sizeof(*e));

	if (!t)
		return -ENOSPC;
	t->entry_size = sizeof(*e);
	t->entry_version = 0;
	__builtin_memcpy(t->entries, e, (uint64_t)n * sizeof(*e));
	return 0;
}

int mb2_end(struct mb2_builder *b)
{
	struct mb2_info *info = (struct mb2_info *)b->buf;

	if (!tag_alloc(b, MB2_TAG_END, sizeof(struct mb2_tag)))
		return -ENOSPC;
	info->total_size = b->len;
	info->reserved = 0;
	b->total = b->len;
	return 0;
}
