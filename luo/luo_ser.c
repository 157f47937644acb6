/*
 * The luo-v5 serialization (interface and rules in luo/luo_ser.h, bytes in
 * include/abi/luo.h): writer and reader of luo_ser, the session and file block
 * chains and the FLB page. Pure logic: memory through kho_phys_to_virt(), blocks
 * from the allocator given, no kernel services, so it builds for the host.
 *
 *   luo_ser --sessions_pa--> [hdr | session 0 .. 50] -> [hdr | session 51 ..] -> 0
 *          |                          | file_set_ser {files, count}
 *          |                          v
 *          |                 [hdr | file 0 .. 62] -> [hdr | file 63 ..] -> 0
 *          +--flbs_pa------> [pgcnt 1 | count | flb 0 .. count - 1]
 */
#include <errno.h>
#include <string.h>
#include <kho_block.h>
#include "luo_ser.h"

/* strlcpy into a zeroed field (the host's libc has no strlcpy). */
static void copy_name(char *dst, const char *src, size_t size)
{
	size_t n = strnlen(src, size - 1);
	memcpy(dst, src, n);
	dst[n] = 0;
}

static bool name_ok(const char *name, size_t size)
{
	size_t n = strnlen(name, size);
	return n && n < size;
}

/* ---------------- writer ---------------- */

void luo_ser_chains_init(struct luo_ser_chains *c, paddr_t (*alloc_block)(void *ctx),
			 void (*free_block)(paddr_t pa, void *ctx), void *ctx)
{
	kho_block_set_init(&c->sessions, sizeof(struct luo_session_ser), alloc_block, free_block, ctx);
	kho_block_set_init(&c->files, sizeof(struct luo_file_ser), alloc_block, free_block, ctx);
}

int luo_ser_add_file(struct luo_ser_chains *c, const char *compatible, uint64_t data,
		     uint64_t token)
{
	struct luo_file_ser *e;
	int err = kho_block_append(&c->files, (void **)&e);
	if (err)
		return err;
	copy_name(e->compatible, compatible, sizeof(e->compatible));
	e->data = data;
	e->token = token;
	return 0;
}

int luo_ser_add_session(struct luo_ser_chains *c, const char *name)
{
	struct luo_session_ser *e;
	int err = kho_block_append(&c->sessions, (void **)&e);
	if (err)
		return err;                     /* the files stay in c->files for luo_ser_free */
	copy_name(e->name, name, sizeof(e->name));
	e->file_set_ser.files = c->files.first;
	e->file_set_ser.count = c->files.count;
	/* The chain now belongs to the record: start the next session's afresh. */
	kho_block_set_init(&c->files, sizeof(struct luo_file_ser), c->files.alloc_block,
			   c->files.free_block, c->files.ctx);
	return 0;
}

void luo_ser_free(struct luo_ser_chains *c)
{
	/* Our own chains: every block of a file chain holds entries, next 0 ends it. */
	for (paddr_t b = c->sessions.first; b;) {
		const struct kho_block_header_ser *h = kho_phys_to_virt(b);
		const struct luo_session_ser *e = (const void *)(h + 1);
		for (uint64_t i = 0; i < h->count; i++)
			for (paddr_t f = e[i].file_set_ser.files; f;) {
				paddr_t next = ((const struct kho_block_header_ser *)kho_phys_to_virt(f))->next;
				c->sessions.free_block(f, c->sessions.ctx);
				f = next;
			}
		b = h->next;
	}
	kho_block_set_destroy(&c->sessions);
	kho_block_set_destroy(&c->files);
}

int luo_ser_write(const struct luo_ser_session *sessions, size_t n,
		  paddr_t (*alloc_block)(void *ctx), void (*free_block)(paddr_t pa, void *ctx),
		  void *ctx, struct luo_ser_chains *out)
{
	luo_ser_chains_init(out, alloc_block, free_block, ctx);
	int err = 0;
	for (size_t i = 0; i < n && !err; i++) {
		const struct luo_ser_session *s = &sessions[i];
		for (uint64_t j = 0; j < s->nfiles && !err; j++)
			err = luo_ser_add_file(out, s->files[j].compatible, s->files[j].data,
					       s->files[j].token);
		if (!err)
			err = luo_ser_add_session(out, s->name);
	}
	if (err)
		luo_ser_free(out);
	return err;
}

void luo_ser_init(struct luo_ser *s, uint64_t liveupdate_num, paddr_t flbs_pa)
{
	memset(s->compatible, 0, sizeof(s->compatible));
	memcpy(s->compatible, LUO_COMPATIBLE, sizeof(LUO_COMPATIBLE));
	s->liveupdate_num = liveupdate_num;
	s->sessions_pa = 0;
	s->flbs_pa = flbs_pa;
}

void luo_ser_flb_init(void *page)
{
	struct luo_flb_header_ser *hdr = page;
	hdr->pgcnt = 1;
	hdr->count = 0;
}

int luo_ser_flb_add(void *page, const char *name, uint64_t data, uint64_t count)
{
	struct luo_flb_header_ser *hdr = page;
	struct luo_flb_ser *e = (struct luo_flb_ser *)(hdr + 1);
	if (hdr->count >= LUO_FLB_MAX)
		return -ENOSPC;
	e += hdr->count;
	memset(e, 0, sizeof(*e));
	copy_name(e->name, name, sizeof(e->name));
	e->data = data;
	e->count = count;
	hdr->count++;
	return 0;
}

/* ---------------- reader ---------------- */

struct rd {
	bool (*preserved)(paddr_t pa, uint64_t size);
	const struct luo_ser_read_ops *ops;
	void *arg;
	const char *why;                    /* check: the first problem found in a record */
	const char **whyp;                  /* read: where a file chain's problem goes */
};

static bool block_ok(paddr_t pa, void *arg)
{
	const struct rd *r = arg;
	return r->preserved(pa, KHO_BLOCK_SIZE);
}

static int check_session(const void *entry, uint64_t index, void *arg)
{
	const struct luo_session_ser *s = entry;
	struct rd *r = arg;
	(void)index;
	if (!name_ok(s->name, sizeof(s->name))) {
		r->why = "a LUO session name";
		return -EINVAL;
	}
	/* UINT64_MAX is KHO_BLOCK_ANY to kho_block_read: no chain holds that many. */
	if (s->file_set_ser.count == KHO_BLOCK_ANY) {
		r->why = "a LUO file chain";
		return -EINVAL;
	}
	if (s->file_set_ser.count &&
	    kho_block_read(s->file_set_ser.files, sizeof(struct luo_file_ser),
			   s->file_set_ser.count, block_ok, NULL, r, &r->why)) {
		if (!r->why)
			r->why = "a LUO file chain";
		return -EINVAL;
	}
	return 0;
}

int luo_ser_check(paddr_t luo_ser_pa, uint64_t size, bool (*preserved)(paddr_t pa, uint64_t size),
		  const char **why)
{
	*why = NULL;
	if (size < sizeof(struct luo_ser) || !preserved(luo_ser_pa, sizeof(struct luo_ser))) {
		*why = "the LUO state is short or not preserved";
		return -EINVAL;
	}
	const struct luo_ser *s = kho_phys_to_virt(luo_ser_pa);
	if (strncmp(s->compatible, LUO_COMPATIBLE, sizeof(s->compatible))) {
		*why = "the LUO state has another version";
		return -EINVAL;
	}
	paddr_t flbs_pa = s->flbs_pa, sessions_pa = s->sessions_pa;
	if (!flbs_pa || !preserved(flbs_pa, KHO_BLOCK_SIZE)) {
		*why = "the LUO FLB page is not preserved";
		return -EINVAL;
	}
	if (!sessions_pa)
		return 0;
	struct rd r = { .preserved = preserved };
	const char *chain_why = NULL;
	/* luo_ser stores no session count: the chain's own counts are checked. */
	if (kho_block_read(sessions_pa, sizeof(struct luo_session_ser), KHO_BLOCK_ANY,
			   block_ok, check_session, &r, &chain_why)) {
		*why = r.why ? r.why : chain_why ? chain_why : "the LUO session chain";
		return -EINVAL;
	}
	return 0;
}

int luo_ser_flb_read(const void *page,
		     int (*flb)(const char *name, uint64_t data, uint64_t count, void *arg),
		     void *arg, const char **why)
{
	const struct luo_flb_header_ser *hdr = page;
	const struct luo_flb_ser *e = (const struct luo_flb_ser *)(hdr + 1);
	uint64_t count = hdr->count;        /* read once */
	*why = NULL;
	if (hdr->pgcnt != 1 || count > LUO_FLB_MAX) {
		*why = "FLB page header";
		return -EINVAL;
	}
	/* Every record first, so flb never sees part of a corrupt page. */
	for (uint64_t i = 0; i < count; i++)
		if (!name_ok(e[i].name, sizeof(e[i].name)) || !e[i].count) {
			*why = "FLB record";
			return -EINVAL;
		}
	for (uint64_t i = 0; i < count; i++) {
		char name[LUO_FLB_COMPAT_LENGTH];
		memcpy(name, e[i].name, sizeof(name));
		name[sizeof(name) - 1] = 0;
		int err = flb(name, e[i].data, e[i].count, arg);
		if (err)
			return err;
	}
	return 0;
}

static int read_file(const void *entry, uint64_t index, void *arg)
{
	const struct luo_file_ser *f = entry;
	struct rd *r = arg;
	char compatible[LUO_HNDL_COMPAT_LENGTH];
	(void)index;
	memcpy(compatible, f->compatible, sizeof(compatible));
	compatible[sizeof(compatible) - 1] = 0;
	return r->ops->file(compatible, f->data, f->token, r->arg);
}

static int read_session(const void *entry, uint64_t index, void *arg)
{
	const struct luo_session_ser *s = entry;
	struct rd *r = arg;
	char name[LUO_SESSION_NAME_LENGTH];
	(void)index;
	memcpy(name, s->name, sizeof(name));
	uint64_t files = s->file_set_ser.files, count = s->file_set_ser.count;
	if (!name_ok(name, sizeof(name))) {
		*r->whyp = "a LUO session name";
		return -EINVAL;
	}
	if (count == KHO_BLOCK_ANY) {
		*r->whyp = "a LUO file chain";
		return -EINVAL;
	}
	int err = r->ops->session(name, count, r->arg);
	if (err || !count)
		return err;
	return kho_block_read(files, sizeof(struct luo_file_ser), count, block_ok, read_file, r,
			      r->whyp);
}

int luo_ser_read(paddr_t luo_ser_pa, bool (*preserved)(paddr_t pa, uint64_t size),
		 const struct luo_ser_read_ops *ops, void *arg, const char **why)
{
	const struct luo_ser *s = kho_phys_to_virt(luo_ser_pa);
	paddr_t flbs_pa = s->flbs_pa, sessions_pa = s->sessions_pa;
	*why = NULL;
	if (ops->flb) {
		int err = luo_ser_flb_read(kho_phys_to_virt(flbs_pa), ops->flb, arg, why);
		if (err)
			return err;
	}
	if (!sessions_pa)
		return 0;
	struct rd r = { .preserved = preserved, .ops = ops, .arg = arg };
	const char *file_why = NULL;
	r.whyp = &file_why;
	int err = kho_block_read(sessions_pa, sizeof(struct luo_session_ser), KHO_BLOCK_ANY,
				 block_ok, read_session, &r, why);
	if (err && !*why)
		*why = file_why;                /* a session record's or its file chain's */
	return err;
}

static void release_chain(paddr_t first, void (*free_page)(paddr_t pa, void *arg), void *arg)
{
	while (first) {
		paddr_t next = ((const struct kho_block_header_ser *)kho_phys_to_virt(first))->next;
		free_page(first, arg);
		first = next;
	}
}

void luo_ser_release(paddr_t luo_ser_pa, void (*free_page)(paddr_t pa, void *arg), void *arg)
{
	const struct luo_ser *s = kho_phys_to_virt(luo_ser_pa);
	paddr_t flbs_pa = s->flbs_pa;
	/* The records were copied: the chain pages can go (file chains first). */
	for (paddr_t b = s->sessions_pa; b;) {
		const struct kho_block_header_ser *h = kho_phys_to_virt(b);
		const struct luo_session_ser *e = (const void *)(h + 1);
		for (uint64_t i = 0; i < h->count; i++)
			if (e[i].file_set_ser.count)
				release_chain(e[i].file_set_ser.files, free_page, arg);
		paddr_t next = h->next;
		free_page(b, arg);
		b = next;
	}
	free_page(flbs_pa, arg);
	free_page(luo_ser_pa, arg);
}
