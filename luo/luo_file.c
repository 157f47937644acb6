/*
 * LUO files: the handler registry, and the life of a preserved file inside its
 * session (the model is include/luo.h's, the lists luo/luo_internal.h's).
 *
 *   kernel N:   preserve (FLBs 0->1 first, then the handler; a failure undoes the
 *               FLBs, nothing stays) -> freeze at kexec (in order; a failure
 *               unfreezes the frozen ones, last first) -> unpreserve when its
 *               session is closed (last preserved first).
 *   kernel N+1: an incoming record per file -> retrieve (once; its error is
 *               sticky) -> finish with the session (last preserved first, also the
 *               files never retrieved, then the FLB references are dropped).
 * A file whose compatible no handler here takes makes the whole incoming state
 * unusable (luo_session_incoming_failed), as Linux refuses it.
 */
#include <errno.h>
#include <kmalloc.h>
#include <printk.h>
#include <string.h>
#include "luo_internal.h"

static struct list_head handlers = LIST_HEAD_INIT(handlers);

int luo_register_file_handler(struct luo_file_handler *h)
{
	const struct luo_file_ops *o = h->ops;
	if (!o || !o->can_preserve || !o->preserve || !o->unpreserve || !o->retrieve ||
	    !o->finish || !h->compatible || !*h->compatible ||
	    strlen(h->compatible) >= LUO_HNDL_COMPAT_LENGTH)
		return -EINVAL;
	if (h->priv || luo_file_handler_find(h->compatible))
		return -EEXIST;
	struct luo_handler_private *p = kzalloc(sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->h = h;
	h->priv = p;
	list_add_tail(&p->list, &handlers);
	return 0;
}

struct luo_file_handler *luo_file_handler_find(const char *compatible)
{
	struct luo_handler_private *p;
	list_for_each_entry(p, &handlers, list)
		if (!strcmp(p->h->compatible, compatible))
			return p->h;
	return NULL;
}

struct luo_file_handler *luo_file_handler_for(const struct luo_fileref *ref)
{
	struct luo_handler_private *p;
	list_for_each_entry(p, &handlers, list)
		if (p->h->ops->can_preserve(p->h, ref))
			return p->h;
	return NULL;
}

struct luo_file *luo_file_find(struct luo_session *s, uint64_t token)
{
	struct luo_file *f;
	list_for_each_entry(f, &s->files, list)
		if (f->token == token)
			return f;
	return NULL;
}

/* ---- kernel N ---- */

int luo_file_preserve(struct luo_session *s, struct luo_file_handler *h,
		      const struct luo_fileref *ref, uint64_t token)
{
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
	list_add_tail(&f->list, &s->files);
	s->nfiles++;
	return 0;
}

void luo_file_unpreserve_all(struct luo_session *s)
{
	struct luo_file *f, *tmp;
	list_for_each_entry_safe_reverse(f, tmp, &s->files, list) {
		f->fh->ops->unpreserve(&f->args);
		luo_flb_file_unpreserved(f->fh);
		list_del(&f->list);
		kfree(f);
	}
	s->nfiles = 0;
}

static void unfreeze(struct luo_file *f)
{
	if (f->frozen && f->fh->ops->unfreeze)
		f->fh->ops->unfreeze(&f->args);
	f->frozen = false;
}

int luo_file_freeze_all(struct luo_session *s)
{
	struct luo_file *f;
	list_for_each_entry(f, &s->files, list) {
		int err = f->fh->ops->freeze ? f->fh->ops->freeze(&f->args) : 0;
		if (err) {
			printk("luo: freeze of token %llu in session %s failed (%d)\n",
			       (unsigned long long)f->token, s->name, err);
			list_for_each_entry_continue_reverse(f, &s->files, list)
				unfreeze(f);
			return err;
		}
		f->frozen = true;
	}
	return 0;
}

void luo_file_unfreeze_all(struct luo_session *s)
{
	struct luo_file *f;
	list_for_each_entry_reverse(f, &s->files, list)
		unfreeze(f);
}

int luo_file_serialize(struct luo_session *s, struct luo_ser_chains *c)
{
	struct luo_file *f;
	list_for_each_entry(f, &s->files, list) {
		int err = luo_ser_add_file(c, f->compatible, f->args.serialized_data, f->token);
		if (err)
			return err;
	}
	return 0;
}

/* ---- kernel N+1 ---- */

int luo_file_add_incoming(struct luo_session *s, const char *compatible, uint64_t data,
			  uint64_t token, bool *no_handler)
{
	struct luo_file *f = kzalloc(sizeof(*f));
	if (!f)
		return -ENOMEM;
	strlcpy(f->compatible, compatible, sizeof(f->compatible));
	f->token = token;
	f->fh = luo_file_handler_find(f->compatible);
	f->args = (struct luo_file_op_args){ .handler = f->fh, .serialized_data = data };
	*no_handler = !f->fh;
	list_add_tail(&f->list, &s->files);
	s->nfiles++;
	return 0;
}

int luo_file_retrieve(struct luo_file *f, const char *name, struct luo_fileref *out)
{
	if (f->args.retrieve_status < 0)
		return f->args.retrieve_status;          /* sticky */
	if (f->args.retrieve_status == 0) {
		f->args.retrieve_name = name;
		int err = f->fh->ops->check_name ? f->fh->ops->check_name(&f->args) : 0;
		if (err)
			return err;                      /* nothing consumed: not sticky */
		err = f->fh->ops->retrieve(&f->args);
		f->args.retrieve_status = err ? err : 1;
		if (err)
			return err;
	}
	*out = f->args.file;
	return 0;
}

int luo_file_can_finish_all(struct luo_session *s)
{
	struct luo_file *f;
	list_for_each_entry(f, &s->files, list)
		if (f->fh->ops->can_finish && !f->fh->ops->can_finish(&f->args))
			return -EBUSY;
	return 0;
}

void luo_file_finish_all(struct luo_session *s)
{
	struct luo_file *f;
	list_for_each_entry_reverse(f, &s->files, list) {
		f->fh->ops->finish(&f->args);
		f->finished = true;
		luo_flb_file_finished(f->fh);
	}
	luo_file_free_all(s);
}

void luo_file_free_all(struct luo_session *s)
{
	struct luo_file *f, *tmp;
	list_for_each_entry_safe(f, tmp, &s->files, list) {
		list_del(&f->list);
		kfree(f);
	}
	s->nfiles = 0;
}
