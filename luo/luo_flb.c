/*
 * File-Lifecycle-Bound global state (model in include/luo.h). Counts:
 *   out.count = preserved files (in any session) whose handler depends on the FLB;
 *     0 -> 1 runs preserve (a failure fails the file's preservation), 1 -> 0 runs
 *     unpreserve;
 *   in.count = the serialized count, plus one per luo_flb_get_incoming(); every
 *     dependent file's finish and every put drops one; at 0 the FLB is finished
 *     (retrieved first if nobody asked for it), and later gets give -ENODATA.
 */
#include <errno.h>
#include <string.h>
#include <printk.h>
#include "luo_internal.h"

static struct luo_flb *flbs;        /* registered, in registration order */
static unsigned nflbs;

struct luo_flb *luo_flb_first(void)
{
	return flbs;
}

int luo_register_flb(struct luo_file_handler *h, struct luo_flb *flb)
{
	const struct luo_flb_ops *o = flb->ops;
	if (!o || !o->preserve || !o->unpreserve || !o->retrieve || !o->finish ||
	    !flb->compatible || !*flb->compatible ||
	    strlen(flb->compatible) >= LUO_FLB_COMPAT_LENGTH)
		return -EINVAL;
	for (unsigned i = 0; i < h->nflb; i++)
		if (h->flb[i] == flb)
			return -EEXIST;
	if (h->nflb == LUO_HANDLER_FLB_MAX)
		return -ENOSPC;
	if (!flb->registered) {
		for (struct luo_flb *f = flbs; f; f = f->next)
			if (!strcmp(f->compatible, flb->compatible))
				return -EEXIST;
		if (nflbs == LUO_FLB_MAX)
			return -ENOSPC;
		struct luo_flb **pp = &flbs;
		while (*pp)
			pp = &(*pp)->next;
		*pp = flb;
		flb->registered = true;
		nflbs++;
	}
	h->flb[h->nflb++] = flb;
	return 0;
}

int luo_flb_file_preserved(struct luo_file_handler *h)
{
	for (unsigned i = 0; i < h->nflb; i++) {
		struct luo_flb *f = h->flb[i];
		if (f->out.count == 0) {
			struct luo_flb_op_args a = { f, 0, NULL };
			int err = f->ops->preserve(&a);
			if (err) {
				while (i-- > 0)                  /* roll back, in reverse */
					luo_flb_file_unpreserved_one(h->flb[i]);
				return err;
			}
			f->out.data = a.data;
			f->out.obj = a.obj;
		}
		f->out.count++;
	}
	return 0;
}

void luo_flb_file_unpreserved_one(struct luo_flb *f)
{
	if (--f->out.count == 0) {
		struct luo_flb_op_args a = { f, f->out.data, f->out.obj };
		f->ops->unpreserve(&a);
		f->out.data = 0;
		f->out.obj = NULL;
	}
}

void luo_flb_file_unpreserved(struct luo_file_handler *h)
{
	for (unsigned i = h->nflb; i-- > 0;)
		luo_flb_file_unpreserved_one(h->flb[i]);
}

int luo_flb_get_outgoing(struct luo_flb *flb, void **obj)
{
	*obj = flb->out.count ? flb->out.obj : NULL;
	return 0;
}

static int retrieve(struct luo_flb *f)
{
	if (f->in.retrieved)
		return 0;
	struct luo_flb_op_args a = { f, f->in.data, NULL };
	int err = f->ops->retrieve(&a);
	if (err)
		return err;
	f->in.obj = a.obj;
	f->in.retrieved = true;
	return 0;
}

static void drop(struct luo_flb *f)
{
	if (!f->in.present || f->in.finished || f->in.count == 0)
		return;
	if (--f->in.count)
		return;
	if (retrieve(f))
		printk("luo: warning: FLB %s could not be retrieved to finish it\n", f->compatible);
	struct luo_flb_op_args a = { f, f->in.data, f->in.obj };
	if (f->in.retrieved)
		f->ops->finish(&a);
	f->in.finished = true;
	f->in.obj = NULL;
	f->in.data = 0;
}

int luo_flb_get_incoming(struct luo_flb *flb, void **obj)
{
	if (!flb->registered)
		return -EOPNOTSUPP;
	if (!flb->in.present)
		return -ENOENT;
	if (flb->in.finished)
		return -ENODATA;
	int err = retrieve(flb);
	if (err)
		return err;
	flb->in.count++;
	*obj = flb->in.obj;
	return 0;
}

void luo_flb_put_incoming(struct luo_flb *flb)
{
	drop(flb);
}

void luo_flb_file_finished(struct luo_file_handler *h)
{
	for (unsigned i = h->nflb; i-- > 0;)
		drop(h->flb[i]);
}

int luo_flb_serialize(void *page)
{
	struct luo_flb_header_ser *hdr = page;
	struct luo_flb_ser *e = (struct luo_flb_ser *)(hdr + 1);
	hdr->pgcnt = 1;
	hdr->count = 0;
	for (struct luo_flb *f = flbs; f; f = f->next) {
		if (!f->out.count)
			continue;
		memset(&e[hdr->count], 0, sizeof(e[0]));
		strlcpy(e[hdr->count].name, f->compatible, sizeof(e[0].name));
		e[hdr->count].data = f->out.data;
		e[hdr->count].count = f->out.count;
		hdr->count++;
	}
	return 0;
}

void luo_flb_unserialize(void *page)
{
	((struct luo_flb_header_ser *)page)->count = 0;
}

int luo_flb_read_incoming(const void *page, const char **why)
{
	const struct luo_flb_header_ser *hdr = page;
	const struct luo_flb_ser *e = (const struct luo_flb_ser *)(hdr + 1);
	if (hdr->pgcnt != 1 || hdr->count > LUO_FLB_MAX) {
		*why = "FLB page header";
		return -EINVAL;
	}
	for (uint64_t i = 0; i < hdr->count; i++) {
		if (strnlen(e[i].name, sizeof(e[i].name)) == sizeof(e[i].name) || !e[i].count) {
			*why = "FLB record";
			return -EINVAL;
		}
		for (struct luo_flb *f = flbs; f; f = f->next)
			if (!strcmp(f->compatible, e[i].name)) {
				f->in.present = true;
				f->in.data = e[i].data;
				f->in.count = e[i].count;
			}
	}
	return 0;
}
