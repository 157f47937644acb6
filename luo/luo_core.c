/*
 * LUO core: the handler registry, sessions and files, and the luo-v5 state that
 * crosses the kexec (model in include/luo.h, bytes in include/abi/luo.h).
 *
 * Happy path (N):  create-session -> preserve (handler preserve, FLB 0->1) ...
 *                  kexec: freeze every file in order, write the session and file
 *                  block chains and the FLB page, point luo_ser at them.
 * Unhappy paths:   a preserve error leaves nothing behind (FLBs rolled back);
 *                  closing an outgoing session unpreserves its files, last first;
 *                  a freeze error unfreezes every frozen file in reverse, frees the
 *                  chains, and the kexec fails with that error - the system goes on.
 * N+1:             the state was checked before KHO accepted the handover
 *                  (luo_check_incoming); luo_init builds the incoming sessions;
 *                  retrieve-session -> retrieve (once per file, sticky errors) ->
 *                  finish (can_finish for all first; then finish every file, last
 *                  first, also those never retrieved; FLB references dropped).
 */
#include <errno.h>
#include <kexec.h>
#include <kho.h>
#include <kmalloc.h>
#include <layout.h>
#include <mm.h>
#include <printk.h>
#include <string.h>
#include <kho_block.h>
#include "../kho/kho_internal.h"
#include "luo_internal.h"
#include "luo_ser.h"

static struct luo_file_handler *handlers;
static struct luo_session *outgoing, *incoming;
static struct luo_session *outgoing_tail, *incoming_tail;   /* appends are O(1) */
static struct luo_ser *ser;                 /* outgoing, preserved since boot */
static paddr_t ser_pa, flb_page_pa;
static uint64_t liveupdate_num;             /* of this boot */
static const char *incoming_error;          /* set: every incoming access fails EIO */
static struct luo_ser_chains chains;        /* outgoing records, written in kexec */

/* ---- registry ---- */

int luo_register_file_handler(struct luo_file_handler *h)
{
	const struct luo_file_ops *o = h->ops;
	if (!o || !o->can_preserve || !o->preserve || !o->unpreserve || !o->retrieve ||
	    !o->finish || !h->compatible || !*h->compatible ||
	    strlen(h->compatible) >= LUO_HNDL_COMPAT_LENGTH)
		return -EINVAL;
	for (struct luo_file_handler *x = handlers; x; x = x->next)
		if (x == h || !strcmp(x->compatible, h->compatible))
			return -EEXIST;
	struct luo_file_handler **pp = &handlers;
	while (*pp)
		pp = &(*pp)->next;
	*pp = h;
	return 0;
}

static struct luo_file_handler *handler_by_compat(const char *c)
{
	for (struct luo_file_handler *h = handlers; h; h = h->next)
		if (!strcmp(h->compatible, c))
			return h;
	return NULL;
}

/* ---- sessions ---- */

static struct luo_session *find(struct luo_session *list, const char *name)
{
	for (struct luo_session *s = list; s; s = s->next)
		if (!strncmp(s->name, name, LUO_SESSION_NAME_LENGTH))
			return s;
	return NULL;
}

static int check_name(const char *name)
{
	size_t n = strnlen(name, LUO_SESSION_NAME_LENGTH);
	return n == 0 || n == LUO_SESSION_NAME_LENGTH ? -EINVAL : 0;
}

static void append_session(struct luo_session **list, struct luo_session *s)
{
	struct luo_session **tail = list == &outgoing ? &outgoing_tail : &incoming_tail;
	s->next = NULL;
	if (*list)
		(*tail)->next = s;
	else
		*list = s;
	*tail = s;
}

static void unlink_session(struct luo_session **list, struct luo_session *s)
{
	struct luo_session **tail = list == &outgoing ? &outgoing_tail : &incoming_tail;
	struct luo_session *prev = NULL;
	while (*list != s) {
		prev = *list;
		list = &(*list)->next;
	}
	*list = s->next;
	if (*tail == s)
		*tail = prev;
}

int luo_create_session(const char *name)
{
	if (check_name(name))
		return -EINVAL;
	if (find(outgoing, name))
		return -EEXIST;
	struct luo_session *s = kzalloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	strlcpy(s->name, name, sizeof(s->name));
	append_session(&outgoing, s);
	return 0;
}

bool luo_session_exists(const char *name)
{
	return find(outgoing, name) || find(incoming, name);
}

unsigned luo_session_count(void)
{
	unsigned n = 0;
	for (struct luo_session *s = outgoing; s; s = s->next)
		n++;
	for (struct luo_session *s = incoming; s; s = s->next)
		n++;
	return n;
}

/* ---- files (kernel N) ---- */

bool luo_is_preserved(const void *obj)
{
	for (struct luo_session *s = outgoing; s; s = s->next)
		for (struct luo_file *f = s->files; f; f = f->next)
			if (f->args.file.obj == obj)
				return true;
	return false;
}

int luo_preserve(const char *session, const struct luo_fileref *ref, uint64_t token)
{
	struct luo_session *s = find(outgoing, session);
	if (!s)
		return find(incoming, session) ? -EINVAL : -ENOENT;
	for (struct luo_file *f = s->files; f; f = f->next)
		if (f->token == token)
			return -EEXIST;
	if (!ref->obj)
		return -EBADF;
	struct luo_file_handler *h = handlers;
	while (h && !h->ops->can_preserve(h, ref))
		h = h->next;
	if (!h)
		return -ENOENT;
	if (luo_is_preserved(ref->obj))
		return -EBUSY;
	struct luo_file *f = kzalloc(sizeof(*f));
	if (!f)
		return -ENOMEM;
	int err = luo_flb_file_preserved(h);
	if (err) {
		kfree(f);
		return err;
	}
	f->fh = h;
	f->token = token;
	strlcpy(f->compatible, h->compatible, sizeof(f->compatible));
	f->args = (struct luo_file_op_args){ .handler = h, .file = *ref };
	err = h->ops->preserve(&f->args);
	if (err) {
		luo_flb_file_unpreserved(h);
		kfree(f);
		return err;
	}
	if (s->tail)
		s->tail->next = f;
	else
		s->files = f;
	s->tail = f;
	s->nfiles++;
	return 0;
}

/* Unpreserve the files of an outgoing session, last first, and free it. */
static void destroy_outgoing(struct luo_session *s)
{
	while (s->files) {
		struct luo_file *prev = NULL, *f = s->files;
		while (f->next)
			prev = f, f = f->next;
		f->fh->ops->unpreserve(&f->args);
		luo_flb_file_unpreserved(f->fh);
		if (prev)
			prev->next = NULL;
		else
			s->files = NULL;
		kfree(f);
	}
	unlink_session(&outgoing, s);
	kfree(s);
}

/* ---- files (kernel N+1) ---- */

int luo_retrieve_session(const char *name, uint64_t *nfiles)
{
	if (incoming_error)
		return -EIO;
	struct luo_session *s = find(incoming, name);
	if (!s)
		return -ENOENT;
	if (s->retrieved)
		return -EINVAL;
	s->retrieved = true;
	*nfiles = s->nfiles;
	return 0;
}

int luo_retrieve(const char *session, uint64_t token, const char *name, struct luo_fileref *out)
{
	if (incoming_error)
		return -EIO;
	struct luo_session *s = find(incoming, session);
	if (!s || !s->retrieved)
		return s || find(outgoing, session) ? -EINVAL : -ENOENT;
	struct luo_file *f = s->files;
	while (f && f->token != token)
		f = f->next;
	if (!f || f->finished)
		return -ENOENT;
	if (f->args.retrieve_status < 0)
		return f->args.retrieve_status;          /* sticky */
	if (f->args.retrieve_status == 0) {
		f->args.retrieve_name = name;
		int err = f->fh->ops->retrieve(&f->args);
		f->args.retrieve_status = err ? err : 1;
		if (err)
			return err;
	}
	*out = f->args.file;
	return 0;
}

static void destroy_incoming(struct luo_session *s)
{
	while (s->files) {
		struct luo_file *f = s->files;
		s->files = f->next;
		kfree(f);
	}
	unlink_session(&incoming, s);
	kfree(s);
}

int luo_finish(const char *session)
{
	if (incoming_error)
		return -EIO;
	struct luo_session *s = find(incoming, session);
	if (!s || !s->retrieved)
		return s || find(outgoing, session) ? -EINVAL : -ENOENT;
	for (struct luo_file *f = s->files; f; f = f->next)
		if (f->fh->ops->can_finish && !f->fh->ops->can_finish(&f->args))
			return -EBUSY;
	/* Finish last-preserved first (files form a singly linked list: reverse it). */
	struct luo_file *rev = NULL;
	while (s->files) {
		struct luo_file *f = s->files;
		s->files = f->next;
		f->next = rev;
		rev = f;
	}
	s->files = rev;
	for (struct luo_file *f = s->files; f; f = f->next) {
		f->fh->ops->finish(&f->args);
		f->finished = true;
		luo_flb_file_finished(f->fh);
	}
	destroy_incoming(s);
	return 0;
}

int luo_close_session(const char *name)
{
	struct luo_session *s = find(outgoing, name);
	if (s) {
		destroy_outgoing(s);
		return 0;
	}
	s = find(incoming, name);
	if (!s)
		return -ENOENT;
	if (!s->retrieved)
		return -EINVAL;                      /* only a retrieved session has a "fd" */
	return luo_finish(name);
}

static const char *file_state(const struct luo_session *s, const struct luo_file *f)
{
	if (!s->incoming)
		return f->frozen ? "frozen" : "preserved";
	if (f->args.retrieve_status > 0)
		return "retrieved";
	return f->args.retrieve_status < 0 ? "failed" : "incoming";
}

void luo_list(void)
{
	const struct luo_session *lists[2] = { outgoing, incoming };
	for (int l = 0; l < 2; l++)
		for (const struct luo_session *s = lists[l]; s; s = s->next) {
			printk("  %s session %s files=%llu%s\n", s->incoming ? "incoming" : "outgoing",
			       s->name, (unsigned long long)s->nfiles,
			       s->incoming && s->retrieved ? " retrieved" : "");
			for (const struct luo_file *f = s->files; f; f = f->next)
				printk("    file token=%llu handler=%s state=%s\n",
				       (unsigned long long)f->token, f->compatible, file_state(s, f));
		}
}

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

static void unfreeze_all(void)
{
	/* Last session first, last file first. Sessions and files are few next to the
	 * cost of a kexec: a quadratic reverse walk keeps this failure path free of
	 * allocation. */
	for (struct luo_session *last = NULL;;) {
		struct luo_session *s = outgoing, *pick = NULL;
		for (; s && s != last; s = s->next)
			pick = s;
		if (!pick)
			break;
		for (struct luo_file *lastf = NULL;;) {
			struct luo_file *f = pick->files, *pf = NULL;
			for (; f && f != lastf; f = f->next)
				pf = f;
			if (!pf)
				break;
			if (pf->frozen && pf->fh->ops->unfreeze)
				pf->fh->ops->unfreeze(&pf->args);
			pf->frozen = false;
			lastf = pf;
		}
		last = pick;
	}
}

static void luo_undo(void)
{
	unfreeze_all();
	luo_ser_free(&chains);
	if (ser) {
		ser->sessions_pa = 0;
		luo_flb_unserialize(phys_to_virt(flb_page_pa));
	}
}

static int luo_serialize(void)
{
	if (!ser)
		return 0;                            /* LUO off this boot */
	for (struct luo_session *s = outgoing; s; s = s->next)
		for (struct luo_file *f = s->files; f; f = f->next) {
			int err = f->fh->ops->freeze ? f->fh->ops->freeze(&f->args) : 0;
			if (err) {
				printk("luo: freeze of token %llu in session %s failed (%d)\n",
				       (unsigned long long)f->token, s->name, err);
				luo_undo();
				return err;
			}
			f->frozen = true;
		}
	luo_ser_chains_init(&chains, block_alloc, block_free, NULL);
	int err = 0;
	for (struct luo_session *s = outgoing; s && !err; s = s->next) {
		for (struct luo_file *f = s->files; f && !err; f = f->next)
			err = luo_ser_add_file(&chains, f->compatible, f->args.serialized_data,
					       f->token);
		if (!err)
			err = luo_ser_add_session(&chains, s->name);
	}
	if (!err)
		err = luo_flb_serialize(phys_to_virt(flb_page_pa));
	if (err) {
		luo_undo();
		return err;
	}
	ser->sessions_pa = chains.sessions.first;
	if (luo_test_fail("version"))               /* `luo inject version` */
		memcpy(ser->compatible, "luo-v4", 7);
	if (luo_test_fail("short")) {               /* `luo inject short` */
		kho_remove_subtree(ser_pa);
		kho_add_subtree(LUO_FDT_NAME, ser_pa, 16);
	}
	return 0;
}
KEXEC_STEP("luo", 10, luo_serialize, luo_undo);

/* ---- boot ---- */

uint64_t luo_liveupdate_number(void)
{
	return liveupdate_num;
}

const char *luo_check_incoming(const void *fdt, bool (*preserved)(paddr_t, uint64_t))
{
	paddr_t pa;
	uint64_t size;
	const char *why;
	if (kho_fdt_get_subtree(fdt, LUO_FDT_NAME, &pa, &size))
		return NULL;                         /* no LUO state: nothing to check */
	return luo_ser_check(pa, size, preserved, &why) ? why : NULL;
}

/* ---- building the incoming sessions (the state was checked) ---- */

static int build_file(const char *compatible, uint64_t data, uint64_t token, void *arg)
{
	struct luo_session *s = *(struct luo_session **)arg;
	struct luo_file *f = kzalloc(sizeof(*f));
	if (!f)
		return -ENOMEM;
	strlcpy(f->compatible, compatible, sizeof(f->compatible));
	f->token = token;
	f->fh = handler_by_compat(f->compatible);
	f->args = (struct luo_file_op_args){ .handler = f->fh, .serialized_data = data };
	if (!f->fh && !incoming_error)
		incoming_error = "a preserved file has no handler here";
	if (s->tail)
		s->tail->next = f;
	else
		s->files = f;
	s->tail = f;
	s->nfiles++;
	return 0;
}

static int build_session(const char *name, uint64_t nfiles, void *arg)
{
	(void)nfiles;
	struct luo_session *s = kzalloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	strlcpy(s->name, name, sizeof(s->name));
	s->incoming = true;
	append_session(&incoming, s);
	*(struct luo_session **)arg = s;            /* its files come next */
	return 0;
}

static void release_page(paddr_t pa, void *arg)
{
	(void)arg;
	kho_restore_free(pa);
}

static void read_incoming(void)
{
	paddr_t pa;
	uint64_t size;
	if (kho_retrieve_subtree(LUO_FDT_NAME, &pa, &size))
		return;
	const struct luo_ser *in = phys_to_virt(pa);
	liveupdate_num = in->liveupdate_num;
	const char *why = NULL;
	int err = luo_flb_read_incoming(phys_to_virt(in->flbs_pa), &why);
	if (!err) {
		static const struct luo_ser_read_ops ops = { .session = build_session,
							     .file = build_file };
		struct luo_session *cur = NULL;
		err = luo_ser_read(pa, kho_is_preserved, &ops, &cur, &why);
	}
	if (err && !incoming_error)
		incoming_error = why ? why : "out of memory reading the incoming sessions";
	if (incoming_error)
		printk("luo: warning: incoming sessions unusable: %s; their memory stays "
		       "reserved until the next cold boot\n", incoming_error);
	luo_ser_release(pa, release_page, NULL);
}

void luo_init(void)
{
	if (kho_is_boot())
		read_incoming();
	liveupdate_num = kho_is_boot() ? liveupdate_num + 1 : 0;
	if (kho_alloc_preserve_meta(sizeof(*ser), &ser_pa) || kho_alloc_preserve_meta(KHO_BLOCK_SIZE, &flb_page_pa) ||
	    kho_add_subtree(LUO_FDT_NAME, ser_pa, sizeof(*ser))) {
		printk("luo: warning: cannot set up the outgoing state; live update of sessions is off\n");
		ser = NULL;
		return;
	}
	ser = phys_to_virt(ser_pa);
	luo_ser_init(ser, liveupdate_num, flb_page_pa);
	luo_ser_flb_init(phys_to_virt(flb_page_pa));
}
