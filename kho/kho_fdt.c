/*
 * The KHO root FDT ("kho-v4", include/abi/kho.h), built and read with libfdt.
 *
 * Model: one 4 KiB page holding an ordinary flattened device tree
 *
 *     / {
 *         compatible = "kho-v4";
 *         preserved-memory-map = <u64: pa of the radix-tree root>;
 *         <name> {                          one node per subtree
 *             preserved-data = <u64: pa of the owner's blob>;
 *             blob-size = <u64: its length in bytes>;
 *         };
 *     };
 *
 * The u64 properties hold native (little-endian) bytes, not FDT big-endian cells.
 *
 * Invariants of a tree made here:
 *   - totalsize is always KHO_FDT_SIZE: the tree stays "open" in its page and is
 *     edited in place (libfdt moves the blocks inside the page), never packed, so the
 *     size handed to the next kernel is the page;
 *   - subtree names are unique, 1..63 bytes, without '/' or '@';
 *   - a new subtree goes before the others (libfdt inserts a node as its parent's
 *     first child), so tree order, which for_each follows, is newest first;
 *   - every subtree node has both properties, 8 bytes each; an add that runs out of
 *     room midway removes its node again (its property names may stay in the strings
 *     block: they are shared by every subtree);
 *   - the page is zeroed by init; later edits leave stale bytes in the free space
 *     past the last block (libfdt does not clear what it moves away from).
 *
 * An incoming tree is untrusted until kho_fdt_validate() accepts it; the lookup
 * functions still check every property they read. No function here keeps state or
 * touches anything but the buffer it is given. Callers serialize writers.
 */
#include "kho_internal.h"
#include <errno.h>
#include <libfdt.h>
#include <string.h>

#define KHO_FDT_NAME_MAX 63
/*
 * Trees older than version 17 are refused before libfdt's full check: 1.6.1's
 * fdt_check_full() dereferences NULL on a version < 16 tree whose root name has no
 * '/' (found by tests/host/fuzz_kho_fdt.c). Every kho-v4 writer (libfdt's
 * fdt_create(), here and in Linux) makes version 17.
 */
#define KHO_FDT_MIN_VERSION 17

/* libfdt's error (negative FDT_ERR_*) as a Baton errno. */
static int fdt_errno(int err)
{
	switch (err) {
	case 0:
		return 0;
	case -FDT_ERR_NOSPACE:
		return -ENOMEM;
	case -FDT_ERR_EXISTS:
		return -EEXIST;
	case -FDT_ERR_NOTFOUND:
		return -ENOENT;
	default:
		return -EINVAL;
	}
}

/* An 8-byte native-endian property: 0, -ENOENT if absent, -EINVAL if not 8 bytes. */
static int get_u64(const void *fdt, int node, const char *prop, uint64_t *val)
{
	int len;
	const void *p = fdt_getprop(fdt, node, prop, &len);
	if (!p)
		return -ENOENT;
	if (len != (int)sizeof(*val))
		return -EINVAL;
	memcpy(val, p, sizeof(*val));             /* property data is 4-byte aligned only */
	return 0;
}

static int set_u64(void *fdt, int node, const char *prop, uint64_t val)
{
	return fdt_setprop(fdt, node, prop, &val, sizeof(val));
}

static bool name_ok(const char *name)
{
	size_t n = name ? strnlen(name, KHO_FDT_NAME_MAX + 1) : 0;
	return n >= 1 && n <= KHO_FDT_NAME_MAX && !memchr(name, '/', n) && !memchr(name, '@', n);
}

/* The header checks (cheap) before any walk: libfdt's iterators alone report a
 * tree that is not one as an empty tree. */
static bool header_ok(const void *fdt)
{
	return fdt && fdt_check_header(fdt) == 0;
}

/* Both properties of subtree node, in pa and size (either may be NULL). */
static int get_subtree_props(const void *fdt, int node, paddr_t *pa, uint64_t *size)
{
	uint64_t p, s;
	if (get_u64(fdt, node, KHO_FDT_SUB_DATA, &p) || get_u64(fdt, node, KHO_FDT_SUB_SIZE, &s))
		return -EINVAL;
	if (pa)
		*pa = p;
	if (size)
		*size = s;
	return 0;
}

/* The root's subnode named exactly name (libfdt's lookup would also match
 * "name@unit"); -ENOENT if none, -EINVAL if the tree is broken. */
static int find_subtree(const void *fdt, const char *name)
{
	size_t n = strlen(name);
	int node, len;
	fdt_for_each_subnode(node, fdt, 0) {
		const char *nm = fdt_get_name(fdt, node, &len);
		if (nm && (size_t)len == n && memcmp(nm, name, n) == 0)
			return node;
	}
	return node == -FDT_ERR_NOTFOUND ? -ENOENT : -EINVAL;
}

/*
 * An empty kho-v4 tree filling the page. -EINVAL if radix_root is 0 (a reader
 * rejects that), -ENOMEM cannot happen in a 4 KiB page.
 */
int kho_fdt_init(void *fdt, paddr_t radix_root)
{
	if (!fdt || !radix_root)
		return -EINVAL;
	memset(fdt, 0, KHO_FDT_SIZE);             /* no stale bytes in the free space */
	/* libfdt adds a property before the node's others: last set comes first */
	int err = fdt_create_empty_tree(fdt, KHO_FDT_SIZE);
	if (!err)
		err = set_u64(fdt, 0, KHO_FDT_MEMORY_MAP, radix_root);
	if (!err)
		err = fdt_setprop_string(fdt, 0, "compatible", KHO_FDT_COMPATIBLE);
	return fdt_errno(err);
}

/* -EEXIST name taken, -ENOMEM page full, -EINVAL bad name or not an FDT. */
int kho_fdt_add_subtree(void *fdt, const char *name, paddr_t pa, uint64_t size)
{
	if (!name_ok(name) || !header_ok(fdt))
		return -EINVAL;
	int node = fdt_add_subnode(fdt, 0, name);
	if (node < 0)
		return fdt_errno(node);
	int err = set_u64(fdt, node, KHO_FDT_SUB_SIZE, size);    /* ends up second */
	if (!err)
		err = set_u64(fdt, node, KHO_FDT_SUB_DATA, pa);
	if (err) {
		fdt_del_node(fdt, node);           /* only shrinks: cannot fail here */
		return fdt_errno(err);
	}
	return 0;
}

/* Remove the first subtree whose preserved-data is pa; -ENOENT if none. */
int kho_fdt_remove_subtree(void *fdt, paddr_t pa)
{
	int node;
	if (!header_ok(fdt))
		return -EINVAL;
	fdt_for_each_subnode(node, fdt, 0) {
		uint64_t p;
		if (get_u64(fdt, node, KHO_FDT_SUB_DATA, &p) == 0 && p == pa)
			return fdt_errno(fdt_del_node(fdt, node));
	}
	return node == -FDT_ERR_NOTFOUND ? -ENOENT : -EINVAL;
}

/* The number of subtree nodes, or -EINVAL if the tree is broken. */
int kho_fdt_count_subtrees(const void *fdt)
{
	int node, n = 0;
	if (!header_ok(fdt))
		return -EINVAL;
	fdt_for_each_subnode(node, fdt, 0)
		n++;
	return node == -FDT_ERR_NOTFOUND ? n : -EINVAL;
}

/* The blob as a flattened tree: NULL if sound, else what is wrong. */
static const char *check_blob(const void *fdt, uint64_t fdt_size)
{
	if (!fdt)
		return "no FDT";
	if (fdt_size < sizeof(struct fdt_header))
		return "FDT smaller than its header";
	if (fdt_magic(fdt) != FDT_MAGIC)
		return "bad FDT magic";
	if (fdt_check_header(fdt) != 0)
		return "bad FDT header";
	if (fdt_version(fdt) < KHO_FDT_MIN_VERSION)
		return "FDT version below 17";
	if (fdt_totalsize(fdt) > fdt_size)
		return "FDT totalsize beyond the buffer";
	if (fdt_check_full(fdt, fdt_totalsize(fdt)) != 0)
		return "FDT structure is malformed";
	return NULL;
}

/* The root: compatible, and a non-zero preserved-memory-map in *root. */
static const char *check_root(const void *fdt, uint64_t *root)
{
	if (fdt_node_check_compatible(fdt, 0, KHO_FDT_COMPATIBLE) != 0)
		return "root is not compatible with " KHO_FDT_COMPATIBLE;
	int err = get_u64(fdt, 0, KHO_FDT_MEMORY_MAP, root);
	if (err)
		return err == -ENOENT ? KHO_FDT_MEMORY_MAP " missing"
				      : KHO_FDT_MEMORY_MAP " is not 8 bytes";
	if (*root == 0)
		return KHO_FDT_MEMORY_MAP " is zero";
	return NULL;
}

/* Every subtree node has both properties, 8 bytes each. */
static const char *check_subtrees(const void *fdt, kho_subtree_fn fn, void *arg)
{
	int node;
	fdt_for_each_subnode(node, fdt, 0) {
		uint64_t pa, size;
		int err = get_u64(fdt, node, KHO_FDT_SUB_DATA, &pa);
		if (err)
			return err == -ENOENT ? "subtree without " KHO_FDT_SUB_DATA
					      : "subtree " KHO_FDT_SUB_DATA " is not 8 bytes";
		err = get_u64(fdt, node, KHO_FDT_SUB_SIZE, &size);
		if (err)
			return err == -ENOENT ? "subtree without " KHO_FDT_SUB_SIZE
					      : "subtree " KHO_FDT_SUB_SIZE " is not 8 bytes";
		const char *name = fn ? fdt_get_name(fdt, node, NULL) : NULL;
		if (fn && (!name || fn(name, pa, size, arg)))
			return name ? "too many subtrees" : "FDT structure is malformed";
	}
	return node != -FDT_ERR_NOTFOUND ? "FDT structure is malformed" : NULL;
}

/* Checks in the order of the header comment in kho_internal.h; the first failing
 * one names itself in *why. */
int kho_fdt_validate(const void *fdt, uint64_t fdt_size, paddr_t *radix_root, const char **why)
{
	return kho_fdt_validate_each(fdt, fdt_size, radix_root, why, NULL, NULL);
}

int kho_fdt_validate_each(const void *fdt, uint64_t fdt_size, paddr_t *radix_root,
			  const char **why, kho_subtree_fn fn, void *arg)
{
	uint64_t root = 0;
	const char *bad = check_blob(fdt, fdt_size);
	if (!bad)
		bad = check_root(fdt, &root);
	if (!bad)
		bad = check_subtrees(fdt, fn, arg);
	if (why)
		*why = bad;
	if (bad)
		return -EINVAL;
	if (radix_root)
		*radix_root = root;
	return 0;
}

/* -ENOENT no node of that exact name, -EINVAL a property missing or not 8 bytes. */
int kho_fdt_get_subtree(const void *fdt, const char *name, paddr_t *pa, uint64_t *size)
{
	if (!name || !header_ok(fdt))
		return -EINVAL;
	int node = find_subtree(fdt, name);
	if (node < 0)
		return node;
	return get_subtree_props(fdt, node, pa, size);
}

/* fn's first non-zero result ends the walk and is returned; -EINVAL for a subtree
 * with bad properties (never in a validated tree) or a broken tree. */
int kho_fdt_for_each_subtree(const void *fdt, kho_subtree_fn fn, void *arg)
{
	int node;
	if (!header_ok(fdt))
		return -EINVAL;
	fdt_for_each_subnode(node, fdt, 0) {
		paddr_t pa;
		uint64_t size;
		const char *name = fdt_get_name(fdt, node, NULL);
		if (!name || get_subtree_props(fdt, node, &pa, &size))
			return -EINVAL;
		int r = fn(name, pa, size, arg);
		if (r)
			return r;
	}
	return node == -FDT_ERR_NOTFOUND ? 0 : -EINVAL;
}
