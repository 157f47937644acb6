/*
 * libFuzzer target for kho/kho_fdt.c (and kho/kho_dump.c): any bytes, up to 8 KiB,
 * as an incoming root FDT. kho_fdt_validate() must answer 0 or -EINVAL with *why set
 * exactly when it refuses; kho_fdt_validate_each() must answer the same and, on a
 * tree it accepts, hand over exactly the subtrees the walk visits, in the same
 * order; on a tree it accepts, the lookups and the walk must agree with each other
 * and never fail, and kho_fdt_print() must get through it.
 * Sanitizer reports (in Baton's code, and in the libc calls libfdt makes) and
 * aborts are findings; Debian's libfdt itself is not instrumented.
 * Seeds: tests/host/corpus/kho_fdt/.
 */
#include "../../kho/kho_internal.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void kho_fdt_print(const void *fdt);

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_kho_fdt: %s\n", what);
		abort();
	}
}

struct walk {
	const void *fdt;
	int n;
};

static int visit(const char *name, paddr_t pa, uint64_t size, void *arg)
{
	struct walk *w = arg;
	paddr_t p;
	uint64_t s;
	w->n++;
	check(name != NULL, "walk gave no name");
	/* with duplicate names the first one wins, so only existence is certain */
	check(kho_fdt_get_subtree(w->fdt, name, &p, &s) == 0, "walked subtree not found by name");
	(void)pa;
	(void)size;
	return 0;
}

/* The subtrees in visit order, as validate_each and the walk hand them over. */
struct seen {
	unsigned n;
	struct { const char *name; paddr_t pa; uint64_t size; } v[128];
};

static int record(const char *name, paddr_t pa, uint64_t size, void *arg)
{
	struct seen *s = arg;
	check(s->n < 128, "more subtrees than 8 KiB can hold");
	s->v[s->n].name = name;
	s->v[s->n].pa = pa;
	s->v[s->n].size = size;
	s->n++;
	return 0;
}

static int stop_first(const char *name, paddr_t pa, uint64_t size, void *arg)
{
	(void)name, (void)pa, (void)size, (void)arg;
	return 7;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 8192)
		return 0;
	/* an exact-size copy, 8-byte aligned like a page, so ASan bounds the reads */
	void *fdt = malloc(size ? size : 1);
	check(fdt != NULL, "malloc");
	memcpy(fdt, data, size);

	paddr_t root = 0;
	const char *why = NULL;
	int r = kho_fdt_validate(fdt, size, &root, &why);
	check(r == 0 || r == -EINVAL, "validate: unexpected result");
	check((r == 0) == (why == NULL), "validate: why set iff refused");
	static struct seen during, walked;
	during.n = walked.n = 0;
	paddr_t root2 = 0;
	const char *why2 = NULL;
	check(kho_fdt_validate_each(fdt, size, &root2, &why2, record, &during) == r &&
	      why2 == why && root2 == root, "validate_each and validate disagree");
	if (r == 0) {
		check(kho_fdt_for_each_subtree(fdt, record, &walked) == 0, "walk failed");
		check(during.n == walked.n, "validate_each and the walk see different counts");
		for (unsigned i = 0; i < during.n; i++)
			check(!strcmp(during.v[i].name, walked.v[i].name) &&
			      during.v[i].pa == walked.v[i].pa && during.v[i].size == walked.v[i].size,
			      "validate_each and the walk see different subtrees");
		check(root != 0, "accepted a zero memory map");
		int n = kho_fdt_count_subtrees(fdt);
		check(n >= 0, "count failed on an accepted tree");
		struct walk w = { fdt, 0 };
		check(kho_fdt_for_each_subtree(fdt, visit, &w) == 0, "walk failed");
		check(w.n == n, "walk and count disagree");
		check(kho_fdt_for_each_subtree(fdt, stop_first, NULL) == (n ? 7 : 0),
		      "walk did not stop");
		static const char *const names[] = { "LUO", "kexec-metadata", "memblock", "",
						     "a@1", "/" };
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			paddr_t p;
			uint64_t s;
			int g = kho_fdt_get_subtree(fdt, names[i], &p, &s);
			check(g == 0 || g == -ENOENT, "lookup: unexpected result");
		}
		kho_fdt_print(fdt);
	}
	free(fdt);
	return 0;
}
