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

/*
 * Read a whole file. low: into fresh pages below 4 GiB (for modules); else into
 * pool memory with one spare byte at the end. Prints its own errors.
 */
static EFI_STATUS read_file(EFI_FILE_HANDLE root, const char *path, int low, UINT64 max,
			    void **data, UINT64 *size, int quiet_not_found)
{
	CHAR16 wpath[CFG_MAX_PATH + 1];
	EFI_FILE_HANDLE f;
	EFI_FILE_INFO *info;
	EFI_STATUS st;
	UINT64 sz, got = 0;
	UINT8 *buf;
	size_t i, n;

	/* ASCII to UCS-2; '/' becomes '\\' and runs of separators collapse to one. */
	n = 0;
	for (i = 0; path[i] && n < CFG_MAX_PATH; i++) {
		CHAR16 ch = path[i] == '/' ? L'\\' : (CHAR16)path[i];

		if (ch == L'\\' && n && wpath[n - 1] == L'\\')
			continue;
		wpath[n++] = ch;
	}
	wpath[n] = 0;

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

	if (low) {
		EFI_PHYSICAL_ADDRESS pa = BELOW_4G;
		UINT64 pages = pages_for(sz) ? pages_for(sz) : 1;

		st = alloc_pages(AllocateMaxAddress, EfiLoaderData, pages, &pa);
		buf = (UINT8 *)(UINTN)pa;
	} else {
		st = BS->AllocatePool(EfiLoaderData, sz + 1, (void **)&buf);
	}
	if (EFI_ERROR(st)) {
		f->Close(f);
		FAIL("no memory for %a (%ld bytes): %r", path, sz, st);
		return st;
	}

	while (got < sz) {
		UINTN chunk = sz - got;

		st = f->Read(f, &chunk, buf + got);
		if (EFI_ERROR(st) || chunk == 0) {
			if (!EFI_ERROR(st))
				st = EFI_END_OF_FILE;
			f->Close(f);
			if (!low)
				FreePool(buf);
			FAIL("reading %a failed: %r", path, st);
			return st;
		}
		got += chunk;
	}
	f->Close(f);
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

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	EFI_LOADED_IMAGE *li;
	EFI_FILE_HANDLE root = NULL;
	EFI_STATUS st;
	EFI_PHYSICAL_ADDRESS info_pa = BELOW_4G, stub_pa = BELOW_4G;
	struct cfg cfg;
	struct elf_image img;
	struct mb2_builder mb;
	char *cfgbuf = NULL;
	void *kfile = NULL, *map = NULL;
	UINT64 cfgsize = 0, ksize = 0;
	UINTN map_cap = 0, map_size, map_key, desc_size;
	UINT32 desc_ver;
	const char *err = "";
	unsigned line = 0;
	int r, tried_ebs = 0;

	InitializeLib(image, systab);
	SAY("starting");

	st = BS->HandleProtocol(image, &LoadedImageProtocol, (void **)&li);
	if (EFI_ERROR(st)) {
		FAIL("no LoadedImage protocol: %r", st);
		return st;
	}
	root = LibOpenRoot(li->DeviceHandle);
	if (!root) {
		FAIL("cannot open the boot volume");
		return EFI_NOT_FOUND;
	}

	/* 1. \baton.cfg (absent: defaults). */
	st = read_file(root, "\\baton.cfg", 0, CFG_MAX_SIZE, (void **)&cfgbuf, &cfgsize, 1);
	if (st == EFI_NOT_FOUND) {
		SAY("no \\baton.cfg, using defaults");
		cfg_defaults(&cfg);
	} else if (EFI_ERROR(st)) {
		goto out;
	} else {
		SAY("read \\baton.cfg (%ld bytes)", cfgsize);
		r = cfg_parse(cfgbuf, cfgsize, &cfg, &line, &err);
		if (r) {
			FAIL("\\baton.cfg line %d: %a", line, err);
			st = EFI_INVALID_PARAMETER;
			goto out;
		}
	}

	/* 2. The kernel: check, then place its segments. */
	SAY("loading %a", cfg.kernel);
	st = read_file(root, cfg.kernel, 0, ~0ull, &kfile, &ksize, 0);
	if (EFI_ERROR(st))
		goto out;
	r = elf_check(kfile, ksize, &img, &err);
	if (r) {
		FAIL("%a: %a", cfg.kernel, err);
		st = EFI_LOAD_ERROR;
		goto out;
	}
	st = load_segments(kfile, &img);
	if (EFI_ERROR(st))
		goto out;
	FreePool(kfile);
	kfile = NULL;
	SAY("kernel entry 0x%lx (multiboot2 header at file offset 0x%x)", img.entry_pa,
	    img.mb2_off);

	/* 3. The information block, with the fixed tags. */
	st = alloc_pages(AllocateMaxAddress, EfiLoaderData, INFO_PAGES, &info_pa);
	if (EFI_ERROR(st)) {
		FAIL("no memory below 4 GiB for the multiboot2 information: %r", st);
		goto out;
	}
	mb2_init(&mb, (void *)(UINTN)info_pa, INFO_PAGES * PAGE);
	r = mb2_add_string(&mb, MB2_TAG_CMDLINE, cfg.cmdline);
	if (!r)
		r = mb2_add_string(&mb, MB2_TAG_LOADER_NAME, "Baton EFI loader");

	/* 4. Modules, page-aligned below 4 GiB. */
	for (unsigned i = 0; !r && i < cfg.nmod; i++) {
		void *m;
		UINT64 msize;

		SAY("loading module %a as '%a'", cfg.mod[i].path, cfg.mod[i].name);
		st = read_file(root, cfg.mod[i].path, 1, BELOW_4G, &m, &msize, 0);
		if (EFI_ERROR(st))
			goto out;
		if ((UINT64)(UINTN)m + msize > BELOW_4G) {
			FAIL("module %a ends above 4 GiB", cfg.mod[i].path);
			st = EFI_OUT_OF_RESOURCES;
			goto out;
		}
		SAY("  at 0x%lx (%ld bytes)", (UINT64)(UINTN)m, msize);
		r = mb2_add_module(&mb, (UINT32)(UINTN)m, (UINT32)((UINTN)m + msize), cfg.mod[i].name);
	}
	if (!r)
		r = mb2_add_efi64(&mb, (UINT64)(UINTN)systab);
	if (!r)
		r = add_acpi(&mb, systab);
	if (r) {
		FAIL("multiboot2 information does not fit in %d KiB", INFO_PAGES * 4);
		st = EFI_BUFFER_TOO_SMALL;
		goto out;
	}

	/* 5. The lm_exit stub, in an executable page below 4 GiB. */
	if (lm_exit_end - lm_exit_start > (long)PAGE) {
		FAIL("lm_exit stub larger than a page");
		st = EFI_LOAD_ERROR;
		goto out;
	}
	st = alloc_pages(AllocateMaxAddress, EfiLoaderCode, 1, &stub_pa);
	if (EFI_ERROR(st)) {
		FAIL("no page below 4 GiB for the exit stub: %r", st);
		goto out;
	}
	CopyMem((void *)(UINTN)stub_pa, (void *)lm_exit_start, lm_exit_end - lm_exit_start);

	/* 6. A buffer for the memory map, with room for the map to grow. */
	map_size = 0;
	st = BS->GetMemoryMap(&map_size, NULL, &map_key, &desc_size, &desc_ver);
	if (st != EFI_BUFFER_TOO_SMALL) {
		FAIL("GetMemoryMap: %r", st);
		st = EFI_ERROR(st) ? st : EFI_DEVICE_ERROR;
		goto out;
	}
	map_cap = map_size + 64 * desc_size;
	st = BS->AllocatePool(EfiLoaderData, map_cap, &map);
	if (EFI_ERROR(st)) {
		FAIL("no memory for the memory map: %r", st);
		goto out;
	}
	if (cfgbuf) {
		FreePool(cfgbuf);  /* cfg strings were copied into the info */
		cfgbuf = NULL;
	}
	root->Close(root);
	root = NULL;

	SAY("info at 0x%lx, stub at 0x%lx; exiting boot services, entering 0x%lx",
	    info_pa, stub_pa, img.entry_pa);

	/* 7. Final map -> info -> ExitBootServices; no prints from here on. */
	for (int tries = 0; tries < EBS_TRIES; tries++) {
		map_size = map_cap;
		st = BS->GetMemoryMap(&map_size, map, &map_key, &desc_size, &desc_ver);
		if (st == EFI_BUFFER_TOO_SMALL && !tried_ebs) {
			/* Still allowed to allocate: grow the buffer and retry. */
			BS->FreePool(map);
			map_cap = map_size + 64 * desc_size;
			st = BS->AllocatePool(EfiLoaderData, map_cap, &map);
			if (EFI_ERROR(st)) {
				map = NULL;
				break;
			}
			continue;
		}
		if (EFI_ERROR(st))
			break;
		if (mb2_finish(&mb, map, map_size, desc_size)) {
			st = EFI_BUFFER_TOO_SMALL;
			break;
		}
		st = BS->ExitBootServices(image, map_key);
		if (!EFI_ERROR(st)) {
			lm_exit_fn stub = (lm_exit_fn)(UINTN)stub_pa;

			__asm__ volatile("cli" ::: "memory");
			stub(img.entry_pa, MB2_BOOTLOADER_MAGIC, info_pa);
		}
		tried_ebs = 1;
	}
	if (tried_ebs)
		return st; /* boot services may be partly gone: no prints, no frees */
	FAIL("could not get the final memory map: %r", st);

out:
	if (map)
		FreePool(map);
	if (kfile)
		FreePool(kfile);
	if (cfgbuf)
		FreePool(cfgbuf);
	if (root)
		root->Close(root);
	free_all_pages();
	return st;
}
