/*
 * Normalising what a boot producer handed over (see include/boot_info.h for the
 * invariants). The adapters add raw ranges and modules; boot_info_finish() sorts,
 * resolves overlaps (anything that is not RAM wins over RAM), page-trims RAM and
 * drops modules that do not lie wholly in RAM or that collide with the kernel or each
 * other. Every drop is logged with the range, never silent. Also built for the host.
 */
#include <boot_info.h>
#include <bootproto.h>
#include <printk.h>
#include <string.h>

#define PHYS_LIMIT (1ull << 52)
#define MAX_OVERLAP_WARNINGS 8

struct boot_info boot_info;

void boot_info_init(struct boot_info *bi, unsigned proto, paddr_t kstart, paddr_t kend)
{
	memset(bi, 0, sizeof(*bi));
	bi->proto = proto;
	bi->kernel_start = kstart;
	bi->kernel_end = kend;
}

static void warn(struct boot_info *bi, const char *what, paddr_t base, uint64_t size)
{
	bi->warnings++;
	printk("boot: warning: dropped %s [%#llx+%#llx]\n", what, (unsigned long long)base,
	       (unsigned long long)size);
}

void boot_info_add_mem(struct boot_info *bi, paddr_t base, uint64_t size, uint32_t type)
{
	if (size == 0)
		return;                                  /* firmware pads with these */
	if (base + size < base || base >= PHYS_LIMIT || base + size > PHYS_LIMIT) {
		warn(bi, "absurd memory range", base, size);
		return;
	}
	if (type < BOOT_MEM_RAM || type > BOOT_MEM_BAD)
		type = BOOT_MEM_RESERVED;
	if (bi->nmem == BOOT_MEM_MAX) {
		warn(bi, "memory range beyond the table", base, size);
		return;
	}
	bi->mem[bi->nmem++] = (struct boot_mem_range){ base, size, type };
}

void boot_info_add_module(struct boot_info *bi, paddr_t base, uint64_t size, const char *name,
			  size_t name_len)
{
	if (bi->nmod == BOOT_MOD_MAX) {
		warn(bi, "module beyond the table", base, size);
		return;
	}
	struct boot_module *m = &bi->mod[bi->nmod];
	m->base = base;
	m->size = size;
	name_len = strnlen(name ? name : "", name_len);
	if (name_len == 0) {
		snprintf(m->name, sizeof(m->name), "mod%u", bi->nmod);
	} else {
		if (name_len >= sizeof(m->name))
			name_len = sizeof(m->name) - 1;
		memcpy(m->name, name, name_len);
		m->name[name_len] = 0;
	}
	bi->nmod++;
}

/* Type of the byte range [a, b): the strongest claim of all ranges covering it. */
static uint32_t type_at(const struct boot_info *bi, paddr_t a)
{
	uint32_t t = 0;
	for (unsigned i = 0; i < bi->nmem; i++) {
		const struct boot_mem_range *r = &bi->mem[i];
		if (a >= r->base && a < r->base + r->size) {
			if (t == 0 || (r->type != BOOT_MEM_RAM && (t == BOOT_MEM_RAM || r->type > t)))
				t = r->type;
		}
	}
	return t;
}

static void sort_u64(uint64_t *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++) {
		uint64_t x = v[i];
		unsigned j = i;
		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

static void normalise_mem(struct boot_info *bi)
{
	static uint64_t edge[2 * BOOT_MEM_MAX];
	static struct boot_mem_range out[BOOT_MEM_MAX];
	unsigned nedge = 0, nout = 0;

	unsigned overlaps = 0;
	for (unsigned i = 0; i < bi->nmem; i++)
		for (unsigned j = i + 1; j < bi->nmem; j++) {
			const struct boot_mem_range *a = &bi->mem[i], *b = &bi->mem[j];
			if (!(a->base < b->base + b->size && b->base < a->base + a->size &&
			      a->type != b->type))
				continue;
			bi->warnings++;
			if (++overlaps > MAX_OVERLAP_WARNINGS)
				continue;
			printk("boot: warning: memory ranges overlap: [%#llx+%#llx] %s and "
			       "[%#llx+%#llx] %s; not RAM\n",
			       (unsigned long long)a->base, (unsigned long long)a->size,
			       boot_mem_type_name(a->type), (unsigned long long)b->base,
			       (unsigned long long)b->size, boot_mem_type_name(b->type));
		}
	if (overlaps > MAX_OVERLAP_WARNINGS)
		printk("boot: warning: %u more overlapping pairs\n", overlaps - MAX_OVERLAP_WARNINGS);
	for (unsigned i = 0; i < bi->nmem; i++) {
		edge[nedge++] = bi->mem[i].base;
		edge[nedge++] = bi->mem[i].base + bi->mem[i].size;
	}
	sort_u64(edge, nedge);
	for (unsigned i = 0; i + 1 < nedge; i++) {
		paddr_t a = edge[i], b = edge[i + 1];
		if (a == b)
			continue;
		uint32_t t = type_at(bi, a);
		if (t == 0)
			continue;                                /* a hole */
		if (nout && out[nout - 1].type == t && out[nout - 1].base + out[nout - 1].size == a) {
			out[nout - 1].size += b - a;
			continue;
		}
		if (nout == BOOT_MEM_MAX) {
			warn(bi, "memory range beyond the table", a, b - a);
			continue;
		}
		out[nout++] = (struct boot_mem_range){ a, b - a, t };
	}
	/* RAM is used in whole pages only. */
	bi->nmem = 0;
	for (unsigned i = 0; i < nout; i++) {
		struct boot_mem_range r = out[i];
		if (r.type == BOOT_MEM_RAM) {
			paddr_t a = ALIGN_UP(r.base, (paddr_t)4096), b = ALIGN_DOWN(r.base + r.size, (paddr_t)4096);
			if (b <= a)
				continue;
			r.base = a;
			r.size = b - a;
		}
		bi->mem[bi->nmem++] = r;
	}
}

static bool in_ram(const struct boot_info *bi, paddr_t base, uint64_t size)
{
	for (unsigned i = 0; i < bi->nmem; i++) {
		const struct boot_mem_range *r = &bi->mem[i];
		if (r->type == BOOT_MEM_RAM && base >= r->base && base + size <= r->base + r->size)
			return true;
	}
	return false;
}

static bool overlaps(paddr_t a, uint64_t as, paddr_t b, uint64_t bs)
{
	return a < b + bs && b < a + as;
}

static void validate_modules(struct boot_info *bi)
{
	unsigned n = 0;
	for (unsigned i = 0; i < bi->nmod; i++) {
		struct boot_module *m = &bi->mod[i];
		const char *why = NULL;
		if (m->size == 0 || m->base + m->size < m->base)
			why = "empty or absurd module";
		else if (!in_ram(bi, m->base, m->size))
			why = "module outside RAM";
		else if (overlaps(m->base, m->size, bi->kernel_start, bi->kernel_end - bi->kernel_start))
			why = "module over the kernel image";
		for (unsigned j = 0; !why && j < n; j++)
			if (overlaps(m->base, m->size, bi->mod[j].base, bi->mod[j].size))
				why = "module overlapping another";
		for (unsigned j = 0; !why && j < n; j++)
			if (strcmp(m->name, bi->mod[j].name) == 0)
				why = "module with a duplicate name";
		if (why) {
			printk("boot: module '%s':\n", m->name);
			warn(bi, why, m->base, m->size);
			continue;
		}
		bi->mod[n++] = *m;
	}
	bi->nmod = n;
}

void boot_info_finish(struct boot_info *bi)
{
	normalise_mem(bi);
	validate_modules(bi);
}

const struct boot_module *boot_module_find(const char *name)
{
	for (unsigned i = 0; i < boot_info.nmod; i++)
		if (strcmp(boot_info.mod[i].name, name) == 0)
			return &boot_info.mod[i];
	return NULL;
}

const char *boot_mem_type_name(uint32_t type)
{
	switch (type) {
	case BOOT_MEM_RAM: return "ram";
	case BOOT_MEM_RESERVED: return "reserved";
	case BOOT_MEM_ACPI: return "acpi";
	case BOOT_MEM_NVS: return "nvs";
	case BOOT_MEM_BAD: return "bad";
	default: return "?";
	}
}

uint64_t boot_info_ram_bytes(const struct boot_info *bi)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < bi->nmem; i++)
		if (bi->mem[i].type == BOOT_MEM_RAM)
			n += bi->mem[i].size;
	return n;
}
