/*
 * The luo-v5 serialization (bytes in include/abi/luo.h): pure logic over memory
 * reached through kho_phys_to_virt() and blocks from the allocator given, like
 * kho_block.c, so it builds for the host too (tests/host/test_luo_ser.c,
 * fuzz_luo_ser.c). The rest of luo/ keeps the live objects, the kexec step, KHO
 * preservation and the errors' policy; this file only writes and reads records.
 * Every int function returns 0 or a negative errno.
 *
 * Writer (kernel N, in the kexec step), session by session, in order:
 *
 *   luo_ser_chains_init(&c, alloc, free, ctx);
 *   for each session: for each file: luo_ser_add_file(&c, compatible, data, token);
 *                     luo_ser_add_session(&c, name);     (takes the files added since)
 *   luo_ser_flb_init(flb_page); for each FLB in use: luo_ser_flb_add(flb_page, ...);
 *   luo_ser->sessions_pa = c.sessions.first;             (0 if there are no sessions)
 *
 * A session's file records go into a new file chain, then its record is appended to
 * the session chain (the order Baton always wrote them in: blocks are allocated in
 * that order). Names and compatibles are copied truncated to their field with a NUL
 * (as strlcpy); record bytes past the NUL are zero. On any error, or to undo a
 * finished write, luo_ser_free(&c) gives back every block: the session chain, the
 * file chain of every session record and the files of an unfinished session.
 * luo_ser_write() does the same from arrays (and frees everything itself on error).
 *
 * Reader (kernel N+1), trusting nothing until luo_ser_check() has accepted it:
 *   luo_ser_check:   size >= 32 and luo_ser preserved; compatible "luo-v5" (strncmp
 *                    over 8 bytes); the FLB page non-zero and preserved (4096 bytes);
 *                    the session chain (kho_block_read, any count) with each name
 *                    NUL-terminated within 64 bytes and non-empty, and each session
 *                    with a non-zero count has a file chain of exactly that count
 *                    (a count of UINT64_MAX, "any" to kho_block_read, is refused:
 *                    "a LUO file chain").
 *                    The FLB page's contents are not checked here: a bad FLB page
 *                    makes the incoming sessions unusable, it does not refuse KHO.
 *   luo_ser_read:    the FLB records (if ops->flb; all checked before the first is
 *                    delivered: header pgcnt 1 and count <= 63, each name
 *                    NUL-terminated within 48 bytes, each count non-zero), then
 *                    each session (name, file count) followed by its files
 *                    (compatible truncated to 47 bytes, data, token), in order.
 *   luo_ser_release: every page the state occupies, once each in a well-formed
 *                    state: each session's file chain (sessions with files only),
 *                    then the session block, then the FLB page, then luo_ser.
 * Rejections give -EINVAL and a static *why; a callback's error is passed on as it
 * is, with *why NULL (the caller names it, e.g. out of memory).
 *
 * Not checked (Baton never writes it, and Linux does not check it either): two
 * chains sharing a block, or a chain block that is also the FLB page or luo_ser.
 * luo_ser_release would then hand such a page to free_page twice (KHO's restore
 * refuses the second) after reading it freed.
 */
#ifndef LUO_LUO_SER_H
#define LUO_LUO_SER_H
#include <abi/luo.h>
#include <types.h>
#include <kho_block.h>

/* ---------------- writer ---------------- */

struct luo_ser_chains {
	struct kho_block_set sessions;      /* session records; .first is sessions_pa */
	struct kho_block_set files;         /* files of the session being added */
};

void luo_ser_chains_init(struct luo_ser_chains *c, paddr_t (*alloc_block)(void *ctx),
			 void (*free_block)(paddr_t pa, void *ctx), void *ctx);
/* Append a file record to the session being added. -ENOMEM: no block. */
int luo_ser_add_file(struct luo_ser_chains *c, const char *compatible, uint64_t data,
		     uint64_t token);
/* Append the session record, with the files added since the last session. */
int luo_ser_add_session(struct luo_ser_chains *c, const char *name);
/* Free every block of the chains (also after an error); c is empty afterwards. A
 * zeroed struct is empty too. */
void luo_ser_free(struct luo_ser_chains *c);

struct luo_ser_file {
	const char *compatible;
	uint64_t data, token;
};
struct luo_ser_session {
	const char *name;
	const struct luo_ser_file *files;
	uint64_t nfiles;
};
/* All n sessions at once into *out (initialized here). On error nothing is kept. */
int luo_ser_write(const struct luo_ser_session *sessions, size_t n,
		  paddr_t (*alloc_block)(void *ctx), void (*free_block)(paddr_t pa, void *ctx),
		  void *ctx, struct luo_ser_chains *out);

/* The whole struct luo_ser: compatible "luo-v5" NUL-padded, sessions_pa 0. */
void luo_ser_init(struct luo_ser *s, uint64_t liveupdate_num, paddr_t flbs_pa);
/* The FLB page (4 KiB, mapped): header {pgcnt 1, count 0}; then records appended
 * (zeroed first, name truncated to 47 bytes). -ENOSPC past LUO_FLB_MAX. */
void luo_ser_flb_init(void *page);
int luo_ser_flb_add(void *page, const char *name, uint64_t data, uint64_t count);

/* ---------------- reader ---------------- */

int luo_ser_check(paddr_t luo_ser_pa, uint64_t size, bool (*preserved)(paddr_t pa, uint64_t size),
		  const char **why);

struct luo_ser_read_ops {
	/* NULL: the FLB page is not read (the kernel reads it with luo_ser_flb_read). */
	int (*flb)(const char *name, uint64_t data, uint64_t count, void *arg);
	int (*session)(const char *name, uint64_t nfiles, void *arg);
	int (*file)(const char *compatible, uint64_t data, uint64_t token, void *arg);
};

/* The FLB page, mapped: why "FLB page header" or "FLB record". */
int luo_ser_flb_read(const void *page,
		     int (*flb)(const char *name, uint64_t data, uint64_t count, void *arg),
		     void *arg, const char **why);
/* A checked state: FLBs (if ops->flb), then sessions and their files, in order.
 * preserved(pa, 4096) is asked again for each block. */
int luo_ser_read(paddr_t luo_ser_pa, bool (*preserved)(paddr_t pa, uint64_t size),
		 const struct luo_ser_read_ops *ops, void *arg, const char **why);
/* A checked state, after it was read: give back its pages. */
void luo_ser_release(paddr_t luo_ser_pa, void (*free_page)(paddr_t pa, void *arg), void *arg);
#endif
