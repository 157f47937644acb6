/*
 * LUO core: boot and the kexec step (model in include/luo.h, bytes in
 * include/abi/luo.h, the other files in luo/luo_internal.h).
 *
 * Boot (N+1):  KHO already ran check_incoming on LUO's subtree before it accepted
 *              the handover, so the state read here is sound. The FLB page is read
 *              first (as Linux reads it before any handler registers, so that an
 *              FLB finds its incoming data when it registers), then every
 *              LUO_REGISTER runs (handlers and FLBs), then the sessions and their
 *              files are read (luo/luo_session.c builds them, with their handlers),
 *              then the state's pages go back. Then the outgoing luo_ser, preserved
 *              for the whole boot.
 * The number: liveupdate_num in luo_ser is the number the *next* kernel takes as
 *              its own, as Linux stores it: a kernel writes its own number + 1 (a
 *              cold-booted kernel, number 0, writes 1), and takes the incoming value
 *              as it is.
 * kexec (N):   freeze every outgoing file (sessions in order), write the session
 *              and file chains and the FLB page, point luo_ser at them. Any
 *              failure undoes all of it, last first, and the kexec fails with
 *              that error: the system goes on.
 */
#include <errno.h>
#include <fault_inject.h>
#include <kexec_step.h>
#include <kho.h>
#include <kmalloc.h>
#include <layout.h>
#include <printk.h>
#include <string.h>
#include "luo_internal.h"

static struct luo_ser *ser;                 /* outgoing, preserved since boot */
static paddr_t ser_pa, flb_page_pa;
static uint64_t liveupdate_num;             /* of this boot: 0 cold, else as handed over */
static struct luo_ser_chains chains;        /* outgoing records, written in kexec */

/* ---- the kexec step: freeze and serialize ---- */

static paddr_t block_alloc(void *ctx)
{
	paddr_t pa;
	(void)ctx;
	return kho_alloc_preserve(KHO_BLOCK_SIZE, &pa) ? 0 : pa;
}

static void block_free(paddr_t pa, void *ctx)
{
	(void)ctx;
	kho_unpreserve_free(pa);
}

static void unserialize(void)
{
	luo_ser_free(&chains);
	if (ser) {
		ser->sessions_pa = 0;
		luo_flb_unserialize(kho_phys_to_virt(flb_page_pa));
	}
}

static void luo_undo(void)
{
	luo_session_unfreeze_all();
	unserialize();
}

static int luo_serialize(void)
{
	if (!ser)
		return 0;                            /* LUO off this boot */
	int err = luo_session_freeze_all();      /* unwinds itself on failure */
	if (err)
		return err;
	luo_ser_chains_init(&chains, block_alloc, block_free, NULL);
	err = luo_session_serialize(&chains);
	if (!err)
		err = luo_flb_serialize(kho_phys_to_virt(flb_page_pa));
	if (!err) {
		ser->sessions_pa = chains.sessions.first;
		/* Test instruments may break the state here (`luo inject short|version`):
		 * ctx is the struct luo_out_state below. */
		struct luo_out_state st = { ser, ser_pa };
		err = fault_hook("luo.serialized", &st);
	}
	if (err)
		luo_undo();
	return err;
}
KEXEC_STEP("luo", 10, luo_serialize, luo_undo);

/* ---- boot ---- */

uint64_t luo_liveupdate_number(void)
{
	return liveupdate_num;
}

/* KHO's incoming check of LUO's subtree (include/kho.h): is the state well formed? */
static const char *check_incoming(paddr_t pa, uint64_t size, bool (*preserved)(paddr_t, uint64_t))
{
	const char *why;
	return luo_ser_check(pa, size, preserved, &why) ? why : NULL;
}
KHO_IN_CHECK(LUO_FDT_NAME, check_incoming);

static void release_page(paddr_t pa, void *arg)
{
	(void)arg;
	kho_restore_free(pa);
}

/* The incoming luo_ser (checked by check_incoming), or NULL on a cold boot. */
static const struct luo_ser *incoming(paddr_t *pa)
{
	uint64_t size;
	if (!kho_is_boot() || kho_retrieve_subtree(LUO_FDT_NAME, pa, &size))
		return NULL;
	return kho_phys_to_virt(*pa);
}

/* Before the registrations: the number, and the FLB page's records (luo_flb.c keeps
 * them for the FLBs that register next). */
static void read_incoming_flbs(void)
{
	paddr_t pa;
	const struct luo_ser *in = incoming(&pa);
	if (!in)
		return;
	liveupdate_num = in->liveupdate_num;
	const char *why = NULL;
	if (luo_flb_read_incoming(kho_phys_to_virt(in->flbs_pa), &why))
		luo_session_incoming_failed(why ? why : "out of memory reading the incoming FLBs");
}

/* After the registrations: the sessions and their files; then the pages go back. */
static void read_incoming_sessions(void)
{
	paddr_t pa;
	if (!incoming(&pa))
		return;
	if (!luo_session_incoming_error()) {
		const char *why = NULL;
		struct luo_session *cur = NULL;
		if (luo_ser_read(pa, kho_is_preserved, &luo_session_read_ops, &cur, &why))
			luo_session_incoming_failed(why ? why : "out of memory reading the incoming sessions");
	}
	if (luo_session_incoming_error())
		printk("luo: warning: incoming sessions unusable: %s; their memory stays "
		       "reserved until the next cold boot\n", luo_session_incoming_error());
	luo_ser_release(pa, release_page, NULL);
}

extern const struct luo_register __luo_register_start[], __luo_register_end[];

static void run_registrations(void)
{
	for (const struct luo_register *r = __luo_register_start; r < __luo_register_end; r++) {
		int err = r->fn();
		if (err)
			printk("luo: warning: %s failed (%d)\n", r->name, err);
	}
}

/* luo_ser and the FLB page, preserved for the whole boot and named in the FDT; all
 * or nothing. */
static int setup_outgoing(void)
{
	int err = kho_alloc_preserve_meta(sizeof(*ser), &ser_pa);
	if (err)
		return err;
	err = kho_alloc_preserve_meta(KHO_BLOCK_SIZE, &flb_page_pa);
	if (!err) {
		err = kho_add_subtree(LUO_FDT_NAME, ser_pa, sizeof(*ser));
		if (err)
			kho_unpreserve_free_meta(flb_page_pa);
	}
	if (err)
		kho_unpreserve_free_meta(ser_pa);
	return err;
}

void luo_init(void)
{
	read_incoming_flbs();
	run_registrations();
	read_incoming_sessions();
	/* What the next kernel takes as its number; saturated, as the incoming value is
	 * untrusted and must not wrap to a cold boot's 0. */
	uint64_t next = liveupdate_num == UINT64_MAX ? UINT64_MAX : liveupdate_num + 1;
	if (setup_outgoing()) {
		printk("luo: warning: cannot set up the outgoing state; live update of sessions is off\n");
		ser = NULL;
		return;
	}
	ser = kho_phys_to_virt(ser_pa);
	luo_ser_init(ser, next, flb_page_pa);
	luo_ser_flb_init(kho_phys_to_virt(flb_page_pa));
}
