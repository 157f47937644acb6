/*
 * The Live Update Orchestrator (LUO, "luo-v5"): named sessions of preserved files
 * that survive a live update, file handlers that know how to preserve each kind of
 * file, and File-Lifecycle-Bound (FLB) global state shared by a handler's files.
 * The model is Linux's (shared/reference/linux-liveupdate-abi.md §b, §c); the
 * console commands `luo ...` stand in for /dev/liveupdate's ioctls.
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
	int (*retrieve)(struct luo_file_op_args *a);          /* required */
	bool (*can_finish)(struct luo_file_op_args *a);       /* optional */
	void (*finish)(struct luo_file_op_args *a);           /* required */
};

#define LUO_HANDLER_FLB_MAX 8

struct luo_file_handler {
	const struct luo_file_ops *ops;
	const char *compatible;             /* < LUO_HNDL_COMPAT_LENGTH bytes */
	/* LUO's: */
	struct luo_flb *flb[LUO_HANDLER_FLB_MAX];
	unsigned nflb;
	struct luo_file_handler *next;
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

struct luo_flb {
	const struct luo_flb_ops *ops;
	const char *compatible;             /* < LUO_FLB_COMPAT_LENGTH bytes */
	/* LUO's: */
	struct { uint64_t count, data; void *obj; } out;
	struct { bool present, retrieved, finished; uint64_t count, data; void *obj; } in;
	bool registered;
	struct luo_flb *next;
};

/* Registration (at init, before the incoming state is read). -EINVAL missing
 * required ops or bad compatible, -EEXIST compatible taken, -ENOSPC too many FLBs. */
int luo_register_file_handler(struct luo_file_handler *h);
int luo_register_flb(struct luo_file_handler *h, struct luo_flb *flb);

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
/* Is this object preserved in any outgoing session? */
bool luo_is_preserved(const void *obj);
void luo_list(void);                  /* printk one line per session and file */
unsigned luo_session_count(void);
bool luo_session_exists(const char *name);

/* Test instruments (luo/luo_test.c): test FLBs on a handler (boot option
 * luo_test), and one-shot failures of "preserve" or "freeze". */
struct shell_ctx;
void luo_test_register(struct luo_file_handler *h);
bool luo_test_fail(const char *op);
int luo_test_cmd(struct shell_ctx *c, int argc, char **argv);

/* The memfd handler (luo/memfd_luo.c) and the hugetlb memfd handler with its FLB
 * (luo/hugetlb_luo.c): registered before luo_init. hugetlb_luo_adopt() takes the
 * pools handed over, before hugetlb_init() would size them. */
int memfd_luo_init(void);
int hugetlb_luo_init(void);
void hugetlb_luo_adopt(void);

/* Boot: read the incoming state (after kho_init), set up the outgoing one. */
void luo_init(void);
uint64_t luo_liveupdate_number(void);
/* Called by KHO before it accepts a handover: is the LUO part well formed? NULL if
 * so (or absent), else the reason. preserved(pa, size) says whether memory is in a
 * preserved block of the incoming tree. */
const char *luo_check_incoming(const void *fdt, bool (*preserved)(paddr_t, uint64_t));
#endif
