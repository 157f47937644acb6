/*
 * Kernel ELF and Multiboot2 header checks (include/elf_check.h), for the EFI loader
 * and kexec. Accepts an ELF64
 * little-endian EM_X86_64 ET_EXEC whose phdr table and every PT_LOAD file range
 * lie inside the file, with p_memsz >= p_filesz and physical ranges below 4 GiB
 * that do not overlap; it must carry a Multiboot2 header (8-aligned, in the
 * first 32 KiB, arch 0, checksum ok) whose non-optional tags the loader can
 * honour. The entry is e_entry translated through the PT_LOAD containing it
 * (or the header's entry-address tag, as GRUB does). Invariants: reads only
 * inside [file, file + size), all sums are overflow-checked, no side effects.
 */
#include <elf.h>
#include <errno.h>
#include <elf_check.h>
#include <abi/multiboot2.h>

#define FOUR_GIB 0x100000000ull

static int ldr_memeq(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return 0;
	return 1;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	__builtin_memcpy(&v, p, 4);
	return v;
}

/* Is [off, off + len) inside [0, size)? */
static int in_file(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

/* Information tags this loader always produces (or may: 14/15). */
static int info_tag_known(uint32_t t)
{
	switch (t) {
	case MB2_TAG_END: case MB2_TAG_CMDLINE: case MB2_TAG_LOADER_NAME:
	case MB2_TAG_MODULE: case MB2_TAG_MMAP: case MB2_TAG_EFI64:
	case MB2_TAG_ACPI_OLD: case MB2_TAG_ACPI_NEW:
		return 1;
	}
	return 0;
}

/* A required information-request tag at tag: can every type it asks for be given? */
static int info_req_check(const uint8_t *tag, uint32_t size, const char **err)
{
	for (uint32_t i = sizeof(struct mb2_hdr_tag); i + 4 <= size; i += 4)
		if (!info_tag_known(rd32(tag + i))) {
			*err = "multiboot2 header requests an information tag this loader does not give";
			return -ENOEXEC;
		}
	return 0;
}

/* One header tag other than the end tag, at tag (its header copied to *t). */
static int mb2_tag(const uint8_t *tag, const struct mb2_hdr_tag *t, uint64_t *entry,
		   int *has_entry, const char **err)
{
	int optional = t->flags & MB2_HDR_OPTIONAL;

	switch (t->type) {
	case MB2_HDR_TAG_INFO_REQ:
		return optional ? 0 : info_req_check(tag, t->size, err);
	case MB2_HDR_TAG_ENTRY:
		if (t->size < sizeof(*t) + 4) {
			*err = "multiboot2 header: short entry address tag";
			return -ENOEXEC;
		}
		*entry = rd32(tag + sizeof(*t));
		*has_entry = 1;
		return 0;
	case MB2_HDR_TAG_CONSOLE:   /* no console requirements we could miss */
	case MB2_HDR_TAG_FB:        /* no mode is set; the kernel gets no tag 8 */
	case MB2_HDR_TAG_MODULE_ALIGN: /* modules are always page-aligned */
	case MB2_HDR_TAG_RELOC:     /* loading at the link address is allowed */
		return 0;
	case MB2_HDR_TAG_ADDRESS:
		if (!optional) {
			*err = "multiboot2 address tag (a.out kludge) not supported";
			return -ENOEXEC;
		}
		return 0;
	default:
		if (!optional) {
			*err = "multiboot2 header has a required tag this loader does not support";
			return -ENOEXEC;
		}
		return 0;
	}
}

/* Walk the header tags in [p, p + len). *entry gets the entry tag's address. */
static int mb2_tags(const uint8_t *p, uint32_t len, uint64_t *entry, int *has_entry,
		    const char **err)
{
	uint32_t off = sizeof(struct mb2_hdr);

	for (;;) {
		struct mb2_hdr_tag t;
		int r;

		if (off > len || len - off < sizeof(t)) {
			*err = "multiboot2 header: no end tag";
			return -ENOEXEC;
		}
		__builtin_memcpy(&t, p + off, sizeof(t));
		if (t.size < sizeof(t) || t.size > len - off) {
			*err = "multiboot2 header: bad tag size";
			return -ENOEXEC;
		}
		if (t.type == MB2_HDR_TAG_END)
			return 0;
		r = mb2_tag(p + off, &t, entry, has_entry, err);
		if (r)
			return r;
		off += mb2_align8(t.size);
	}
}

/* Find and check the Multiboot2 header; fills img->mb2_off and maybe the entry. */
static int mb2_find(const uint8_t *f, uint64_t size, struct elf_image *img,
		    uint64_t *entry, int *has_entry, const char **err)
{
	uint64_t lim = size < MB2_HEADER_SEARCH ? size : MB2_HEADER_SEARCH;
	int bad = 0;

	for (uint64_t off = 0; off + sizeof(struct mb2_hdr) <= lim; off += 8) {
		struct mb2_hdr h;

		__builtin_memcpy(&h, f + off, sizeof(h));
		if (h.magic != MB2_HEADER_MAGIC)
			continue;
		if (h.arch != 0 || (uint32_t)(h.magic + h.arch + h.length + h.checksum) != 0 ||
		    h.length < sizeof(h) || !in_file(off, h.length, size)) {
			bad = 1; /* keep looking, like GRUB; report if nothing better */
			continue;
		}
		img->mb2_off = (uint32_t)off;
		return mb2_tags(f + off, h.length, entry, has_entry, err);
	}
	*err = bad ? "multiboot2 header: bad checksum, architecture or length"
		   : "no multiboot2 header in the first 32 KiB";
	return -ENOEXEC;
}

/* The ELF header, copied to *eh: ELF64, little-endian, x86-64 ET_EXEC, with a
 * program header table inside the file. */
static int check_ehdr(const uint8_t *f, uint64_t size, Elf64_Ehdr *eh, const char **err)
{
	if (size < sizeof(*eh)) {
		*err = "file too small for an ELF header";
		return -ENOEXEC;
	}
	__builtin_memcpy(eh, f, sizeof(*eh));
	if (!ldr_memeq(eh->e_ident, ELFMAG, SELFMAG)) {
		*err = "not an ELF file";
		return -ENOEXEC;
	}
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh->e_ident[EI_VERSION] != EV_CURRENT) {
		*err = "not a little-endian ELF64 (version 1) file";
		return -ENOEXEC;
	}
	if (eh->e_machine != EM_X86_64 || eh->e_type != ET_EXEC) {
		*err = "not an x86-64 ET_EXEC file";
		return -ENOEXEC;
	}
	if (eh->e_phentsize < sizeof(Elf64_Phdr) || eh->e_phnum == 0) {
		*err = "bad program header table (entry size or count)";
		return -ENOEXEC;
	}
	if (!in_file(eh->e_phoff, (uint64_t)eh->e_phentsize * eh->e_phnum, size)) {
		*err = "program header table outside the file";
		return -ENOEXEC;
	}
	return 0;
}

/* One PT_LOAD: checked, then (unless empty in memory) inserted sorted by paddr. */
static int add_segment(struct elf_image *img, const Elf64_Phdr *ph, uint64_t size,
		       const char **err)
{
	struct elf_seg *s;
	unsigned k;

	if (!in_file(ph->p_offset, ph->p_filesz, size)) {
		*err = "PT_LOAD file range outside the file";
		return -ENOEXEC;
	}
	if (ph->p_memsz < ph->p_filesz) {
		*err = "PT_LOAD with p_memsz < p_filesz";
		return -ENOEXEC;
	}
	if (ph->p_memsz == 0)
		return 0;
	if (ph->p_paddr >= FOUR_GIB || ph->p_memsz > FOUR_GIB - ph->p_paddr) {
		*err = "PT_LOAD physical range not below 4 GiB";
		return -ENOEXEC;
	}
	if (ph->p_vaddr + ph->p_memsz < ph->p_vaddr) {
		*err = "PT_LOAD virtual range wraps";
		return -ENOEXEC;
	}
	if (img->nseg == ELF_MAX_SEGS) {
		*err = "too many PT_LOAD segments";
		return -ENOEXEC;
	}
	/* Insert sorted by paddr. */
	for (k = img->nseg; k > 0 && img->seg[k - 1].paddr > ph->p_paddr; k--)
		img->seg[k] = img->seg[k - 1];
	s = &img->seg[k];
	s->paddr = ph->p_paddr;
	s->vaddr = ph->p_vaddr;
	s->memsz = ph->p_memsz;
	s->filesz = ph->p_filesz;
	s->offset = ph->p_offset;
	img->nseg++;
	return 0;
}

/* Every PT_LOAD into img->seg[]: at least one, physical ranges disjoint. */
static int collect_segments(const uint8_t *f, uint64_t size, const Elf64_Ehdr *eh,
			    struct elf_image *img, const char **err)
{
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr ph;
		int r;

		__builtin_memcpy(&ph, f + eh->e_phoff + (uint64_t)i * eh->e_phentsize, sizeof(ph));
		if (ph.p_type != PT_LOAD)
			continue;
		r = add_segment(img, &ph, size, err);
		if (r)
			return r;
	}
	if (img->nseg == 0) {
		*err = "no PT_LOAD segment";
		return -ENOEXEC;
	}
	for (unsigned i = 1; i < img->nseg; i++)
		if (img->seg[i - 1].paddr + img->seg[i - 1].memsz > img->seg[i].paddr) {
			*err = "PT_LOAD physical ranges overlap";
			return -ENOEXEC;
		}
	return 0;
}

/* img->entry_pa: e_entry through the segment whose virtual range holds it, unless
 * the header's entry address tag (has_entry, mb2_entry) names one; either way it
 * must lie inside a loaded segment. */
static int set_entry(struct elf_image *img, uint64_t e_entry, uint64_t mb2_entry,
		     int has_entry, const char **err)
{
	int found = 0;

	for (unsigned i = 0; i < img->nseg; i++) {
		const struct elf_seg *s = &img->seg[i];

		if (e_entry >= s->vaddr && e_entry - s->vaddr < s->memsz) {
			img->entry_pa = e_entry - s->vaddr + s->paddr;
			found = 1;
			break;
		}
	}
	if (has_entry) {
		img->entry_pa = mb2_entry;
		found = 0;
		for (unsigned i = 0; i < img->nseg; i++)
			if (mb2_entry >= img->seg[i].paddr &&
			    mb2_entry - img->seg[i].paddr < img->seg[i].memsz)
				found = 1;
		if (!found) {
			*err = "multiboot2 entry address tag points outside the loaded segments";
			return -ENOEXEC;
		}
	}
	if (!found) {
		*err = "entry point is not inside a PT_LOAD segment";
		return -ENOEXEC;
	}
	return 0;
}

int elf_check(const void *file, uint64_t size, struct elf_image *img, const char **err)
{
	const uint8_t *f = file;
	Elf64_Ehdr eh;
	uint64_t mb2_entry = 0;
	int has_entry = 0, r;

	img->nseg = 0;
	r = check_ehdr(f, size, &eh, err);
	if (r)
		return r;
	r = collect_segments(f, size, &eh, img, err);
	if (r)
		return r;
	r = mb2_find(f, size, img, &mb2_entry, &has_entry, err);
	if (r)
		return r;
	return set_entry(img, eh.e_entry, mb2_entry, has_entry, err);
}
