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
#include "luo_ser.h"

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
	luo_ser_flb_init(page);
	for (struct luo_flb *f = flbs; f; f = f->next) {
		if (!f->out.count)
			continue;
		int err = luo_ser_flb_add(page, f->compatible, f->out.data, f->out.count);
		if (err)
			return err;
	}
	return 0;
}

void luo_flb_unserialize(void *page)
{
	((struct luo_flb_header_ser *)page)->count = 0;
}

static int flb_incoming(const char *name, uint64_t data, uint64_t count, void *arg)
{
	(void)arg;
	for (struct luo_flb *f = flbs; f; f = f->next)
		if (!strcmp(f->compatible, name)) {
			f->in.present = true;
			f->in.data = data;
			f->in.count = count;
		}
	return 0;
}

int luo_flb_read_incoming(const void *page, const char **why)
{
	return luo_ser_flb_read(page, flb_incoming, NULL, why);
}
