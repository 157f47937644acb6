/*
 * kexec (model in include/kexec.h). Memory, all from scratch (so nothing the next
 * kernel is handed can overlap it): the image file copy, which the next kernel also
 * gets as its module "baton"; its multiboot2 information; one trampoline page
 * (trampoline code, lm_exit stub, arguments, stack: include/abi/kexec_tramp.h); and
 * identity page tables.
 */
#include <abi/baton.h>
#include <abi/kexec_tramp.h>
#include <blk.h>
#include <boot_info.h>
#include <drivers.h>
#include <kernel.h>
#include <elf_check.h>
#include <errno.h>
#include <imgstore.h>
#include <kexec.h>
#include <kmalloc.h>
#include <kho.h>
#include <layout.h>
#include <lm_exit.h>
#include <mb2_build.h>
#include <mm.h>
#include <paging.h>
#include <panic.h>
#include <printk.h>
#include <smp.h>
#include <serial.h>
#include <shell.h>
#include <string.h>
#include <x86.h>

#define INFO_ORDER 2                        /* 16 KiB of multiboot2 information */

_Static_assert(KEXEC_TRAMP_PAGE_SIZE == PAGE_SIZE, "the trampoline page is one page");
_Static_assert(ELF_MAX_SEGS <= KEXEC_TRAMP_MAX_SEGS, "every segment elf_check allows has a slot");

extern const char kexec_tramp_start[], kexec_tramp_end[];

static struct {
	bool loaded;
	char name[BOOT_MOD_NAME_MAX];
	paddr_t copy;
	unsigned order;
	uint64_t size;
	struct elf_image img;
	char cmdline[BOOT_CMDLINE_MAX];
} image;

static void image_free(void)
{
	if (image.loaded)
		page_free(image.copy, image.order);
	image.loaded = false;
}

static unsigned order_for(uint64_t bytes)
{
	unsigned o = 0;
	while (((uint64_t)PAGE_SIZE << o) < bytes)
		o++;
	return o;
}

/* The file (size bytes at copy, in scratch) must be a Baton image whose segments
 * fit the kernel slot; then it replaces the loaded image. */
static int take(const char *name, paddr_t copy, unsigned order, uint64_t size,
		const char *cmdline, const char **why)
{
	struct elf_image img;
	if (elf_check(phys_to_virt(copy), size, &img, why))
		return -ENOEXEC;
	for (unsigned i = 0; i < img.nseg; i++) {
		const struct elf_seg *s = &img.seg[i];
		if (s->paddr < KERNEL_PHYS || s->paddr + s->memsz > KERNEL_PHYS + KERNEL_SLOT_SIZE) {
			printk("kexec: %s: segment [%#llx-%#llx) outside the kernel slot\n", name,
			       (unsigned long long)s->paddr, (unsigned long long)(s->paddr + s->memsz));
			*why = "a segment outside the kernel slot [0x100000, 0x500000)";
			return -EINVAL;
		}
	}
	image_free();
	image.loaded = true;
	strlcpy(image.name, name, sizeof(image.name));
	image.copy = copy;
	image.order = order;
	image.size = size;
	image.img = img;
	strlcpy(image.cmdline, cmdline, sizeof(image.cmdline));
	return 0;
}

static paddr_t alloc_copy(uint64_t size, unsigned *order)
{
	*order = order_for(size);
	return *order > BUDDY_MAX_ORDER ? 0 : page_alloc(*order, GFP_SCRATCH);
}

/* Image n of the image store on the first block device, read into scratch and
 * checked against its CRC32 (kernel/imgstore.c). */
static int from_disk(const char *n_str, paddr_t *copy, unsigned *order, uint64_t *size,
		     const char **why)
{
	uint64_t n;
	struct imgstore_entry e;
	struct blk_dev *d = blk_get(0);
	if (parse_u64(n_str, &n) || n > IMGSTORE_MAX_ENTRIES) {
		*why = "disk:N wants an image number";
		return -EINVAL;
	}
	if (!d) {
		*why = "no block device";
		return -ENODEV;
	}
	struct imgstore *st = kmalloc(sizeof(*st));
	if (!st)
		return -ENOMEM;
	int err = imgstore_open_blk(st, d, why);
	if (!err && (err = imgstore_entry(st, (unsigned)n, &e)))
		*why = "no such image on the disk";
	if (!err && !(*copy = alloc_copy(e.size, order))) {
		*why = "no scratch memory for an image that large";
		err = *order > BUDDY_MAX_ORDER ? -E2BIG : -ENOMEM;
	}
	if (!err && (err = imgstore_load(st, (unsigned)n, phys_to_virt(*copy), e.size, why)))
		page_free(*copy, *order);
	if (!err)
		*size = e.size;
	kfree(st);
	return err;
}

int kexec_load(const char *name, const char *cmdline, uint64_t *bytes, const char **why)
{
	paddr_t copy;
	unsigned order;
	uint64_t size;
	*why = "";
	if (strlen(cmdline) >= sizeof(image.cmdline)) {
		*why = "command line too long";
		return -E2BIG;
	}
	if (!strncmp(name, "disk:", 5)) {
		int err = from_disk(name + 5, &copy, &order, &size, why);
		if (err)
			return err;
	} else {
		const struct boot_module *m = boot_module_find(name);
		if (!m) {
			*why = "no boot module of that name";
			return -ENOENT;
		}
		size = m->size;
		copy = alloc_copy(size, &order);
		if (!copy) {
			*why = "no scratch memory for an image that large";
			return order > BUDDY_MAX_ORDER ? -E2BIG : -ENOMEM;
		}
		memcpy(phys_to_virt(copy), phys_to_virt(m->base), size);
	}
	int err = take(name, copy, order, size, cmdline, why);
	if (err) {
		printk("kexec: %s: %s\n", name, *why);
		page_free(copy, order);             /* the image loaded before stays */
		return err;
	}
	*bytes = size;
	return 0;
}

/* The next kernel's boot information: what this one was given, plus the handover. */
static int build_info(paddr_t info, const struct kho_data *kd)
{
	static struct mb2_mmap_entry map[BOOT_MEM_MAX];
	const struct boot_info *bi = &boot_info;
	struct mb2_builder b;
	mb2_init(&b, phys_to_virt(info), PAGE_SIZE << INFO_ORDER);
	for (unsigned i = 0; i < bi->nmem; i++)
		map[i] = (struct mb2_mmap_entry){ bi->mem[i].base, bi->mem[i].size, bi->mem[i].type, 0 };
	int err = mb2_add_string(&b, MB2_TAG_CMDLINE, image.cmdline);
	err = err ?: mb2_add_string(&b, MB2_TAG_LOADER_NAME, "Baton kexec");
	err = err ?: mb2_add_module(&b, (uint32_t)image.copy, (uint32_t)(image.copy + image.size),
				    "baton");
	/* The other boot modules go on by reference: memory this kernel kept reserved,
	 * which the next one reserves before it allocates outside scratch. Not one
	 * inside the kernel slot (the new image may cover it) or in scratch. */
	for (unsigned i = 0; !err && i < bi->nmod; i++) {
		const struct boot_module *m = &bi->mod[i];
		if (!strcmp(m->name, "baton"))
			continue;
		if (kho_in_scratch(m->base, m->size)) {
			printk("kexec: module '%s' is not passed on (it lies in scratch)\n", m->name);
			continue;
		}
		err = mb2_add_module(&b, (uint32_t)m->base, (uint32_t)(m->base + m->size), m->name);
	}
	err = err ?: mb2_add_mmap(&b, map, bi->nmem);
	if (!err && bi->rsdp_len)
		err = mb2_add_acpi(&b, bi->rsdp_len >= 36 ? MB2_TAG_ACPI_NEW : MB2_TAG_ACPI_OLD,
				   bi->rsdp, bi->rsdp_len);
	if (!err && bi->efi_systab)
		err = mb2_add_efi64(&b, bi->efi_systab);
	if (!err && kd)
		err = mb2_add_tag(&b, MB2_TAG_BATON_KHO, kd, sizeof(*kd));
	return err ?: mb2_end(&b);
}

/* Identity map of the first 4 GiB plus this kernel's own mappings. */
static paddr_t identity_tables(void)
{
	paddr_t pml4 = page_alloc(0, GFP_SCRATCH | GFP_ZERO);
	paddr_t pdpt = page_alloc(0, GFP_SCRATCH | GFP_ZERO);
	paddr_t pd = page_alloc(2, GFP_SCRATCH);
	if (!pml4 || !pdpt || !pd)
		return 0;
	paging_identity(pml4, pdpt, pd, 4);
	return pml4;
}

static void quiesce(void)
{
	cli();
	drivers_quiesce();                  /* reset every device we drove, no more DMA */
	outb(0x21, 0xff);                   /* mask every PIC line */
	outb(0xa1, 0xff);
	serial_quiesce();
}

/* ---- the blackout timeline (include/abi/baton.h) ---- */

static struct baton_timeline_ser *timeline;
static paddr_t timeline_pa;
static struct baton_timeline_ser incoming_timeline;

static int timeline_prepare(void)
{
	int err = kho_alloc_preserve(sizeof(*timeline), &timeline_pa);
	if (err)
		return err;
	err = kho_add_subtree(BATON_TIMELINE_NAME, timeline_pa, sizeof(*timeline));
	if (err) {
		kho_unpreserve_free(timeline_pa);
		return err;
	}
	timeline = phys_to_virt(timeline_pa);
	timeline->magic = BATON_TIMELINE_MAGIC;
	timeline->version = BATON_TIMELINE_VERSION;
	return 0;
}

static void timeline_undo(void)
{
	kho_remove_subtree(timeline_pa);
	kho_unpreserve_free(timeline_pa);
	timeline = NULL;
}

void kexec_timeline_in(void)
{
	paddr_t pa;
	uint64_t size;
	if (kho_retrieve_subtree(BATON_TIMELINE_NAME, &pa, &size))
		return;
	const struct baton_timeline_ser *t = phys_to_virt(pa);
	if (size == sizeof(*t) && t->magic == BATON_TIMELINE_MAGIC &&
	    t->version == BATON_TIMELINE_VERSION)
		incoming_timeline = *t;
	kho_restore_free(pa);
}

/* ticks in microseconds, to the nanosecond, as "U.NNN" (no floating point here). */
static void fmt_us(char *buf, size_t size, uint64_t ticks, uint64_t hz)
{
	/* Whole seconds apart, so nothing overflows below an 18 GHz TSC. */
	uint64_t ns = hz ? ticks / hz * 1000000000u + ticks % hz * 1000000000u / hz : 0;
	snprintf(buf, size, "%llu.%03llu", (unsigned long long)(ns / 1000),
		 (unsigned long long)(ns % 1000));
}

/* The same phases in microseconds, once the TSC's frequency is known (measured
 * after the ticks were taken, so never inside them). */
static void timeline_in_time(const uint64_t phase[6])
{
	static const char *const name[6] = { "serialize", "prepare", "trampoline",
					     "early-boot", "prompt", "blackout" };
	const char *method;
	uint64_t hz = tsc_hz(&method);
	if (!hz)
		return;
	char line[256], v[32];
	size_t n = (size_t)snprintf(line, sizeof(line), "kexec: timeline (us)");
	for (int i = 0; i < 6 && n < sizeof(line); i++) {
		fmt_us(v, sizeof(v), phase[i], hz);
		n += (size_t)snprintf(line + n, sizeof(line) - n, " %s=%s", name[i], v);
	}
	printk("%s; TSC %llu.%03llu MHz from %s; guest time in a virtual machine\n", line,
	       (unsigned long long)(hz / 1000000), (unsigned long long)(hz / 1000 % 1000),
	       method);
}

void kexec_timeline_report(uint64_t tsc_handover, uint64_t tsc_prompt)
{
	const struct baton_timeline_ser *t = &incoming_timeline;
	uint64_t entry = boot_state.tsc_at_entry;
	if (!t->magic || t->tsc_exec > t->tsc_serialized || t->tsc_serialized > t->tsc_jump ||
	    t->tsc_jump > entry || entry > tsc_handover || tsc_handover > tsc_prompt)
		return;
	uint64_t phase[6] = { t->tsc_serialized - t->tsc_exec, t->tsc_jump - t->tsc_serialized,
			      entry - t->tsc_jump, tsc_handover - entry, tsc_prompt - tsc_handover,
			      tsc_prompt - t->tsc_exec };
	printk("kexec: timeline (TSC ticks) serialize=%llu prepare=%llu trampoline=%llu "
	       "early-boot=%llu prompt=%llu blackout=%llu\n", (unsigned long long)phase[0],
	       (unsigned long long)phase[1], (unsigned long long)phase[2],
	       (unsigned long long)phase[3], (unsigned long long)phase[4],
	       (unsigned long long)phase[5]);
	timeline_in_time(phase);
}

/* The two pieces of code in the trampoline page are sized by the assembler, so their
 * fit (include/abi/kexec_tramp.h) is checked here, before anything is prepared. */
static void tramp_layout_check(void)
{
	size_t code = (size_t)(kexec_tramp_end - kexec_tramp_start);
	size_t lme = (size_t)(lm_exit_end - lm_exit_start);
	BUG_ON(code > KEXEC_TRAMP_LM_EXIT_OFF - KEXEC_TRAMP_CODE_OFF,
	       "kexec trampoline is %zu bytes, its slot %d", code,
	       KEXEC_TRAMP_LM_EXIT_OFF - KEXEC_TRAMP_CODE_OFF);
	BUG_ON(lme > KEXEC_TRAMP_ARGS_OFF - KEXEC_TRAMP_LM_EXIT_OFF,
	       "lm_exit is %zu bytes, its slot %d", lme,
	       KEXEC_TRAMP_ARGS_OFF - KEXEC_TRAMP_LM_EXIT_OFF);
}

/* Scratch for the way out: the next kernel's information, built here, the trampoline
 * page and the identity tables. On failure the two pages are given back; the
 * identity tables, few and only made on the way out, stay with scratch. */
static int exit_pages(const struct kho_data *kd, paddr_t *info, paddr_t *tramp,
		      paddr_t *tables)
{
	*info = page_alloc(INFO_ORDER, GFP_SCRATCH | GFP_ZERO);
	*tramp = *info ? page_alloc(0, GFP_SCRATCH | GFP_ZERO) : 0;
	*tables = *tramp ? identity_tables() : 0;
	int err = *tables ? build_info(*info, kd) : -ENOMEM;
	if (err) {
		if (*tramp)
			page_free(*tramp, 0);
		if (*info)
			page_free(*info, INFO_ORDER);
	}
	return err;
}

/* The trampoline page (include/abi/kexec_tramp.h): code, lm_exit, arguments, then
 * the stack at its end. */
static void tramp_page_write(paddr_t tramp, paddr_t info)
{
	uint8_t *t = phys_to_virt(tramp);
	size_t code = (size_t)(kexec_tramp_end - kexec_tramp_start);
	size_t lme = (size_t)(lm_exit_end - lm_exit_start);
	memcpy(t + KEXEC_TRAMP_CODE_OFF, kexec_tramp_start, code);
	memcpy(t + KEXEC_TRAMP_LM_EXIT_OFF, lm_exit_start, lme);
	struct kexec_tramp_args *a = (struct kexec_tramp_args *)(t + KEXEC_TRAMP_ARGS_OFF);
	a->nseg = image.img.nseg;
	a->entry = image.img.entry_pa;
	a->info = info;
	a->lm_exit = tramp + KEXEC_TRAMP_LM_EXIT_OFF;
	a->stack_top = tramp + KEXEC_TRAMP_PAGE_SIZE;
	for (unsigned i = 0; i < image.img.nseg; i++) {
		const struct elf_seg *s = &image.img.seg[i];
		a->seg[i] = (struct kexec_tramp_seg){ s->paddr, image.copy + s->offset, s->filesz,
						      s->memsz };
	}
}

/* Stop the machine, stamp the timeline (t0: exec began, t1: serialized) and run the
 * trampoline under the identity tables. */
static __noreturn void enter_trampoline(paddr_t tramp, paddr_t tables, uint64_t t0,
					uint64_t t1)
{
	printk("kexec: jumping\n");
	console_flush_for_panic();
	quiesce();
	timeline->tsc_exec = t0;
	timeline->tsc_serialized = t1;
	timeline->tsc_jump = rdtsc();
	write_cr3(tables);
	void (*run)(uint64_t) = (void (*)(uint64_t))(uintptr_t)(tramp + KEXEC_TRAMP_CODE_OFF);
	run(tramp + KEXEC_TRAMP_ARGS_OFF);
	__builtin_unreachable();
}

/* ---- the handover, built alike by exec and finalize ---- */

static bool finalized;                 /* `kexec finalize` built it; no jump yet */
static const char *exec_failure;       /* what the last failed kexec_exec named */

/* Undo a built handover, last first: what a failed exec does. */
static void handover_undo(void)
{
	kho_abort();
	kexec_steps_undo();
	timeline_undo();
}

/* Everything of the handover the next kernel finds in memory: the timeline, every
 * pre-exec step in order (LUO freezes and serializes), then KHO's root finalized
 * into *kd. All or nothing: on failure what was done is undone, last first, and
 * *why names the part that failed. */
static int handover_build(struct kho_data *kd, const char **why)
{
	/* Every CPU's cached pages back in the zones' lists first: what the handover
	 * counts and the blocks kexec then takes from scratch see all free memory,
	 * and no page is left in the cache of a CPU that stops before the jump. */
	pcp_drain_all();
	*why = "the blackout timeline";
	int err = timeline_prepare();
	if (err)
		return err;
	err = kexec_steps_prepare(why);
	if (err) {
		timeline_undo();
		return err;
	}
	*why = "KHO finalize";
	err = kho_finalize(kd);
	if (err)
		handover_undo();
	return err;
}

static void unfinalize(void)
{
	if (finalized)
		handover_undo();
	finalized = false;
}

int kexec_finalize(struct kho_data *kd, const char **why)
{
	unfinalize();                       /* a second finalize builds it again */
	int err = handover_build(kd, why);
	finalized = !err;
	return err;
}

void kexec_unload(void)
{
	unfinalize();
	image_free();
}

int kexec_exec(void)
{
	struct kho_data kd;
	const char *why;
	paddr_t info = 0, tramp = 0, tables = 0;
	exec_failure = NULL;
	if (!image.loaded)
		return -EINVAL;
	tramp_layout_check();
	/* A finalized handover is undone and built again here, so that the jump takes
	 * what exec builds; the timeline starts after the undo, with exec's own work. */
	unfinalize();
	uint64_t t0 = rdtsc();
	smp_stop_others();                  /* nothing else moves from here on */
	int err = handover_build(&kd, &why);
	if (err) {
		exec_failure = why;
		smp_restart_others();
		return err;
	}
	uint64_t t1 = rdtsc();
	err = exit_pages(&kd, &info, &tramp, &tables);
	if (err) {
		handover_undo();
		exec_failure = "the boot information";
		smp_restart_others();
		return err;
	}
	tramp_page_write(tramp, info);
	enter_trampoline(tramp, tables, t0, t1);
}

const char *kexec_exec_failure(void)
{
	return exec_failure;
}
