/*
 * kho/kho_fdt.c on the host, over Debian's libfdt: building the kho-v4 root FDT
 * (add, remove, duplicates, bad names, a full page), the exact bytes of the u64
 * properties, kho_fdt_validate() accepting good trees and naming each bad one, the
 * lookups, a random add/remove run against a model, and a golden: the tree as
 * `dtc -I dtb -O dts` reads it. Trees under validation are copied to exact-size heap
 * buffers so ASan sees any read past the end.
 */
#include "../../kho/kho_internal.h"
#include <errno.h>
#include <libfdt.h>
#include <stdlib.h>
#include "host_test.h"

#define ROOT 0x12345000ull
#define PAGE KHO_FDT_SIZE

static const char *out_dir = "build/host";     /* where this binary lives */

static void *new_tree(void)
{
	void *fdt = aligned_alloc(8, PAGE);
	assert_non_null(fdt);
	memset(fdt, 0xa5, PAGE);                 /* init must not rely on a zeroed page */
	assert_int_equal(kho_fdt_init(fdt, ROOT), 0);
	return fdt;
}

/* The tree of the golden: two subtrees, added LUO first. */
static void *two_subtrees(void)
{
	void *fdt = new_tree();
	assert_int_equal(kho_fdt_add_subtree(fdt, "LUO", 0x2000000, 0x20), 0);
	assert_int_equal(kho_fdt_add_subtree(fdt, KHO_KEXEC_METADATA_NAME, 0x3000000, 73), 0);
	return fdt;
}

static int validate_copy(const void *fdt, size_t size, paddr_t *root, const char **why)
{
	void *copy = malloc(size ? size : 1);
	assert_non_null(copy);
	memcpy(copy, fdt, size);
	int r = kho_fdt_validate(copy, size, root, why);
	free(copy);
	return r;
}

static uint32_t used_bytes(const void *fdt)
{
	return fdt_off_dt_strings(fdt) + fdt_size_dt_strings(fdt);
}

static void test_init(void **state)
{
	(void)state;
	void *fdt = new_tree();
	assert_int_equal(fdt_totalsize(fdt), PAGE);
	assert_int_equal(fdt_check_full(fdt, PAGE), 0);
	paddr_t root = 0;
	const char *why = "unset";
	assert_int_equal(validate_copy(fdt, PAGE, &root, &why), 0);
	assert_null(why);
	assert_int_equal(root, ROOT);
	assert_int_equal(kho_fdt_count_subtrees(fdt), 0);

	int len = -1;
	const char *compat = fdt_getprop(fdt, 0, "compatible", &len);
	assert_non_null(compat);
	assert_int_equal(len, 7);
	assert_memory_equal(compat, "kho-v4", 7);
	/* native byte order, not an fdt64 big-endian cell */
	static const uint8_t le[8] = { 0x00, 0x50, 0x34, 0x12, 0, 0, 0, 0 };
	const void *map = fdt_getprop(fdt, 0, KHO_FDT_MEMORY_MAP, &len);
	assert_non_null(map);
	assert_int_equal(len, 8);
	assert_memory_equal(map, le, 8);

	assert_int_equal(kho_fdt_init(fdt, 0), -EINVAL);
	assert_int_equal(kho_fdt_init(NULL, ROOT), -EINVAL);
	free(fdt);
}

static void test_subtree_bytes(void **state)
{
	(void)state;
	void *fdt = new_tree();
	assert_int_equal(kho_fdt_add_subtree(fdt, "x", 0x0102030405060708ull, 0x1122334455667788ull), 0);
	int node = fdt_subnode_offset(fdt, 0, "x"), len;
	assert_true(node > 0);
	static const uint8_t data[8] = { 8, 7, 6, 5, 4, 3, 2, 1 };
	static const uint8_t size[8] = { 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11 };
	const void *p = fdt_getprop(fdt, node, KHO_FDT_SUB_DATA, &len);
	assert_non_null(p);
	assert_int_equal(len, 8);
	assert_memory_equal(p, data, 8);
	p = fdt_getprop(fdt, node, KHO_FDT_SUB_SIZE, &len);
	assert_non_null(p);
	assert_int_equal(len, 8);
	assert_memory_equal(p, size, 8);
	free(fdt);
}

static const char name63[] = "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk";
static const char name64[] = "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl";

static void test_add_names(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		int expect;
	} cases[] = {
		{ "LUO", 0 },
		{ KHO_KEXEC_METADATA_NAME, 0 },
		{ "LUO", -EEXIST },
		{ "luo", 0 },                    /* names are case-sensitive */
		{ name63, 0 },
		{ name64, -EINVAL },
		{ "", -EINVAL },
		{ "/", -EINVAL },
		{ "a/b", -EINVAL },
		{ "a@1", -EINVAL },
		{ "@", -EINVAL },
		{ NULL, -EINVAL },
		{ "kho_test", 0 },
		{ KHO_KEXEC_METADATA_NAME, -EEXIST },
	};
	void *fdt = new_tree();
	int added = 0;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int r = kho_fdt_add_subtree(fdt, cases[i].name, 0x100000 * (i + 1), i);
		if (r != cases[i].expect)
			case_fail("case %zu (%s): got %d, expected %d", i,
				  cases[i].name ? cases[i].name : "NULL", r, cases[i].expect);
		added += r == 0;
		assert_int_equal(kho_fdt_count_subtrees(fdt), added);
		assert_int_equal(fdt_totalsize(fdt), PAGE);
		assert_int_equal(validate_copy(fdt, PAGE, NULL, NULL), 0);
	}
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		paddr_t pa;
		uint64_t size;
		if (cases[i].expect || !cases[i].name)
			continue;
		assert_int_equal(kho_fdt_get_subtree(fdt, cases[i].name, &pa, &size), 0);
		assert_int_equal(pa, 0x100000 * (i + 1));
		assert_int_equal(size, i);
	}
	free(fdt);
}

struct visit {
	char log[512];
	int stop_at, n;
};

static int visit(const char *name, paddr_t pa, uint64_t size, void *arg)
{
	struct visit *v = arg;
	size_t len = strlen(v->log);
	snprintf(v->log + len, sizeof(v->log) - len, "%s %#llx %#llx\n", name,
		 (unsigned long long)pa, (unsigned long long)size);
	return ++v->n == v->stop_at ? 42 : 0;
}

static void test_lookup_and_remove(void **state)
{
	(void)state;
	void *fdt = two_subtrees();
	assert_int_equal(kho_fdt_add_subtree(fdt, "memblock", 0xfedcba9876543000ull, 4096), 0);

	struct visit v = { .stop_at = -1 };
	assert_int_equal(kho_fdt_for_each_subtree(fdt, visit, &v), 0);
	assert_golden(v.log, "memblock 0xfedcba9876543000 0x1000\n"      /* newest first */
			     "kexec-metadata 0x3000000 0x49\n"
			     "LUO 0x2000000 0x20\n");
	struct visit stop = { .stop_at = 2 };
	assert_int_equal(kho_fdt_for_each_subtree(fdt, visit, &stop), 42);
	assert_int_equal(stop.n, 2);

	paddr_t pa = 1;
	uint64_t size = 1;
	assert_int_equal(kho_fdt_get_subtree(fdt, "LUO", &pa, &size), 0);
	assert_int_equal(pa, 0x2000000);
	assert_int_equal(size, 0x20);
	assert_int_equal(kho_fdt_get_subtree(fdt, "LUO", NULL, NULL), 0);
	assert_int_equal(kho_fdt_get_subtree(fdt, "LU", &pa, &size), -ENOENT);
	assert_int_equal(kho_fdt_get_subtree(fdt, "LUO@0", &pa, &size), -ENOENT);
	assert_int_equal(kho_fdt_get_subtree(fdt, "", &pa, &size), -ENOENT);
	assert_int_equal(kho_fdt_get_subtree(fdt, NULL, &pa, &size), -EINVAL);

	/* libfdt's own lookup would take "node@unit" for "node": kho_fdt does not */
	assert_true(fdt_add_subnode(fdt, 0, "unit@1") > 0);
	assert_int_equal(kho_fdt_get_subtree(fdt, "unit", &pa, &size), -ENOENT);

	assert_int_equal(kho_fdt_remove_subtree(fdt, 0x3000000), 0);
	assert_int_equal(kho_fdt_remove_subtree(fdt, 0x3000000), -ENOENT);
	assert_int_equal(kho_fdt_remove_subtree(fdt, 0), -ENOENT);
	assert_int_equal(kho_fdt_get_subtree(fdt, KHO_KEXEC_METADATA_NAME, &pa, &size), -ENOENT);
	assert_int_equal(kho_fdt_count_subtrees(fdt), 3);
	assert_int_equal(fdt_totalsize(fdt), PAGE);
	/* the name is free again */
	assert_int_equal(kho_fdt_add_subtree(fdt, KHO_KEXEC_METADATA_NAME, 0x5000000, 1), 0);
	free(fdt);
}

static void test_bad_props_lookup(void **state)
{
	(void)state;
	void *fdt = new_tree();
	int a = fdt_add_subnode(fdt, 0, "short");
	assert_true(a > 0);
	assert_int_equal(fdt_setprop_u32(fdt, a, KHO_FDT_SUB_DATA, 1), 0);
	assert_int_equal(fdt_setprop_u64(fdt, a, KHO_FDT_SUB_SIZE, 1), 0);
	int b = fdt_add_subnode(fdt, 0, "nosize");
	assert_true(b > 0);
	assert_int_equal(fdt_setprop_u64(fdt, b, KHO_FDT_SUB_DATA, 1), 0);
	paddr_t pa;
	uint64_t size;
	assert_int_equal(kho_fdt_get_subtree(fdt, "short", &pa, &size), -EINVAL);
	assert_int_equal(kho_fdt_get_subtree(fdt, "nosize", &pa, &size), -EINVAL);
	struct visit v = { .stop_at = -1 };
	assert_int_equal(kho_fdt_for_each_subtree(fdt, visit, &v), -EINVAL);
	/* not a tree at all */
	memset(fdt, 0, PAGE);
	assert_int_equal(kho_fdt_add_subtree(fdt, "x", 1, 1), -EINVAL);
	assert_int_equal(kho_fdt_remove_subtree(fdt, 1), -EINVAL);
	assert_int_equal(kho_fdt_count_subtrees(fdt), -EINVAL);
	assert_int_equal(kho_fdt_get_subtree(fdt, "x", &pa, &size), -EINVAL);
	assert_int_equal(kho_fdt_for_each_subtree(fdt, visit, &v), -EINVAL);
	free(fdt);
}

/* Fill the page; a failed add leaves the tree as it was; removing one subtree
 * makes room for exactly one more of the same name length. */
static void test_page_full(void **state)
{
	(void)state;
	void *fdt = new_tree();
	char name[16];
	int n, r;
	for (n = 0;; n++) {
		snprintf(name, sizeof(name), "sub%03d", n);
		r = kho_fdt_add_subtree(fdt, name, 0x1000000 + (paddr_t)n * 4096, 4096);
		if (r)
			break;
	}
	assert_int_equal(r, -ENOMEM);
	/* 4096 - 64 (header, rsvmap, aligned) - 56 root struct - 57 strings = 3919
	 * free, 56 per subtree (begin 4 + "subNNN\0" 8 + 2 props of 20 + end 4) */
	assert_int_equal(n, 3919 / 56);
	assert_int_equal(kho_fdt_count_subtrees(fdt), n);

	uint8_t *before = malloc(PAGE);
	assert_non_null(before);
	memcpy(before, fdt, PAGE);
	uint32_t used = used_bytes(fdt);
	assert_int_equal(kho_fdt_add_subtree(fdt, "sub999", 1, 1), -ENOMEM);
	assert_int_equal(kho_fdt_add_subtree(fdt, "sub000", 1, 1), -EEXIST);
	assert_int_equal(used_bytes(fdt), used);
	assert_memory_equal(before, fdt, used);
	free(before);
	assert_int_equal(validate_copy(fdt, PAGE, NULL, NULL), 0);

	assert_int_equal(kho_fdt_remove_subtree(fdt, 0x1000000 + 7 * 4096), 0);
	assert_int_equal(kho_fdt_add_subtree(fdt, "new007", 0x900000, 1), 0);
	assert_int_equal(kho_fdt_add_subtree(fdt, "new008", 0x901000, 1), -ENOMEM);
	assert_int_equal(kho_fdt_count_subtrees(fdt), n);
	assert_int_equal(fdt_totalsize(fdt), PAGE);
	assert_int_equal(validate_copy(fdt, PAGE, NULL, NULL), 0);
	free(fdt);
}

/* ---------------- validate ---------------- */

static void set_str(void *fdt, int node, const char *prop, const char *val, int len)
{
	assert_int_equal(fdt_setprop(fdt, node, prop, val, len), 0);
}

static int first_sub(void *fdt)
{
	int node = fdt_first_subnode(fdt, 0);
	assert_true(node > 0);
	return node;
}

static void m_none(void *fdt, uint64_t *size) { (void)fdt; (void)size; }
static void m_tiny(void *fdt, uint64_t *size) { (void)fdt; *size = 39; }
static void m_magic(void *fdt, uint64_t *size) { (void)size; ((uint8_t *)fdt)[3] ^= 1; }
static void m_version(void *fdt, uint64_t *size) { (void)size; fdt_set_version(fdt, 1); }
static void m_version16(void *fdt, uint64_t *size) { (void)size; fdt_set_version(fdt, 16); }
static void m_offset(void *fdt, uint64_t *size) { (void)size; fdt_set_off_dt_strings(fdt, PAGE + 8); }
static void m_trunc(void *fdt, uint64_t *size) { (void)fdt; *size = PAGE - 1; }
static void m_struct(void *fdt, uint64_t *size)
{
	(void)size;   /* FDT_END turns into an unknown tag */
	uint8_t *end = (uint8_t *)fdt + fdt_off_dt_struct(fdt) + fdt_size_dt_struct(fdt) - 4;
	end[3] = 0x77;
}
static void m_strref(void *fdt, uint64_t *size)
{
	(void)size;   /* the first property's name offset points past the strings */
	uint8_t *p = (uint8_t *)fdt + fdt_off_dt_struct(fdt) + 8 + 8;
	p[0] = p[1] = 0x7f;
}
static void m_compat(void *fdt, uint64_t *size) { (void)size; set_str(fdt, 0, "compatible", "kho-v3", 7); }
static void m_compat_gone(void *fdt, uint64_t *size) { (void)size; assert_int_equal(fdt_delprop(fdt, 0, "compatible"), 0); }
static void m_compat_list(void *fdt, uint64_t *size) { (void)size; set_str(fdt, 0, "compatible", "baton,kho\0kho-v4", 17); }
static void m_map_gone(void *fdt, uint64_t *size) { (void)size; assert_int_equal(fdt_delprop(fdt, 0, KHO_FDT_MEMORY_MAP), 0); }
static void m_map_4(void *fdt, uint64_t *size) { (void)size; assert_int_equal(fdt_setprop_u32(fdt, 0, KHO_FDT_MEMORY_MAP, 1), 0); }
static void m_map_16(void *fdt, uint64_t *size) { (void)size; set_str(fdt, 0, KHO_FDT_MEMORY_MAP, "0123456789abcdef", 16); }
static void m_map_0(void *fdt, uint64_t *size) { (void)size; assert_int_equal(fdt_setprop_u64(fdt, 0, KHO_FDT_MEMORY_MAP, 0), 0); }
static void m_data_gone(void *fdt, uint64_t *size) { (void)size; assert_int_equal(fdt_delprop(fdt, first_sub(fdt), KHO_FDT_SUB_DATA), 0); }
static void m_data_4(void *fdt, uint64_t *size) { (void)size; assert_int_equal(fdt_setprop_u32(fdt, first_sub(fdt), KHO_FDT_SUB_DATA, 1), 0); }
static void m_size_gone(void *fdt, uint64_t *size) { (void)size; assert_int_equal(fdt_delprop(fdt, first_sub(fdt), KHO_FDT_SUB_SIZE), 0); }
static void m_size_12(void *fdt, uint64_t *size) { (void)size; set_str(fdt, first_sub(fdt), KHO_FDT_SUB_SIZE, "0123456789ab", 12); }
static void m_size_0(void *fdt, uint64_t *size) { (void)size; set_str(fdt, first_sub(fdt), KHO_FDT_SUB_SIZE, "", 0); }
static void m_empty_node(void *fdt, uint64_t *size) { (void)size; assert_true(fdt_add_subnode(fdt, 0, "empty") > 0); }
static void m_packed(void *fdt, uint64_t *size) { assert_int_equal(fdt_pack(fdt), 0); *size = fdt_totalsize(fdt); }
static void m_grandchild(void *fdt, uint64_t *size)
{
	(void)size;   /* a subtree node with children of its own: not looked into */
	assert_true(fdt_add_subnode(fdt, first_sub(fdt), "inner") > 0);
}
static void m_extra_props(void *fdt, uint64_t *size)
{
	(void)size;
	assert_int_equal(fdt_setprop_string(fdt, 0, "model", "baton"), 0);
	assert_int_equal(fdt_setprop_string(fdt, first_sub(fdt), "note", "x"), 0);
}

static void test_validate(void **state)
{
	(void)state;
	static const struct {
		const char *what;
		void (*mutate)(void *fdt, uint64_t *size);
		const char *why;                 /* NULL: accepted */
	} cases[] = {
		{ "good", m_none, NULL },
		{ "packed, buffer of totalsize", m_packed, NULL },
		{ "compatible list", m_compat_list, NULL },
		{ "grandchild", m_grandchild, NULL },
		{ "extra properties", m_extra_props, NULL },
		{ "39 bytes", m_tiny, "FDT smaller than its header" },
		{ "magic", m_magic, "bad FDT magic" },
		{ "version 1", m_version, "bad FDT header" },
		{ "version 16", m_version16, "FDT version below 17" },
		{ "strings offset", m_offset, "bad FDT header" },
		{ "truncated", m_trunc, "FDT totalsize beyond the buffer" },
		{ "struct end tag", m_struct, "FDT structure is malformed" },
		{ "name offset", m_strref, "FDT structure is malformed" },
		{ "compatible kho-v3", m_compat, "root is not compatible with kho-v4" },
		{ "no compatible", m_compat_gone, "root is not compatible with kho-v4" },
		{ "no map", m_map_gone, "preserved-memory-map missing" },
		{ "map 4 bytes", m_map_4, "preserved-memory-map is not 8 bytes" },
		{ "map 16 bytes", m_map_16, "preserved-memory-map is not 8 bytes" },
		{ "map zero", m_map_0, "preserved-memory-map is zero" },
		{ "no data", m_data_gone, "subtree without preserved-data" },
		{ "data 4 bytes", m_data_4, "subtree preserved-data is not 8 bytes" },
		{ "no size", m_size_gone, "subtree without blob-size" },
		{ "size 12 bytes", m_size_12, "subtree blob-size is not 8 bytes" },
		{ "size 0 bytes", m_size_0, "subtree blob-size is not 8 bytes" },
		{ "node without props", m_empty_node, "subtree without preserved-data" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		void *fdt = two_subtrees();
		uint64_t size = PAGE;
		cases[i].mutate(fdt, &size);
		paddr_t root = 0;
		const char *why = "unset";
		int r = validate_copy(fdt, size, &root, &why);
		if (cases[i].why == NULL && (r != 0 || why != NULL || root != ROOT))
			case_fail("case %zu (%s): refused: %d %s", i, cases[i].what, r, why);
		if (cases[i].why && (r != -EINVAL || !why || strcmp(why, cases[i].why) != 0))
			case_fail("case %zu (%s): got %d \"%s\", expected \"%s\"", i, cases[i].what,
				  r, why ? why : "(null)", cases[i].why);
		if (cases[i].why)
			assert_int_equal(root, 0);       /* untouched on failure */
		free(fdt);
	}
	const char *why = NULL;
	assert_int_equal(kho_fdt_validate(NULL, PAGE, NULL, &why), -EINVAL);
	assert_string_equal(why, "no FDT");
	void *fdt = two_subtrees();
	assert_int_equal(kho_fdt_validate(fdt, PAGE, NULL, NULL), 0);
	/* every prefix shorter than totalsize is refused without reading past it */
	for (uint64_t size = 0; size < PAGE; size += 37)
		assert_int_equal(validate_copy(fdt, size, NULL, NULL), -EINVAL);
	free(fdt);
}

/* Found by fuzz_kho_fdt: a version-2 tree whose root name has no '/' makes libfdt
 * 1.6.1's fdt_check_full() dereference NULL; validate must refuse it before. */
static const uint8_t v2_root_crash[] = {
	0xd0, 0x0d, 0xfe, 0xed, 0x00, 0x00, 0x00, 0x90, 0x00, 0x00, 0x00, 0x38, 0x00, 0x00,
	0x00, 0x70, 0x00, 0x00, 0x00, 0x28, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x38, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00,
	0x00, 0x08, 0x00, 0x00, 0x00, 0x0b, 0x00, 0x50, 0x34, 0x12, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x6b, 0x68,
	0x6f, 0x2d, 0x76, 0x34, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x09,
	0x63, 0x6f, 0x6d, 0x70, 0x61, 0x74, 0xe9, 0x62, 0x6c, 0x65, 0x00, 0x70, 0x72, 0x65,
	0x73, 0x65, 0x72, 0x76, 0x65, 0x64, 0x2d, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x6d,
	0x6d, 0x61, 0x70, 0x00,
};

static void test_old_versions(void **state)
{
	(void)state;
	const char *why = NULL;
	assert_int_equal(sizeof(v2_root_crash), 144);
	assert_int_equal(validate_copy(v2_root_crash, sizeof(v2_root_crash), NULL, &why), -EINVAL);
	assert_string_equal(why, "FDT version below 17");
	/* every version libfdt's header check takes, on an otherwise good tree */
	for (uint32_t v = 2; v <= 17; v++) {
		void *fdt = two_subtrees();
		fdt_set_version(fdt, v);
		fdt_set_last_comp_version(fdt, v < 16 ? v : 16);
		int r = validate_copy(fdt, PAGE, NULL, &why);
		if (v < 17 && (r != -EINVAL || strcmp(why, "FDT version below 17") != 0))
			case_fail("version %u: %d %s", v, r, why);
		if (v == 17 && r != 0)
			case_fail("version 17 refused: %s", why);
		free(fdt);
	}
}

/* ---------------- random add/remove against a model ---------------- */

#define MODEL_N 48

static void test_random_model(void **state)
{
	(void)state;
	struct {
		bool in;
		paddr_t pa;
		uint64_t size;
	} m[MODEL_N] = { 0 };
	uint64_t seed = 0x6b686f2d7634ull;
	void *fdt = new_tree();
	int count = 0;
	for (int step = 0; step < 3000; step++) {
		unsigned i = (unsigned)(host_rand(&seed) % MODEL_N);
		char name[16];
		snprintf(name, sizeof(name), "n%u", i);
		if (!m[i].in) {
			paddr_t pa = ((host_rand(&seed) >> 12) << 12) | 0x1000;
			uint64_t size = host_rand(&seed) >> (host_rand(&seed) % 64);
			int r = kho_fdt_add_subtree(fdt, name, pa, size);
			if (r == 0) {
				m[i].in = true;
				m[i].pa = pa;
				m[i].size = size;
				count++;
			} else if (r != -ENOMEM) {
				case_fail("step %d: add %s: %d", step, name, r);
			}
		} else if (host_rand(&seed) & 1) {
			assert_int_equal(kho_fdt_add_subtree(fdt, name, 1, 1), -EEXIST);
			assert_int_equal(kho_fdt_remove_subtree(fdt, m[i].pa), 0);
			m[i].in = false;
			count--;
		}
		assert_int_equal(kho_fdt_count_subtrees(fdt), count);
		if (step % 100)
			continue;
		assert_int_equal(validate_copy(fdt, PAGE, NULL, NULL), 0);
		for (unsigned j = 0; j < MODEL_N; j++) {
			paddr_t pa;
			uint64_t size;
			snprintf(name, sizeof(name), "n%u", j);
			int r = kho_fdt_get_subtree(fdt, name, &pa, &size);
			if (m[j].in && (r || pa != m[j].pa || size != m[j].size))
				case_fail("step %d: %s: %d %#llx %#llx", step, name, r,
					  (unsigned long long)pa, (unsigned long long)size);
			if (!m[j].in && r != -ENOENT)
				case_fail("step %d: %s still there (%d)", step, name, r);
		}
	}
	free(fdt);
}

/* ---------------- what dtc reads ---------------- */

static const char golden_dts[] =
	"/dts-v1/;\n"
	"\n"
	"/ {\n"
	"\tcompatible = \"kho-v4\";\n"
	"\tpreserved-memory-map = <0x503412 0x00>;\n"
	"\n"
	"\tkexec-metadata {\n"
	"\t\tpreserved-data = <0x03 0x00>;\n"
	"\t\tblob-size = <0x49000000 0x00>;\n"
	"\t};\n"
	"\n"
	"\tLUO {\n"
	"\t\tpreserved-data = <0x02 0x00>;\n"
	"\t\tblob-size = <0x20000000 0x00>;\n"
	"\t};\n"
	"};\n";

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	static char buf[8192];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

static void test_dtc_golden(void **state)
{
	(void)state;
	if (system("command -v dtc >/dev/null 2>&1") != 0)
		skip();
	void *fdt = two_subtrees();
	char dtb[512], dts[512], cmd[2048];
	snprintf(dtb, sizeof(dtb), "%s/kho_fdt_golden.dtb", out_dir);
	snprintf(dts, sizeof(dts), "%s/kho_fdt_golden.dts", out_dir);
	FILE *f = fopen(dtb, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(fdt, 1, PAGE, f), PAGE);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "dtc -q -I dtb -O dts -o %s %s", dts, dtb);
	assert_int_equal(system(cmd), 0);
	assert_golden(read_file(dts), golden_dts);
	free(fdt);
}

int main(int argc, char **argv)
{
	(void)argc;
	static char dir[512];
	const char *slash = strrchr(argv[0], '/');
	if (slash) {
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - argv[0]), argv[0]);
		out_dir = dir;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_subtree_bytes),
		cmocka_unit_test(test_add_names),
		cmocka_unit_test(test_lookup_and_remove),
		cmocka_unit_test(test_bad_props_lookup),
		cmocka_unit_test(test_page_full),
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_old_versions),
		cmocka_unit_test(test_random_model),
		cmocka_unit_test(test_dtc_golden),
	};
	return cmocka_run_group_tests_name("kho_fdt", tests, host_reset_log, NULL);
}
