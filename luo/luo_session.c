/*
 * LUO sessions (model in include/luo.h): named sets of preserved files, the unit
 * the console (for Linux, /dev/liveupdate) works with.
 *
 *   outgoing:  create-session -> preserve files -> [close-session: unpreserve them,
 *              last first] -> at kexec every session's files are frozen, sessions
 *              in creation order (a failure unfreezes all that were frozen, last
 *              first) and written as records.
 *   incoming:  built at boot from the checked state -> retrieve-session (once) ->
 *              retrieve files -> finish (or close-session, the same for a retrieved
 *              session): every file finished, the session gone.
 * While the outgoing files are frozen (a handover is built: `kexec finalize`, or an
 * exec on its way), the outgoing sessions do not change: create, preserve and close
 * give -EBUSY until the freeze is undone, so the records in memory always describe
 * them. A session name is 1..63 bytes and unique among the outgoing sessions. If the
 * incoming state could not be read whole, every incoming access fails with -EIO
 * and its memory stays reserved (luo_session_incoming_failed).
 *
 * Locking: one spin lock (interrupts off) around each verb (create, preserve,
 * retrieve-session, retrieve, finish, close), so any CPU may call them; handlers'
 * callbacks run under it and may call KHO, the allocators and the FLB accessors,
 * never a verb. The freeze and serialization run in the kexec path with every
 * other CPU parked.
 */
#include <errno.h>
#include <kmalloc.h>
#include <printk.h>
#include <spinlock.h>
#include <string.h>
#include "luo_internal.h"

static struct spinlock luo_lock = SPINLOCK_INIT;
static struct list_head outgoing = LIST_HEAD_INIT(outgoing);
static struct list_head incoming = LIST_HEAD_INIT(incoming);
static const char *incoming_error;
static bool frozen;             /* every outgoing file frozen: a handover is built */

static struct luo_session *find(struct list_head *list, const char *name)
{
	struct luo_session *s;
	list_for_each_entry(s, list, list)
		if (!strncmp(s->name, name, LUO_SESSION_NAME_LENGTH))
			return s;
	return NULL;
}

static int check_name(const char *name)
{
	size_t n = strnlen(name, LUO_SESSION_NAME_LENGTH);
	return n == 0 || n == LUO_SESSION_NAME_LENGTH ? -EINVAL : 0;
}

static struct luo_session *new_session(const char *name, bool in)
{
	struct luo_session *s = kzalloc(sizeof(*s));
	if (!s)
		return NULL;
	strlcpy(s->name, name, sizeof(s->name));
	s->incoming = in;
	list_init(&s->files);
	list_add_tail(&s->list, in ? &incoming : &outgoing);
	return s;
}

static void free_session(struct luo_session *s)
{
	list_del(&s->list);
	kfree(s);
}

bool luo_frozen(void)
{
	return frozen;
}

static int create_session_locked(const char *name)
{
	if (frozen)
		return -EBUSY;
	if (check_name(name))
		return -EINVAL;
	if (find(&outgoing, name))
		return -EEXIST;
	return new_session(name, false) ? 0 : -ENOMEM;
}

bool luo_session_exists(const char *name)
{
	return find(&outgoing, name) || find(&incoming, name);
}

void luo_session_state(const char *name, struct luo_session_state *st)
{
	const struct luo_session *in = find(&incoming, name);
	*st = (struct luo_session_state){ find(&outgoing, name) != NULL, in != NULL,
					  in && in->retrieved };
}

unsigned luo_session_count(void)
{
	unsigned n = 0;
	struct luo_session *s;
	list_for_each_entry(s, &outgoing, list)
		n++;
	list_for_each_entry(s, &incoming, list)
		n++;
	return n;
}

/* ---- kernel N ---- */

bool luo_is_preserved(const void *obj)
{
	struct luo_session *s;
	struct luo_file *f;
	list_for_each_entry(s, &outgoing, list)
		list_for_each_entry(f, &s->files, list)
			if (f->args.file.obj == obj)
				return true;
	return false;
}

static int preserve_locked(const char *session, const struct luo_fileref *ref, uint64_t token)
{
	struct luo_session *s = find(&outgoing, session);
	if (!s)
		return find(&incoming, session) ? -EINVAL : -ENOENT;
	if (frozen)
		return -EBUSY;
	if (luo_file_find(s, token))
		return -EEXIST;
	if (!ref->obj)
		return -EBADF;
	struct luo_file_handler *h = luo_file_handler_for(ref);
	if (!h)
		return -ENOENT;
	if (luo_is_preserved(ref->obj))
		return -EBUSY;
	return luo_file_preserve(s, h, ref, token);
}

int luo_session_freeze_all(void)
{
	struct luo_session *s;
	list_for_each_entry(s, &outgoing, list) {
		int err = luo_file_freeze_all(s);       /* unwinds its own files */
		if (err) {
			list_for_each_entry_continue_reverse(s, &outgoing, list)
				luo_file_unfreeze_all(s);
			return err;
		}
	}
	frozen = true;
	return 0;
}

void luo_session_unfreeze_all(void)
{
	struct luo_session *s;
	list_for_each_entry_reverse(s, &outgoing, list)
		luo_file_unfreeze_all(s);
	frozen = false;
}

int luo_session_serialize(struct luo_ser_chains *c)
{
	struct luo_session *s;
	list_for_each_entry(s, &outgoing, list) {
		int err = luo_file_serialize(s, c);
		if (!err)
			err = luo_ser_add_session(c, s->name);
		if (err)
			return err;
	}
	return 0;
}

/* ---- kernel N+1 ---- */

void luo_session_incoming_failed(const char *why)
{
	if (!incoming_error)
		incoming_error = why;
}

const char *luo_session_incoming_error(void)
{
	return incoming_error;
}

static int read_session(const char *name, uint64_t nfiles, void *arg)
{
	(void)nfiles;
	struct luo_session *s = new_session(name, true);
	if (!s)
		return -ENOMEM;
	*(struct luo_session **)arg = s;            /* its files come next */
	return 0;
}

static int read_file(const char *compatible, uint64_t data, uint64_t token, void *arg)
{
	bool no_handler;
	int err = luo_file_add_incoming(*(struct luo_session **)arg, compatible, data, token,
					&no_handler);
	if (!err && no_handler)
		luo_session_incoming_failed("a preserved file has no handler here");
	return err;
}

const struct luo_ser_read_ops luo_session_read_ops = { .session = read_session,
						       .file = read_file };

static int retrieve_session_locked(const char *name, uint64_t *nfiles)
{
	if (incoming_error)
		return -EIO;
	struct luo_session *s = find(&incoming, name);
	if (!s)
		return -ENOENT;
	if (s->retrieved)
		return -EINVAL;
	s->retrieved = true;
	*nfiles = s->nfiles;
	return 0;
}

/* The retrieved incoming session of that name; -EINVAL if the name is an outgoing
 * session or one not retrieved yet, -ENOENT if there is none. */
static int retrieved_session(const char *name, struct luo_session **out)
{
	if (incoming_error)
		return -EIO;
	struct luo_session *s = find(&incoming, name);
	if (!s || !s->retrieved)
		return s || find(&outgoing, name) ? -EINVAL : -ENOENT;
	*out = s;
	return 0;
}

static int retrieve_locked(const char *session, uint64_t token, const char *name, struct luo_fileref *out)
{
	struct luo_session *s;
	int err = retrieved_session(session, &s);
	if (err)
		return err;
	struct luo_file *f = luo_file_find(s, token);
	if (!f || f->finished)
		return -ENOENT;
	return luo_file_retrieve(f, name, out);
}

static int finish_locked(const char *session)
{
	struct luo_session *s;
	int err = retrieved_session(session, &s);
	if (err)
		return err;
	err = luo_file_can_finish_all(s);
	if (err)
		return err;
	luo_file_finish_all(s);
	free_session(s);
	return 0;
}

static int close_session_locked(const char *name)
{
	struct luo_session *s = find(&outgoing, name);
	if (s && frozen)
		return -EBUSY;
	if (s) {
		luo_file_unpreserve_all(s);
		free_session(s);
		return 0;
	}
	s = find(&incoming, name);
	if (!s)
		return -ENOENT;
	if (!s->retrieved)
		return -EINVAL;                      /* only a retrieved session has a "fd" */
	return finish_locked(name);
}

/* ---- listing ---- */

static const char *file_state(const struct luo_session *s, const struct luo_file *f)
{
	if (!s->incoming)
		return f->frozen ? "frozen" : "preserved";
	if (f->args.retrieve_status > 0)
		return "retrieved";
	return f->args.retrieve_status < 0 ? "failed" : "incoming";
}

static void list_sessions(struct list_head *list)
{
	struct luo_session *s;
	struct luo_file *f;
	list_for_each_entry(s, list, list) {
		printk("  %s session %s files=%llu%s\n", s->incoming ? "incoming" : "outgoing",
		       s->name, (unsigned long long)s->nfiles,
		       s->incoming && s->retrieved ? " retrieved" : "");
		list_for_each_entry(f, &s->files, list)
			printk("    file token=%llu handler=%s state=%s\n",
			       (unsigned long long)f->token, f->compatible, file_state(s, f));
	}
}

void luo_list(void)
{
	list_sessions(&outgoing);
	list_sessions(&incoming);
}

/* The verbs, each under luo_lock: any CPU may call them. */
int luo_create_session(const char *name)
{
	uint64_t f = spin_lock_irqsave(&luo_lock);
	int err = create_session_locked(name);
	spin_unlock_irqrestore(&luo_lock, f);
	return err;
}

int luo_preserve(const char *session, const struct luo_fileref *ref, uint64_t token)
{
	uint64_t f = spin_lock_irqsave(&luo_lock);
	int err = preserve_locked(session, ref, token);
	spin_unlock_irqrestore(&luo_lock, f);
	return err;
}

int luo_retrieve_session(const char *name, uint64_t *nfiles)
{
	uint64_t f = spin_lock_irqsave(&luo_lock);
	int err = retrieve_session_locked(name, nfiles);
	spin_unlock_irqrestore(&luo_lock, f);
	return err;
}

int luo_retrieve(const char *session, uint64_t token, const char *name, struct luo_fileref *out)
{
	uint64_t f = spin_lock_irqsave(&luo_lock);
	int err = retrieve_locked(session, token, name, out);
	spin_unlock_irqrestore(&luo_lock, f);
	return err;
}

int luo_finish(const char *session)
{
	uint64_t f = spin_lock_irqsave(&luo_lock);
	int err = finish_locked(session);
	spin_unlock_irqrestore(&luo_lock, f);
	return err;
}

int luo_close_session(const char *name)
{
	uint64_t f = spin_lock_irqsave(&luo_lock);
	int err = close_session_locked(name);
	spin_unlock_irqrestore(&luo_lock, f);
	return err;
}
