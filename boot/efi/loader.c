/*
 * Baton EFI loader (\EFI\BOOT\BOOTX64.EFI, GNU-EFI). Reads \baton.cfg from the
 * volume it was loaded from, loads the kernel ELF at its physical addresses and
 * the modules below 4 GiB, builds the Multiboot2 information, exits boot
 * services and enters the kernel's 32-bit Multiboot2 entry through the
 * lm_exit stub (boot/lm_exit.S) copied to a page below 4 GiB.
 * Invariants: every error before ExitBootServices is printed and returned as an
 * EFI error status after freeing what was allocated; everything the kernel
 * needs (segments, modules, info, stub) is allocated before the final
 * GetMemoryMap; after the first ExitBootServices call only GetMemoryMap and
 * ExitBootServices are called, and nothing is printed. efi_main is a plain SysV
 * function: GNU-EFI's crt0 passes the image handle and system table in rdi/rsi.
 */
#include <efi.h>
#include <efilib.h>
#include <stddef.h>
#include "loader.h"
#include <abi/multiboot2.h>
#include <lm_exit.h>

#define SAY(fmt, ...)  Print(L"Baton EFI loader: " fmt L"\n", ##__VA_ARGS__)
#define FAIL(fmt, ...) Print(L"Baton EFI loader: error: " fmt L"\n", ##__VA_ARGS__)

#define PAGE       4096ull
#define BELOW_4G   0xffffffffull          /* AllocateMaxAddress limit (inclusive) */
#define INFO_PAGES 16                     /* 64 KiB of Multiboot2 information */
#define EBS_TRIES  8
#define MAX_ALLOCS (ELF_MAX_SEGS + CFG_MAX_MODULES + 8)

_Static_assert(sizeof(EFI_MEMORY_DESCRIPTOR) == sizeof(struct efi_md), "efi_md size");
_Static_assert(offsetof(EFI_MEMORY_DESCRIPTOR, PhysicalStart) ==
	       offsetof(struct efi_md, phys_start), "efi_md phys_start");
_Static_assert(offsetof(EFI_MEMORY_DESCRIPTOR, NumberOfPages) ==
	       offsetof(struct efi_md, pages), "efi_md pages");
_Static_assert((int)EfiConventionalMemory == EFIMT_CONVENTIONAL &&
	       (int)EfiACPIMemoryNVS == EFIMT_ACPI_NVS &&
	       (int)EfiUnusableMemory == EFIMT_UNUSABLE &&
	       (int)EfiLoaderCode == EFIMT_LOADER_CODE, "EFI memory type numbers");

/* Page allocations made so far, released again if the loader fails. */
static struct {
	EFI_PHYSICAL_ADDRESS pa;
	UINTN pages;
} allocs[MAX_ALLOCS];
static unsigned nallocs;

static EFI_STATUS alloc_pages(EFI_ALLOCATE_TYPE how, EFI_MEMORY_TYPE type, UINTN pages,
			      EFI_PHYSICAL_ADDRESS *pa)
{
	EFI_STATUS st;

	if (nallocs == MAX_ALLOCS)
		return EFI_OUT_OF_RESOURCES;
	st = BS->AllocatePages(how, type, pages, pa);
	if (EFI_ERROR(st))
		return st;
	allocs[nallocs].pa = *pa;
	allocs[nallocs].pages = pages;
	nallocs++;
	return EFI_SUCCESS;
}

static void free_all_pages(void)
{
	while (nallocs) {
		nallocs--;
		BS->FreePages(allocs[nallocs].pa, allocs[nallocs].pages);
	}
}

static UINT64 pages_for(UINT64 bytes)
{
	return (bytes + PAGE - 1) / PAGE;
}

/* ASCII to UCS-2 into wpath (CFG_MAX_PATH + 1 units); '/' becomes '\\' and runs of
 * separators collapse to one. */
static void path_to_ucs2(CHAR16 *wpath, const char *path)
{
	size_t i, n = 0;

	for (i = 0; path[i] && n < CFG_MAX_PATH; i++) {
		CHAR16 ch = path[i] == '/' ? L'\\' : (CHAR16)path[i];

		if (ch == L'\\' && n && wpath[n - 1] == L'\\')
			continue;
		wpath[n++] = ch;
	}
	wpath[n] = 0;
}

/* Open path for reading: a file, not a directory, of at most max bytes (its size in
 * *size). Prints its own errors. */
static EFI_STATUS open_file(EFI_FILE_HANDLE root, const char *path, UINT64 max,
			    int quiet_not_found, EFI_FILE_HANDLE *fp, UINT64 *size)
{
	CHAR16 wpath[CFG_MAX_PATH + 1];
	EFI_FILE_HANDLE f;
	EFI_FILE_INFO *info;
	EFI_STATUS st;
	UINT64 sz;

	path_to_ucs2(wpath, path);
	st = root->Open(root, &f, wpath, EFI_FILE_MODE_READ, 0);
	if (EFI_ERROR(st)) {
		if (!(quiet_not_found && st == EFI_NOT_FOUND))
			FAIL("cannot open %a: %r", path, st);
		return st;
	}
	info = LibFileInfo(f);
	if (!info) {
		FAIL("cannot get the size of %a", path);
		f->Close(f);
		return EFI_DEVICE_ERROR;
	}
	sz = info->FileSize;
	if (info->Attribute & EFI_FILE_DIRECTORY) {
		FreePool(info);
		f->Close(f);
		FAIL("%a is a directory", path);
		return EFI_INVALID_PARAMETER;
	}
	FreePool(info);
	if (sz > max) {
		f->Close(f);
		FAIL("%a is too large (%ld bytes, at most %ld)", path, sz, max);
		return EFI_BAD_BUFFER_SIZE;
	}
	*fp = f;
	*size = sz;
	return EFI_SUCCESS;
}

/* Room for sz bytes: low, fresh pages below 4 GiB (kept in allocs[]); else pool
 * memory with one spare byte. */
static EFI_STATUS alloc_file_buf(int low, UINT64 sz, UINT8 **buf)
{
	EFI_STATUS st;

	if (low) {
		EFI_PHYSICAL_ADDRESS pa = BELOW_4G;
		UINT64 pages = pages_for(sz) ? pages_for(sz) : 1;

		st = alloc_pages(AllocateMaxAddress, EfiLoaderData, pages, &pa);
		*buf = (UINT8 *)(UINTN)pa;
	} else {
		st = BS->AllocatePool(EfiLoaderData, sz + 1, (void **)buf);
	}
	return st;
}

/* All sz bytes of f into buf; a read that returns nothing is EFI_END_OF_FILE. */
static EFI_STATUS read_all(EFI_FILE_HANDLE f, UINT8 *buf, UINT64 sz)
{
	UINT64 got = 0;

	while (got < sz) {
		UINTN chunk = sz - got;
		EFI_STATUS st = f->Read(f, &chunk, buf + got);

		if (EFI_ERROR(st))
			return st;
		if (chunk == 0)
			return EFI_END_OF_FILE;
		got += chunk;
	}
	return EFI_SUCCESS;
}

/*
 * Read a whole file. low: into fresh pages below 4 GiB (for modules); else into
 * pool memory with one spare byte at the end. Prints its own errors.
 */
static EFI_STATUS read_file(EFI_FILE_HANDLE root, const char *path, int low, UINT64 max,
			    void **data, UINT64 *size, int quiet_not_found)
{
	EFI_FILE_HANDLE f;
	EFI_STATUS st;
	UINT64 sz;
	UINT8 *buf;

	st = open_file(root, path, max, quiet_not_found, &f, &sz);
	if (EFI_ERROR(st))
		return st;
	st = alloc_file_buf(low, sz, &buf);
	if (EFI_ERROR(st)) {
		f->Close(f);
		FAIL("no memory for %a (%ld bytes): %r", path, sz, st);
		return st;
	}
	st = read_all(f, buf, sz);
	f->Close(f);
	if (EFI_ERROR(st)) {
		if (!low)
			FreePool(buf);
		FAIL("reading %a failed: %r", path, st);
		return st;
	}
	*data = buf;
	*size = sz;
	return EFI_SUCCESS;
}

/* Allocate the kernel's pages at their physical addresses, zero, copy. */
static EFI_STATUS load_segments(const UINT8 *file, const struct elf_image *img)
{
	UINT64 run_lo = 0, run_hi = 0;
	EFI_STATUS st;

	/* Segments are sorted and disjoint, but two may share a page: merge runs. */
	for (unsigned i = 0; i <= img->nseg; i++) {
		UINT64 lo = 0, hi = 0;

		if (i < img->nseg) {
			lo = img->seg[i].paddr & ~(PAGE - 1);
			hi = (img->seg[i].paddr + img->seg[i].memsz + PAGE - 1) & ~(PAGE - 1);
			if (run_hi && lo <= run_hi) {
				if (hi > run_hi)
					run_hi = hi;
				continue;
			}
		}
		if (run_hi) {
			EFI_PHYSICAL_ADDRESS pa = run_lo;

			st = alloc_pages(AllocateAddress, EfiLoaderData, (run_hi - run_lo) / PAGE, &pa);
			if (EFI_ERROR(st)) {
				FAIL("kernel memory 0x%lx-0x%lx is not free: %r", run_lo, run_hi - 1, st);
				return st;
			}
			SetMem((void *)(UINTN)run_lo, run_hi - run_lo, 0);
		}
		run_lo = lo;
		run_hi = hi;
	}
	for (unsigned i = 0; i < img->nseg; i++) {
		const struct elf_seg *s = &img->seg[i];

		CopyMem((void *)(UINTN)s->paddr, (void *)(file + s->offset), s->filesz);
		SAY("  segment 0x%lx-0x%lx (%ld bytes from the file)", s->paddr,
		    s->paddr + s->memsz - 1, s->filesz);
	}
	return EFI_SUCCESS;
}

static int guid_eq(const EFI_GUID *a, const EFI_GUID *b)
{
	return ldr_memeq(a, b, sizeof(*a));
}

/* Tag 15 (ACPI 2.0+ RSDP, 36 bytes) if there is one, else tag 14 (20 bytes). */
static int add_acpi(struct mb2_builder *b, EFI_SYSTEM_TABLE *systab)
{
	static EFI_GUID acpi20 = ACPI_20_TABLE_GUID, acpi10 = ACPI_TABLE_GUID;
	const UINT8 *r20 = NULL, *r10 = NULL;

	for (UINTN i = 0; i < systab->NumberOfTableEntries; i++) {
		EFI_CONFIGURATION_TABLE *t = &systab->ConfigurationTable[i];

		if (guid_eq(&t->VendorGuid, &acpi20))
			r20 = t->VendorTable;
		else if (guid_eq(&t->VendorGuid, &acpi10))
			r10 = t->VendorTable;
	}
	/* An "ACPI 2.0" entry whose RSDP says revision < 2 only has 20 valid bytes. */
	if (r20 && ldr_memeq(r20, "RSD PTR ", 8) && r20[15] >= 2) {
		SAY("ACPI 2.0 RSDP at 0x%lx", (UINT64)(UINTN)r20);
		return mb2_add_acpi(b, MB2_TAG_ACPI_NEW, r20, 36);
	}
	if (!r10 && r20 && ldr_memeq(r20, "RSD PTR ", 8))
		r10 = r20;
	if (r10 && ldr_memeq(r10, "RSD PTR ", 8)) {
		SAY("ACPI 1.0 RSDP at 0x%lx", (UINT64)(UINTN)r10);
		return mb2_add_acpi(b, MB2_TAG_ACPI_OLD, r10, 20);
	}
	SAY("no ACPI RSDP found");
	return 0;
}

/* What efi_main carries from step to step. A failure before ExitBootServices is
 * called releases map, cfgbuf, root and the pages in allocs[] (efi_main's out:). */
struct loader {
	EFI_HANDLE image;
	EFI_SYSTEM_TABLE *systab;
	EFI_FILE_HANDLE root;
	char *cfgbuf;                  /* \baton.cfg's text: cfg points into it */
	struct cfg cfg;
	struct elf_image img;
	struct mb2_builder mb;
	EFI_PHYSICAL_ADDRESS info_pa, stub_pa;
	void *map;                     /* memory map buffer of map_cap bytes */
	UINTN map_cap, desc_size;
};

static EFI_STATUS open_volume(struct loader *l)
{
	EFI_LOADED_IMAGE *li;
	EFI_STATUS st;

	st = BS->HandleProtocol(l->image, &LoadedImageProtocol, (void **)&li);
	if (EFI_ERROR(st)) {
		FAIL("no LoadedImage protocol: %r", st);
		return st;
	}
	l->root = LibOpenRoot(li->DeviceHandle);
	if (!l->root) {
		FAIL("cannot open the boot volume");
		return EFI_NOT_FOUND;
	}
	return EFI_SUCCESS;
}

/* 1. \baton.cfg (absent: defaults). */
static EFI_STATUS load_cfg(struct loader *l)
{
	const char *err = "";
	unsigned line = 0;
	UINT64 cfgsize = 0;
	EFI_STATUS st;

	st = read_file(l->root, "\\baton.cfg", 0, CFG_MAX_SIZE, (void **)&l->cfgbuf, &cfgsize, 1);
	if (st == EFI_NOT_FOUND) {
		SAY("no \\baton.cfg, using defaults");
		cfg_defaults(&l->cfg);
		return EFI_SUCCESS;
	}
	if (EFI_ERROR(st))
		return st;
	SAY("read \\baton.cfg (%ld bytes)", cfgsize);
	if (cfg_parse(l->cfgbuf, cfgsize, &l->cfg, &line, &err)) {
		FAIL("\\baton.cfg line %d: %a", line, err);
		return EFI_INVALID_PARAMETER;
	}
	return EFI_SUCCESS;
}

/* 2. The kernel: check, then place its segments. */
static EFI_STATUS load_kernel(struct loader *l)
{
	const char *err = "";
	void *kfile = NULL;
	UINT64 ksize = 0;
	EFI_STATUS st;

	SAY("loading %a", l->cfg.kernel);
	st = read_file(l->root, l->cfg.kernel, 0, ~0ull, &kfile, &ksize, 0);
	if (EFI_ERROR(st))
		return st;
	if (elf_check(kfile, ksize, &l->img, &err)) {
		FAIL("%a: %a", l->cfg.kernel, err);
		st = EFI_LOAD_ERROR;
	} else {
		st = load_segments(kfile, &l->img);
	}
	FreePool(kfile);
	if (EFI_ERROR(st))
		return st;
	SAY("kernel entry 0x%lx (multiboot2 header at file offset 0x%x)", l->img.entry_pa,
	    l->img.mb2_off);
	return EFI_SUCCESS;
}

/* 4. Modules, page-aligned below 4 GiB, each added to the information while it fits
 * (*r: the builder's result). */
static EFI_STATUS load_modules(struct loader *l, int *r)
{
	for (unsigned i = 0; !*r && i < l->cfg.nmod; i++) {
		const struct cfg_module *cm = &l->cfg.mod[i];
		EFI_STATUS st;
		void *m;
		UINT64 msize;

		SAY("loading module %a as '%a'", cm->path, cm->name);
		st = read_file(l->root, cm->path, 1, BELOW_4G, &m, &msize, 0);
		if (EFI_ERROR(st))
			return st;
		if ((UINT64)(UINTN)m + msize > BELOW_4G) {
			FAIL("module %a ends above 4 GiB", cm->path);
			return EFI_OUT_OF_RESOURCES;
		}
		SAY("  at 0x%lx (%ld bytes)", (UINT64)(UINTN)m, msize);
		*r = mb2_add_module(&l->mb, (UINT32)(UINTN)m, (UINT32)((UINTN)m + msize), cm->name);
	}
	return EFI_SUCCESS;
}

/* 3 and 4. The information block: the fixed tags, the modules, EFI and ACPI. */
static EFI_STATUS build_info(struct loader *l)
{
	EFI_STATUS st;
	int r;

	st = alloc_pages(AllocateMaxAddress, EfiLoaderData, INFO_PAGES, &l->info_pa);
	if (EFI_ERROR(st)) {
		FAIL("no memory below 4 GiB for the multiboot2 information: %r", st);
		return st;
	}
	mb2_init(&l->mb, (void *)(UINTN)l->info_pa, INFO_PAGES * PAGE);
	r = mb2_add_string(&l->mb, MB2_TAG_CMDLINE, l->cfg.cmdline);
	if (!r)
		r = mb2_add_string(&l->mb, MB2_TAG_LOADER_NAME, "Baton EFI loader");
	st = load_modules(l, &r);
	if (EFI_ERROR(st))
		return st;
	if (!r)
		r = mb2_add_efi64(&l->mb, (UINT64)(UINTN)l->systab);
	if (!r)
		r = add_acpi(&l->mb, l->systab);
	if (r) {
		FAIL("multiboot2 information does not fit in %d KiB", INFO_PAGES * 4);
		return EFI_BUFFER_TOO_SMALL;
	}
	return EFI_SUCCESS;
}

/* 5. The lm_exit stub, in an executable page below 4 GiB. */
static EFI_STATUS place_stub(struct loader *l)
{
	EFI_STATUS st;

	if (lm_exit_end - lm_exit_start > LM_EXIT_MAX_SIZE) {
		FAIL("lm_exit stub larger than a page");
		return EFI_LOAD_ERROR;
	}
	st = alloc_pages(AllocateMaxAddress, EfiLoaderCode, 1, &l->stub_pa);
	if (EFI_ERROR(st)) {
		FAIL("no page below 4 GiB for the exit stub: %r", st);
		return st;
	}
	CopyMem((void *)(UINTN)l->stub_pa, (void *)lm_exit_start, lm_exit_end - lm_exit_start);
	return EFI_SUCCESS;
}

/* 6. A buffer for the memory map, with room for the map to grow. */
static EFI_STATUS alloc_map(struct loader *l)
{
	UINTN map_size = 0, map_key;
	UINT32 desc_ver;
	EFI_STATUS st;

	st = BS->GetMemoryMap(&map_size, NULL, &map_key, &l->desc_size, &desc_ver);
	if (st != EFI_BUFFER_TOO_SMALL) {
		FAIL("GetMemoryMap: %r", st);
		return EFI_ERROR(st) ? st : EFI_DEVICE_ERROR;
	}
	l->map_cap = map_size + 64 * l->desc_size;
	st = BS->AllocatePool(EfiLoaderData, l->map_cap, &l->map);
	if (EFI_ERROR(st)) {
		FAIL("no memory for the memory map: %r", st);
		return st;
	}
	return EFI_SUCCESS;
}

/* Before the final map: \baton.cfg's text and the volume are not needed any more. */
static void close_files(struct loader *l)
{
	if (l->cfgbuf) {
		FreePool(l->cfgbuf);  /* cfg strings were copied into the info */
		l->cfgbuf = NULL;
	}
	l->root->Close(l->root);
	l->root = NULL;
}

/*
 * 7. Final map -> info -> ExitBootServices; no prints from here on. On success the
 * stub enters the kernel. Returns the last status, *tried_ebs set once
 * ExitBootServices was called (boot services may then be partly gone).
 */
static EFI_STATUS exit_and_enter(struct loader *l, int *tried_ebs)
{
	UINTN map_size, map_key;
	UINT32 desc_ver;
	EFI_STATUS st = EFI_SUCCESS;

	for (int tries = 0; tries < EBS_TRIES; tries++) {
		map_size = l->map_cap;
		st = BS->GetMemoryMap(&map_size, l->map, &map_key, &l->desc_size, &desc_ver);
		if (st == EFI_BUFFER_TOO_SMALL && !*tried_ebs) {
			/* Still allowed to allocate: grow the buffer and retry. */
			BS->FreePool(l->map);
			l->map_cap = map_size + 64 * l->desc_size;
			st = BS->AllocatePool(EfiLoaderData, l->map_cap, &l->map);
			if (EFI_ERROR(st)) {
				l->map = NULL;
				break;
			}
			continue;
		}
		if (EFI_ERROR(st))
			break;
		if (mb2_finish(&l->mb, l->map, map_size, l->desc_size)) {
			st = EFI_BUFFER_TOO_SMALL;
			break;
		}
		st = BS->ExitBootServices(l->image, map_key);
		if (!EFI_ERROR(st)) {
			lm_exit_fn stub = (lm_exit_fn)(UINTN)l->stub_pa;

			__asm__ volatile("cli" ::: "memory");
			stub(l->img.entry_pa, MB2_BOOTLOADER_MAGIC, l->info_pa);
		}
		*tried_ebs = 1;
	}
	return st;
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	struct loader l = { .image = image, .systab = systab,
			    .info_pa = BELOW_4G, .stub_pa = BELOW_4G };
	EFI_STATUS st;
	int tried_ebs = 0;

	InitializeLib(image, systab);
	SAY("starting");
	st = open_volume(&l);
	if (EFI_ERROR(st))
		return st;
	st = load_cfg(&l);
	if (!EFI_ERROR(st))
		st = load_kernel(&l);
	if (!EFI_ERROR(st))
		st = build_info(&l);
	if (!EFI_ERROR(st))
		st = place_stub(&l);
	if (!EFI_ERROR(st))
		st = alloc_map(&l);
	if (EFI_ERROR(st))
		goto out;
	close_files(&l);
	SAY("info at 0x%lx, stub at 0x%lx; exiting boot services, entering 0x%lx",
	    l.info_pa, l.stub_pa, l.img.entry_pa);
	st = exit_and_enter(&l, &tried_ebs);
	if (tried_ebs)
		return st; /* boot services may be partly gone: no prints, no frees */
	FAIL("could not get the final memory map: %r", st);

out:
	if (l.map)
		FreePool(l.map);
	if (l.cfgbuf)
		FreePool(l.cfgbuf);
	if (l.root)
		l.root->Close(l.root);
	free_all_pages();
	return st;
}
