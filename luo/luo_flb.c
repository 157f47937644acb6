/*
 * File-Lifecycle-Bound global state (model in include/luo.h). Counts:
 *   out.count = preserved files (in any session) whose handler depends on the FLB;
 *     0 -> 1 runs preserve (a failure fails the file's preservation), 1 -> 0 runs
 *     unpreserve;
 *   in.count = the serialized count, plus one per luo_flb_get_incoming(); every
 *     dependent file's finish and every put drops one; at 0 the FLB is finished
 *     (retrieved first if nobody asked for it), and later gets give -ENODATA.
 * The incoming FLB page is read before any FLB registers (luo/luo_core.c), into a
 * table of its records; an FLB takes its record when it registers, so its incoming
 * data is there from then on (luo_flb_get_incoming in a LUO_REGISTER function works,
 * as in Linux, whose LUO reads the page before handlers register).
 */
#include <errno.h>
#include <kmalloc.h>
#include <printk.h>
#include <string.h>
#include "luo_internal.h"

static struct list_head flbs = LIST_HEAD_INIT(flbs);   /* luo_flb_private, in order */
static unsigned nflbs;

/* The incoming FLB page's records (checked by luo_ser_flb_read), until their FLBs
 * register. */
static struct { char name[LUO_FLB_COMPAT_LENGTH]; uint64_t data, count; } in_rec[LUO_FLB_MAX];
static unsigned nin_rec;

/* A newly registered FLB takes its incoming record, if there is one. */
static void take_incoming(struct luo_flb_private *p)
{
	for (unsigned i = 0; i < nin_rec; i++)
		if (!strcmp(in_rec[i].name, p->flb->compatible)) {
			p->in.present = true;
			p->in.data = in_rec[i].data;
			p->in.count = in_rec[i].count;
		}
}

static struct luo_flb *find(const char *compatible)
{
	struct luo_flb_private *p;
	list_for_each_entry(p, &flbs, list)
		if (!strcmp(p->flb->compatible, compatible))
			return p->flb;
	return NULL;
}

int luo_register_flb(struct luo_file_handler *h, struct luo_flb *flb)
{
	const struct luo_flb_ops *o = flb->ops;
	if (!o || !o->preserve || !o->unpreserve || !o->retrieve || !o->finish ||
	    !flb->compatible || !*flb->compatible ||
	    strlen(flb->compatible) >= LUO_FLB_COMPAT_LENGTH || !h->priv)
		return -EINVAL;
	struct luo_handler_private *hp = h->priv;
	for (unsigned i = 0; i < hp->nflb; i++)
		if (hp->flb[i] == flb)
			return -EEXIST;
	if (hp->nflb == LUO_HANDLER_FLB_MAX)
		return -ENOSPC;
	if (!flb->priv) {
		if (find(flb->compatible))
			return -EEXIST;
		if (nflbs == LUO_FLB_MAX)
			return -ENOSPC;
		struct luo_flb_private *p = kzalloc(sizeof(*p));
		if (!p)
			return -ENOMEM;
		p->flb = flb;
		flb->priv = p;
		list_add_tail(&p->list, &flbs);
		nflbs++;
		take_incoming(p);
	}
	hp->flb[hp->nflb++] = flb;
	return 0;
}

void luo_flb_state(const struct luo_flb *flb, struct luo_flb_state *st)
{
	const struct luo_flb_private *p = flb->priv;
	*st = p ? (struct luo_flb_state){ p->out.count, p->in.count, p->in.present,
					  p->in.finished }
		: (struct luo_flb_state){ 0 };
}

static void unpreserved_one(struct luo_flb *flb)
{
	struct luo_flb_private *f = flb->priv;
	if (--f->out.count == 0) {
		struct luo_flb_op_args a = { flb, f->out.data, f->out.obj };
		flb->ops->unpreserve(&a);
		f->out.data = 0;
		f->out.obj = NULL;
	}
}

int luo_flb_file_preserved(struct luo_file_handler *h)
{
	struct luo_handler_private *hp = h->priv;
	for (unsigned i = 0; i < hp->nflb; i++) {
		struct luo_flb *flb = hp->flb[i];
		struct luo_flb_private *f = flb->priv;
		if (f->out.count == 0) {
			struct luo_flb_op_args a = { flb, 0, NULL };
			int err = flb->ops->preserve(&a);
			if (err) {
				while (i-- > 0)                  /* roll back, in reverse */
					unpreserved_one(hp->flb[i]);
				return err;
			}
			f->out.data = a.data;
			f->out.obj = a.obj;
		}
		f->out.count++;
	}
	return 0;
}

void luo_flb_file_unpreserved(struct luo_file_handler *h)
{
	struct luo_handler_private *hp = h->priv;
	for (unsigned i = hp->nflb; i-- > 0;)
		unpreserved_one(hp->flb[i]);
}

int luo_flb_get_outgoing(struct luo_flb *flb, void **obj)
{
	const struct luo_flb_private *f = flb->priv;
	*obj = f && f->out.count ? f->out.obj : NULL;
	return 0;
}

static int retrieve(struct luo_flb *flb)
{
	struct luo_flb_private *f = flb->priv;
	if (f->in.retrieved)
		return 0;
	struct luo_flb_op_args a = { flb, f->in.data, NULL };
	int err = flb->ops->retrieve(&a);
	if (err)
		return err;
	f->in.obj = a.obj;
	f->in.retrieved = true;
	return 0;
}

static void drop(struct luo_flb *flb)
{
	struct luo_flb_private *f = flb->priv;
	if (!f->in.present || f->in.finished || f->in.count == 0)
		return;
	if (--f->in.count)
		return;
	if (retrieve(flb))
		printk("luo: warning: FLB %s could not be retrieved to finish it\n", flb->compatible);
	struct luo_flb_op_args a = { flb, f->in.data, f->in.obj };
	if (f->in.retrieved)
		flb->ops->finish(&a);
	f->in.finished = true;
	f->in.obj = NULL;
	f->in.data = 0;
}

int luo_flb_get_incoming(struct luo_flb *flb, void **obj)
{
	struct luo_flb_private *f = flb->priv;
	if (!f)
		return -EOPNOTSUPP;
	if (!f->in.present)
		return -ENOENT;
	if (f->in.finished)
		return -ENODATA;
	int err = retrieve(flb);
	if (err)
		return err;
	f->in.count++;
	*obj = f->in.obj;
	return 0;
}

void luo_flb_put_incoming(struct luo_flb *flb)
{
	drop(flb);
}

void luo_flb_file_finished(struct luo_file_handler *h)
{
	struct luo_handler_private *hp = h->priv;
	for (unsigned i = hp->nflb; i-- > 0;)
		drop(hp->flb[i]);
}

int luo_flb_serialize(void *page)
{
	luo_ser_flb_init(page);
	struct luo_flb_private *f;
	list_for_each_entry(f, &flbs, list) {
		if (!f->out.count)
			continue;
		int err = luo_ser_flb_add(page, f->flb->compatible, f->out.data, f->out.count);
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
	if (nin_rec == LUO_FLB_MAX)
		return 0;                      /* luo_ser_flb_read allows no more */
	strlcpy(in_rec[nin_rec].name, name, sizeof(in_rec[nin_rec].name));
	in_rec[nin_rec].data = data;
	in_rec[nin_rec].count = count;
	nin_rec++;
	return 0;
}

int luo_flb_read_incoming(const void *page, const char **why)
{
	nin_rec = 0;
	int err = luo_ser_flb_read(page, flb_incoming, NULL, why);
	if (err)
		nin_rec = 0;                   /* a bad page gives no FLB anything */
	return err;
}
