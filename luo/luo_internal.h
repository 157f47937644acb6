/*
 * LUO's private structures and the calls between its files (luo/ only):
 *
 *   luo_core.c     boot (registrations, the incoming state, the outgoing luo_ser),
 *                  KHO's incoming check, and the kexec step: freeze, serialize;
 *   luo_session.c  sessions, outgoing and incoming, and the console's verbs on them;
 *   luo_file.c     the handler registry and a session's files: preserve, freeze,
 *                  retrieve, finish, each with its unwind;
 *   luo_flb.c      File-Lifecycle-Bound state;
 *   luo_ser.c      the luo-v5 bytes (pure).
 *
 * Lists are include/list.h: sessions in creation order, files in preservation
 * order, FLBs and handlers in registration order. Every unwind walks back from
 * where it stopped, so what was done last is undone first (as Linux requires).
 */
#ifndef LUO_INTERNAL_H
#define LUO_INTERNAL_H
#include <list.h>
#include <luo.h>
#include "luo_ser.h"

struct luo_handler_private {
	struct luo_file_handler *h;
	struct list_head list;              /* handlers, registration order */
	struct luo_flb *flb[LUO_HANDLER_FLB_MAX];
	unsigned nflb;
};

struct luo_flb_private {
	struct luo_flb *flb;
	struct list_head list;              /* FLBs, registration order */
	struct { uint64_t count, data; void *obj; } out;
	struct { bool present, retrieved, finished; uint64_t count, data; void *obj; } in;
};

struct luo_file {
	struct list_head list;              /* its session's files, preservation order */
	struct luo_file_handler *fh;        /* NULL: incoming record with no handler */
	char compatible[LUO_HNDL_COMPAT_LENGTH];
	uint64_t token;
	struct luo_file_op_args args;
	bool frozen, finished;
};

struct luo_session {
	struct list_head list;              /* outgoing or incoming, creation order */
	char name[LUO_SESSION_NAME_LENGTH];
	bool incoming, retrieved;
	struct list_head files;
	uint64_t nfiles;
};

/* ---- luo_core.c ---- */
/* The outgoing state, for the "luo.serialized" fault site (include/fault_inject.h):
 * run after every record is written, before KHO finalizes. */
struct luo_out_state {
	struct luo_ser *ser;
	paddr_t ser_pa;
};

/* ---- luo_file.c ---- */
/* The first handler that can preserve ref, or NULL. */
struct luo_file_handler *luo_file_handler_for(const struct luo_fileref *ref);
struct luo_file *luo_file_find(struct luo_session *s, uint64_t token);
/* Preserve ref under token in outgoing session s (its FLBs first); all or nothing. */
int luo_file_preserve(struct luo_session *s, struct luo_file_handler *h,
		      const struct luo_fileref *ref, uint64_t token);
/* Unpreserve and free every file of s, last first. */
void luo_file_unpreserve_all(struct luo_session *s);
/* Freeze every file of s in order; on a failure unfreeze those frozen, last first,
 * and return it. luo_file_unfreeze_all() undoes a whole session, last first. */
int luo_file_freeze_all(struct luo_session *s);
void luo_file_unfreeze_all(struct luo_session *s);
int luo_file_retrieve(struct luo_file *f, const char *name, struct luo_fileref *out);
/* 0 if every file of s can finish, else -EBUSY. */
int luo_file_can_finish_all(struct luo_session *s);
/* Finish every file of s, last first (also those never retrieved), and free it. */
void luo_file_finish_all(struct luo_session *s);
/* Free the files of s without a callback (an incoming state that was refused). */
void luo_file_free_all(struct luo_session *s);
/* An incoming file record; -ENOMEM. *no_handler set if no handler takes it. */
int luo_file_add_incoming(struct luo_session *s, const char *compatible, uint64_t data,
			  uint64_t token, bool *no_handler);
/* Append s's file records to the chains. */
int luo_file_serialize(struct luo_session *s, struct luo_ser_chains *c);

/* ---- luo_session.c ---- */
/* Freeze the files of every outgoing session; on a failure unfreeze all that were
 * frozen, last first. luo_session_unfreeze_all() undoes a whole freeze. */
int luo_session_freeze_all(void);
void luo_session_unfreeze_all(void);
int luo_session_serialize(struct luo_ser_chains *c);
/* The incoming sessions, from a checked state (the luo_ser_read callbacks). */
extern const struct luo_ser_read_ops luo_session_read_ops;
/* Every incoming access fails with -EIO from now on, for this reason. */
void luo_session_incoming_failed(const char *why);
const char *luo_session_incoming_error(void);

/* ---- luo_flb.c ---- */
int luo_flb_file_preserved(struct luo_file_handler *h);   /* all or nothing */
void luo_flb_file_unpreserved(struct luo_file_handler *h);
void luo_flb_file_finished(struct luo_file_handler *h);
int luo_flb_serialize(void *page);                        /* the FLB page */
void luo_flb_unserialize(void *page);
int luo_flb_read_incoming(const void *page, const char **why);
#endif
