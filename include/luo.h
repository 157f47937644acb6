/*
 * The Live Update Orchestrator (LUO, "luo-v5"): named sessions of preserved files
 * that survive a live update, file handlers that know how to preserve each kind of
 * file, and File-Lifecycle-Bound (FLB) global state shared by a handler's files.
 * The model is Linux's (docs/luo.md says where Baton follows it and where not);
 * the console commands `luo ...` stand in for /dev/liveupdate's ioctls.
 *
 * Lifecycle of a file (kernel N): preserve (the heavy work, now) -> [unpreserve if
 * its session is closed] -> freeze (in kexec, cheap) -> [unfreeze if a later freeze
 * fails]. Kernel N+1: retrieve (on demand, once) -> finish (when its session is
 * finished; also for files never retrieved, which must then free what was kept).
 *
 * FLB state lives in LUO, not in the subsystem: a handler declares which FLBs its
 * files depend on; the first preserved file creates the outgoing object (FLB
 * preserve), the last unpreserve destroys it; in N+1 the object is retrieved on
 * first use and finished after the last dependent file. Subsystems reach it only
 * through luo_flb_get_*() and luo_flb_put_*().
 *
 * Every int function returns 0 or a negative errno.
 */
#ifndef LUO_H
#define LUO_H
#include <abi/luo.h>
#include <types.h>

struct luo_file_handler;
struct luo_flb;

/* What is being preserved: a kind ("memfd") and the object (struct memfd *). */
struct luo_fileref {
	const char *kind;
	void *obj;
};

/* One argument block for every file callback, so new fields break no handler. */
struct luo_file_op_args {
	struct luo_file_handler *handler;
	int retrieve_status;       /* 0 never tried, 1 retrieved, < 0 failed with that */
	struct luo_fileref file;   /* in; out for retrieve */
	const char *retrieve_name; /* in for retrieve: the name the new file gets */
	uint64_t serialized_data;  /* the handle LUO stores in the file record */
	void *private_data;        /* the handler's, from preserve to unpreserve/finish */
};

struct luo_file_ops {
	bool (*can_preserve)(struct luo_file_handler *h, const struct luo_fileref *f); /* required */
	int (*preserve)(struct luo_file_op_args *a);          /* required */
	void (*unpreserve)(struct luo_file_op_args *a);       /* required */
	int (*freeze)(struct luo_file_op_args *a);            /* optional */
	void (*unfreeze)(struct luo_file_op_args *a);         /* optional */
	/* optional: may the retrieved file take the name a->retrieve_name? Called before
	 * retrieve; a refusal consumes nothing and is not sticky (a Baton addition:
	 * Linux's retrieve makes an fd, which has no name). */
	int (*check_name)(struct luo_file_op_args *a);
	int (*retrieve)(struct luo_file_op_args *a);          /* required */
	bool (*can_finish)(struct luo_file_op_args *a);       /* optional */
	void (*finish)(struct luo_file_op_args *a);           /* required */
};

#define LUO_HANDLER_FLB_MAX 8

/* A file handler, defined (static) by its subsystem. LUO's own state for it lives
 * behind priv, set at registration: handlers see none of it. */
struct luo_handler_private;
struct luo_file_handler {
	const struct luo_file_ops *ops;
	const char *compatible;             /* < LUO_HNDL_COMPAT_LENGTH bytes */
	struct luo_handler_private *priv;   /* LUO's */
};

struct luo_flb_op_args {
	struct luo_flb *flb;
	uint64_t data;                      /* the serialized handle */
	void *obj;                          /* the live object */
};

struct luo_flb_ops {
	int (*preserve)(struct luo_flb_op_args *a);    /* first dependent file preserved */
	void (*unpreserve)(struct luo_flb_op_args *a); /* last one unpreserved */
	int (*retrieve)(struct luo_flb_op_args *a);    /* N+1: data -> obj, on first use */
	void (*finish)(struct luo_flb_op_args *a);     /* N+1: the last user is done */
};

/* An FLB, defined (static) by its subsystem; LUO's counts and objects are behind
 * priv (luo/luo_internal.h), set at registration. */
struct luo_flb_private;
struct luo_flb {
	const struct luo_flb_ops *ops;
	const char *compatible;             /* < LUO_FLB_COMPAT_LENGTH bytes */
	struct luo_flb_private *priv;       /* LUO's */
};

/* An FLB's counts as LUO keeps them (for tests and debugging; include/luo.h's
 * model): outgoing dependent files, and the incoming references left. */
struct luo_flb_state {
	uint64_t out_count, in_count;
	bool in_present, in_finished;
};
void luo_flb_state(const struct luo_flb *flb, struct luo_flb_state *st);

/* Registrations run by luo_init() before it reads the incoming state, in order:
 * LUO_REGISTER(order, fn) places int fn(void) in the .luo_register section (the
 * memfd handler at 10, the hugetlb handler and its FLB at 20, test FLBs at 90). A
 * failure is logged; the others still run. */
struct luo_register {
	const char *name;
	int (*fn)(void);
};
#define LUO_REGISTER(order, fn)                                                       \
	static const struct luo_register __luo_register_##fn                          \
		__section(".luo_register." #order) __used                             \
		__aligned_entry(struct luo_register) = { #fn, fn }

/* How the console names what a handler preserves (`luo preserve S FILE T`, `luo
 * retrieve S T NAME`): each kind of object registers its namespace (from its
 * LUO_REGISTER function); a FILE is looked up in each kind in registration order,
 * the first that knows it wins. find: the live object, or NULL. name: the object's
 * name now. Optional retrieved: called after a retrieve gave obj the name NAME
 * (memfd uses it to reopen a closed file). */
struct luo_name_kind {
	const char *kind;                        /* as struct luo_fileref.kind */
	void *(*find)(const char *name);
	const char *(*name)(void *obj);
	int (*retrieved)(void *obj, const char *name);
	struct luo_name_kind *next;              /* LUO's */
};
void luo_register_name_kind(struct luo_name_kind *k);
/* The object of that name in any kind (*ref set), or -EBADF. */
int luo_name_find(const char *name, struct luo_fileref *ref);
/* The kind registered for ref->kind, or NULL. */
const struct luo_name_kind *luo_name_kind(const char *kind);

/* Registration (from a LUO_REGISTER function). -EINVAL missing required ops, bad
 * compatible or (FLB) a handler not registered, -EEXIST compatible taken or the FLB
 * already on this handler, -ENOSPC too many FLBs, -ENOMEM. */
int luo_register_file_handler(struct luo_file_handler *h);
int luo_register_flb(struct luo_file_handler *h, struct luo_flb *flb);
/* The registered handler of that compatible, or NULL. */
struct luo_file_handler *luo_file_handler_find(const char *compatible);

/* FLB access (never from inside the FLB's own callbacks). */
int luo_flb_get_outgoing(struct luo_flb *flb, void **obj);   /* obj NULL if none */
int luo_flb_get_incoming(struct luo_flb *flb, void **obj);   /* -ENODATA, -ENOENT */
void luo_flb_put_incoming(struct luo_flb *flb);

/* Sessions and files (the console's verbs). */
int luo_create_session(const char *name);
int luo_retrieve_session(const char *name, uint64_t *nfiles);
int luo_close_session(const char *name);
int luo_preserve(const char *session, const struct luo_fileref *f, uint64_t token);
int luo_retrieve(const char *session, uint64_t token, const char *name,
		 struct luo_fileref *out);
int luo_finish(const char *session);
/* Is every outgoing file frozen (a handover built, `kexec finalize`)? Then creating,
 * preserving into and closing outgoing sessions give -EBUSY. */
bool luo_frozen(void);
/* Is this object preserved in any outgoing session? */
bool luo_is_preserved(const void *obj);
void luo_list(void);                  /* printk one line per session and file */
unsigned luo_session_count(void);
bool luo_session_exists(const char *name);
/* What a name is (both namespaces): so a caller can tell which cause an errno
 * shared by several had (the console names the real one). */
struct luo_session_state {
	bool outgoing, incoming, retrieved;   /* retrieved: the incoming one */
};
void luo_session_state(const char *name, struct luo_session_state *st);

/* At boot, before the pools are sized: take the pools handed over, if any
 * (luo/hugetlb_luo.c). */
void hugetlb_luo_adopt(void);

/* Boot: run the registrations, read the incoming state (after kho_init), set up
 * the outgoing one. */
void luo_init(void);
uint64_t luo_liveupdate_number(void);
#endif
