/*
 * Injected failures for LUO (a test instrument, built with KTEST=1; docs/console.md).
 * `luo inject KIND` arms one kind; the next time its fault site is reached the
 * handler below fires once and disarms:
 *
 *   preserve   "memfd.preserve": the next memfd preserve fails with EIO;
 *   freeze     "memfd.freeze":   the next memfd freeze in the kexec path fails, EIO;
 *   memfdsize  "memfd.freeze":   the next memfd-v2 record frozen gets a size of
 *              2^64 - 1 and no folios, which the next kernel's retrieve must refuse;
 *   flb        "hugetlb.flb":    the next hugetlb FLB creation fails (the pool
 *              "cannot be frozen", EBUSY);
 *   short, version   "luo.serialized": the next kexec hands over a LUO blob that is
 *              too short (16 bytes) or of another version ("luo-v4"); the next
 *              kernel must refuse the handover and boot cold;
 *   pfnlist, pfncount   "hugetlb.kexec": the next kexec hands over a hugetlb folio
 *              list with a misaligned entry, or one whose count (2^61) wraps when
 *              turned into bytes; the next kernel must refuse it. A failed kexec
 *              mends the list (this file's kexec step's undo).
 */
#include <errno.h>
#include <fault_inject.h>
#include <kexec_step.h>
#include <kho.h>
#include <layout.h>
#include <palist.h>
#include <string.h>
#include "hugetlb_luo.h"
#include "luo_internal.h"
#include "luo_test.h"

static struct {
	const char *kind;
	bool armed;
} kinds[] = {
	{ "preserve", false }, { "freeze", false }, { "short", false }, { "version", false },
	{ "flb", false }, { "pfnlist", false }, { "pfncount", false }, { "memfdsize", false },
};
const char luo_inject_kinds[] = "preserve|freeze|short|version|flb|pfnlist|pfncount|memfdsize";

static bool *flag(const char *kind)
{
	for (unsigned i = 0; i < ARRAY_SIZE(kinds); i++)
		if (!strcmp(kinds[i].kind, kind))
			return &kinds[i].armed;
	return NULL;
}

int luo_inject_arm(const char *kind)
{
	bool *f = flag(kind);
	if (!f)
		return -EINVAL;
	*f = true;
	return 0;
}

/* Fire once: true if armed, and disarm. */
static bool fire(const char *kind)
{
	bool *f = flag(kind);
	bool armed = *f;
	*f = false;
	return armed;
}

static int on_memfd_preserve(void *ctx)
{
	(void)ctx;
	return fire("preserve") ? -EIO : 0;
}
FAULT_HANDLER("memfd.preserve", on_memfd_preserve);

static int on_memfd_freeze(void *ctx)
{
	struct memfd_luo_ser *s = ctx;
	if (fire("freeze"))
		return -EIO;
	if (fire("memfdsize")) {
		s->size = UINT64_MAX;
		s->nr_folios = 0;
	}
	return 0;
}
FAULT_HANDLER("memfd.freeze", on_memfd_freeze);

static int on_hugetlb_flb(void *ctx)
{
	(void)ctx;
	return fire("flb") ? -EBUSY : 0;
}
FAULT_HANDLER("hugetlb.flb", on_hugetlb_flb);

static int on_luo_serialized(void *ctx)
{
	struct luo_out_state *st = ctx;
	if (fire("version"))
		memcpy(st->ser->compatible, "luo-v4", 7);
	if (fire("short")) {
		kho_remove_subtree(st->ser_pa);
		kho_add_subtree(LUO_FDT_NAME, st->ser_pa, 16);
	}
	return 0;
}
FAULT_HANDLER("luo.serialized", on_luo_serialized);

/* What "hugetlb.kexec" broke, so that a failed kexec can mend it. */
static uint64_t *bad_entry, bad_entry_was;
static struct baton_hugetlb_pool_ser *bad_count;
static uint64_t bad_count_was;

static int on_hugetlb_kexec(void *ctx)
{
	struct hugetlb_kexec_ctx *k = ctx;
	for (int s = 0; s < NR_HUGE; s++)
		if (k->n[s] && fire("pfnlist")) {
			bad_entry = &k->list[s][0];
			bad_entry_was = *bad_entry;
			*bad_entry = palist_pa(*bad_entry) + PAGE_SIZE;   /* not aligned */
			break;
		}
	for (int s = 0; s < NR_HUGE; s++)
		if (k->n[s] && fire("pfncount")) {
			bad_count = &k->ser->pool[s];
			bad_count_was = bad_count->nr_folios;
			bad_count->nr_folios = 1ull << 61;           /* x 8 bytes wraps to 0 */
			break;
		}
	return 0;
}
FAULT_HANDLER("hugetlb.kexec", on_hugetlb_kexec);

static void mend(void)
{
	if (bad_entry)
		*bad_entry = bad_entry_was;
	if (bad_count)
		bad_count->nr_folios = bad_count_was;
	bad_entry = NULL;
	bad_count = NULL;
}
KEXEC_STEP("luo-inject", 21, NULL, mend);
