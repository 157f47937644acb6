/* LUO's private structures (luo/luo_*.c only). */
#ifndef LUO_INTERNAL_H
#define LUO_INTERNAL_H
#include <luo.h>

struct luo_file {
	struct luo_file *next;              /* preservation order */
	struct luo_file_handler *fh;        /* NULL: incoming record with no handler */
	char compatible[LUO_HNDL_COMPAT_LENGTH];
	uint64_t token;
	struct luo_file_op_args args;
	bool frozen, finished;
};

struct luo_session {
	struct luo_session *next;           /* creation order */
	char name[LUO_SESSION_NAME_LENGTH];
	bool incoming, retrieved;
	struct luo_file *files, *tail;
	uint64_t nfiles;
};

/* luo_flb.c */
int luo_flb_file_preserved(struct luo_file_handler *h);   /* all or nothing */
void luo_flb_file_unpreserved(struct luo_file_handler *h);
void luo_flb_file_unpreserved_one(struct luo_flb *f);
void luo_flb_file_finished(struct luo_file_handler *h);
int luo_flb_serialize(void *page);                        /* the FLB page */
void luo_flb_unserialize(void *page);
int luo_flb_read_incoming(const void *page, const char **why);
struct luo_flb *luo_flb_first(void);
#endif
