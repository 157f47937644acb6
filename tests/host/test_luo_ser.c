/*
 * luo/luo_ser.c on the host: the luo-v5 serialization (luo_ser, the session and file
 * block chains, the FLB page). Pages come from an arena at physical ARENA_BASE +
 * i * 4096, handed out lowest free page first (so a golden can name them) and
 * counted while live. kho_phys_to_virt() fails the test for an address outside the
 * arena, for a writer touching a page that is not live, and, while a reader runs,
 * for a page preserved() did not accept first (luo_ser_read relies on what
 * luo_ser_check accepted).
 *
 * Covered: the exact bytes of a small state against a golden written from the ABI
 * table (luo_ser, a session block with two records, a file block, the FLB header
 * and an entry) and the field offsets of include/abi/luo.h; seeded round trips
 * (0, 1, 51, 52, 2000 sessions; 0, 63, 64, 500 files; names of 1 and 63 bytes;
 * 0..63 FLBs) written, checked, read back and compared exactly, then released page
 * by page; -ENOMEM at every allocation leaving nothing behind; names truncated as
 * strlcpy; every reason the reader refuses a state, with its exact why; callback
 * errors passed on with why NULL.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <abi/luo.h>
#include <kho_block.h>
#include "../../kho/kho_internal.h"
#include "../../luo/luo_ser.h"
#include "host_test.h"

#define PAGE        4096ull
#define ARENA_BASE  0x10000000000ull            /* 1 TiB */
#define ARENA_PAGES 8192u                       /* 32 MiB */
#define P(i)        (ARENA_BASE + (i) * PAGE)

static uint8_t *arena;
static uint8_t live[ARENA_PAGES], accepted[ARENA_PAGES], freed[ARENA_PAGES];
static unsigned nlive, allocs, fail_after = ~0u;
static bool reading;
static paddr_t refuse_pa = 1;                   /* preserved() refuses this page */
static int ctx_tag;

static bool in_arena(paddr_t pa)
{
	return pa >= ARENA_BASE && pa - ARENA_BASE < ARENA_PAGES * PAGE;
}

static unsigned page_index(paddr_t pa)
{
	return (unsigned)((pa - ARENA_BASE) / PAGE);
}

void *kho_phys_to_virt(paddr_t pa)
{
	if (!in_arena(pa))
		fail_msg("kho_phys_to_virt(%#llx): not in the arena", (unsigned long long)pa);
	if (reading && !accepted[page_index(pa)])
		fail_msg("read %#llx before preserved() accepted it", (unsigned long long)pa);
	if (!reading && !live[page_index(pa)])
		fail_msg("writer touched %#llx, not a live page", (unsigned long long)pa);
	return arena + (pa - ARENA_BASE);
}

static void *virt(paddr_t pa)
{
	return arena + (pa - ARENA_BASE);
}

static paddr_t arena_alloc(void *ctx)
{
	assert_ptr_equal(ctx, &ctx_tag);
	if (allocs >= fail_after)
		return 0;
	for (unsigned i = 0; i < ARENA_PAGES; i++)
		if (!live[i]) {
			live[i] = 1;
			nlive++;
			allocs++;
			memset(arena + i * PAGE, 0, PAGE);
			return P(i);
		}
	fail_msg("arena full");
	return 0;
}

static void arena_free(paddr_t pa, void *ctx)
{
	assert_ptr_equal(ctx, &ctx_tag);
	if (!in_arena(pa) || pa % PAGE || !live[page_index(pa)])
		fail_msg("free_block(%#llx): not a live page", (unsigned long long)pa);
	live[page_index(pa)] = 0;
	nlive--;
	memset(arena + (pa - ARENA_BASE), 0xdb, PAGE);
}

static void reset_arena(void)
{
	memset(live, 0, sizeof(live));
	nlive = allocs = 0;
	fail_after = ~0u;
	refuse_pa = 1;
}

/* One page in the arena, whole, live and not refused. */
static bool preserved(paddr_t pa, uint64_t size)
{
	if (!in_arena(pa) || pa == refuse_pa || !live[page_index(pa)] ||
	    (pa % PAGE) + size > PAGE)
		return false;
	accepted[page_index(pa)] = 1;
	return true;
}

/* ---- a state: sessions, files, FLBs ---- */

struct model {
	uint64_t num;
	size_t nsessions, nflbs;
	struct luo_ser_session *sessions;
	struct luo_ser_file *files;                     /* all sessions' files */
	char (*snames)[LUO_SESSION_NAME_LENGTH];
	char (*fcompat)[LUO_HNDL_COMPAT_LENGTH];
	char flb_names[LUO_FLB_MAX][LUO_FLB_COMPAT_LENGTH];
	uint64_t flb_data[LUO_FLB_MAX], flb_count[LUO_FLB_MAX];
};

static void random_name(char *out, size_t len, uint64_t *seed)
{
	for (size_t i = 0; i < len; i++)
		out[i] = (char)(1 + host_rand(seed) % 255);   /* any byte but NUL */
	out[len] = 0;
}

/* nfiles[i] files in session i (nfiles NULL: random 0..3); nflbs FLBs. */
static void model_make(struct model *m, size_t n, const uint64_t *nfiles, size_t nflbs,
		       uint64_t seed)
{
	memset(m, 0, sizeof(*m));
	m->num = host_rand(&seed);
	m->nsessions = n;
	m->nflbs = nflbs;
	uint64_t total = 0, *counts = calloc(n + 1, sizeof(*counts));
	assert_non_null(counts);
	for (size_t i = 0; i < n; i++)
		total += counts[i] = nfiles ? nfiles[i] : host_rand(&seed) % 4;
	m->sessions = calloc(n + 1, sizeof(*m->sessions));
	m->snames = calloc(n + 1, sizeof(*m->snames));
	m->files = calloc(total + 1, sizeof(*m->files));
	m->fcompat = calloc(total + 1, sizeof(*m->fcompat));
	assert_true(m->sessions && m->snames && m->files && m->fcompat);
	uint64_t at = 0;
	for (size_t i = 0; i < n; i++) {
		/* Names of 1 and 63 bytes at the ends, anything in between otherwise. */
		size_t len = i == 0 ? 1 : i == 1 ? 63 : 1 + host_rand(&seed) % 63;
		random_name(m->snames[i], len, &seed);
		m->sessions[i] = (struct luo_ser_session){ m->snames[i], &m->files[at], counts[i] };
		for (uint64_t j = 0; j < counts[i]; j++, at++) {
			size_t cl = j == 0 ? 1 : j == 1 ? 47 : 1 + host_rand(&seed) % 47;
			random_name(m->fcompat[at], cl, &seed);
			m->files[at] = (struct luo_ser_file){ m->fcompat[at], host_rand(&seed),
							      host_rand(&seed) };
		}
	}
	for (size_t i = 0; i < nflbs; i++) {
		size_t len = i == 0 ? 1 : i == 1 ? 47 : 1 + host_rand(&seed) % 47;
		random_name(m->flb_names[i], len, &seed);
		m->flb_data[i] = host_rand(&seed);
		m->flb_count[i] = 1 + host_rand(&seed) % 1000;
	}
	free(counts);
}

static void model_free(struct model *m)
{
	free(m->sessions);
	free(m->snames);
	free(m->files);
	free(m->fcompat);
}

struct state {
	paddr_t ser_pa, flb_pa;
	struct luo_ser_chains c;
};

/* Write m as the kernel does: luo_ser and FLB page first (luo_init), chains later. */
static void write_state(const struct model *m, struct state *st)
{
	reset_arena();
	st->ser_pa = arena_alloc(&ctx_tag);
	st->flb_pa = arena_alloc(&ctx_tag);
	luo_ser_init(kho_phys_to_virt(st->ser_pa), m->num, st->flb_pa);
	luo_ser_flb_init(kho_phys_to_virt(st->flb_pa));
	assert_int_equal(luo_ser_write(m->sessions, m->nsessions, arena_alloc, arena_free,
				       &ctx_tag, &st->c), 0);
	for (size_t i = 0; i < m->nflbs; i++)
		assert_int_equal(luo_ser_flb_add(kho_phys_to_virt(st->flb_pa), m->flb_names[i],
						 m->flb_data[i], m->flb_count[i]), 0);
	((struct luo_ser *)virt(st->ser_pa))->sessions_pa = st->c.sessions.first;
}

/* ---- reading back ---- */

struct got {
	const struct model *m;          /* compare as it comes, if set */
	size_t sessions, flbs;
	uint64_t files, cur_files, cur_expect;
	unsigned calls, fail_call;      /* callback fail_call (1-based) returns -ENOMEM */
	bool mismatch;
	uint64_t file_at;
};

static int count_call(struct got *g)
{
	return ++g->calls == g->fail_call ? -ENOMEM : 0;
}

static int got_flb(const char *name, uint64_t data, uint64_t count, void *arg)
{
	struct got *g = arg;
	const struct model *m = g->m;
	if (m && (g->flbs >= m->nflbs || strcmp(name, m->flb_names[g->flbs]) ||
		  data != m->flb_data[g->flbs] || count != m->flb_count[g->flbs]))
		fail_msg("FLB %zu differs", g->flbs);
	g->flbs++;
	return count_call(g);
}

static int got_session(const char *name, uint64_t nfiles, void *arg)
{
	struct got *g = arg;
	const struct model *m = g->m;
	if (g->cur_files != g->cur_expect)
		fail_msg("session %zu: %llu files, want %llu", g->sessions,
			 (unsigned long long)g->cur_files, (unsigned long long)g->cur_expect);
	if (m && (g->sessions >= m->nsessions || strcmp(name, m->sessions[g->sessions].name) ||
		  nfiles != m->sessions[g->sessions].nfiles))
		fail_msg("session %zu differs", g->sessions);
	g->sessions++;
	g->cur_files = 0;
	g->cur_expect = nfiles;
	return count_call(g);
}

static int got_file(const char *compatible, uint64_t data, uint64_t token, void *arg)
{
	struct got *g = arg;
	const struct model *m = g->m;
	if (!g->sessions || g->cur_files >= g->cur_expect)
		fail_msg("file %llu outside a session's count", (unsigned long long)g->files);
	if (m) {
		const struct luo_ser_file *f = &m->sessions[g->sessions - 1].files[g->cur_files];
		if (strcmp(compatible, f->compatible) || data != f->data || token != f->token)
			fail_msg("session %zu file %llu differs", g->sessions - 1,
				 (unsigned long long)g->cur_files);
	}
	g->cur_files++;
	g->files++;
	return count_call(g);
}

static const struct luo_ser_read_ops ops = { got_flb, got_session, got_file };

static int check_state(paddr_t ser_pa, uint64_t size, const char **why)
{
	memset(accepted, 0, sizeof(accepted));
	reading = true;
	int r = luo_ser_check(ser_pa, size, preserved, why);
	reading = false;
	return r;
}

/* After check_state accepted it (accepted[] kept). */
static int read_state(paddr_t ser_pa, struct got *g, const char **why)
{
	reading = true;
	int r = luo_ser_read(ser_pa, preserved, &ops, g, why);
	reading = false;
	return r;
}

static void release_free(paddr_t pa, void *arg)
{
	(void)arg;
	if (!in_arena(pa) || pa % PAGE || freed[page_index(pa)] || !live[page_index(pa)])
		fail_msg("release: %#llx freed twice or never allocated", (unsigned long long)pa);
	freed[page_index(pa)] = 1;
}

static void round_trip(const struct model *m)
{
	struct state st;
	write_state(m, &st);
	const char *why = "stale";
	if (check_state(st.ser_pa, sizeof(struct luo_ser), &why) || why)
		fail_msg("check refused a written state: %s", why ? why : "(why NULL)");
	struct got g = { .m = m };
	if (read_state(st.ser_pa, &g, &why) || why)
		fail_msg("read failed: %s", why ? why : "(why NULL)");
	uint64_t total = 0;
	for (size_t i = 0; i < m->nsessions; i++)
		total += m->sessions[i].nfiles;
	assert_int_equal(g.sessions, m->nsessions);
	assert_int_equal(g.flbs, m->nflbs);
	assert_int_equal(g.files, total);
	assert_int_equal(g.cur_files, g.cur_expect);
	const struct luo_ser *s = virt(st.ser_pa);
	assert_int_equal(s->liveupdate_num, m->num);
	assert_int_equal(s->flbs_pa, st.flb_pa);
	assert_int_equal(s->sessions_pa, m->nsessions ? st.c.sessions.first : 0);
	/* Block counts: ceil(n / 51) session blocks, ceil(files / 63) per session. */
	uint64_t blocks = (m->nsessions + 50) / 51;
	for (size_t i = 0; i < m->nsessions; i++)
		blocks += (m->sessions[i].nfiles + 62) / 63;
	assert_int_equal(nlive, 2 + blocks);
	/* Release gives back every live page exactly once. */
	memset(freed, 0, sizeof(freed));
	reading = true;
	luo_ser_release(st.ser_pa, release_free, NULL);
	reading = false;
	for (unsigned i = 0; i < ARENA_PAGES; i++)
		if (freed[i] != live[i])
			fail_msg("release: page %u freed %d, live %d", i, freed[i], live[i]);
	/* And the writer's undo gives back every chain block. */
	luo_ser_free(&st.c);
	assert_int_equal(nlive, 2);
	luo_ser_free(&st.c);                    /* twice is harmless */
	assert_int_equal(nlive, 2);
}

/* ---- golden bytes ---- */

static void hex(char *out, const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", ((const uint8_t *)p)[i]);
}

#define Z8  "0000000000000000"
#define Z40 Z8 Z8 Z8 Z8 Z8

static void test_offsets(void **state)
{
	(void)state;
	/* include/abi/luo.h against the ABI table (§b.5). */
	assert_int_equal(offsetof(struct luo_ser, compatible), 0);
	assert_int_equal(offsetof(struct luo_ser, liveupdate_num), 8);
	assert_int_equal(offsetof(struct luo_ser, sessions_pa), 16);
	assert_int_equal(offsetof(struct luo_ser, flbs_pa), 24);
	assert_int_equal(offsetof(struct luo_session_ser, name), 0);
	assert_int_equal(offsetof(struct luo_session_ser, file_set_ser.files), 64);
	assert_int_equal(offsetof(struct luo_session_ser, file_set_ser.count), 72);
	assert_int_equal(offsetof(struct luo_file_ser, compatible), 0);
	assert_int_equal(offsetof(struct luo_file_ser, data), 48);
	assert_int_equal(offsetof(struct luo_file_ser, token), 56);
	assert_int_equal(offsetof(struct luo_flb_header_ser, pgcnt), 0);
	assert_int_equal(offsetof(struct luo_flb_header_ser, count), 8);
	assert_int_equal(offsetof(struct luo_flb_ser, name), 0);
	assert_int_equal(offsetof(struct luo_flb_ser, data), 48);
	assert_int_equal(offsetof(struct luo_flb_ser, count), 56);
	assert_int_equal(LUO_SESSIONS_PER_BLOCK, 51);
	assert_int_equal(LUO_FILES_PER_BLOCK, 63);
}

static void test_golden_bytes(void **state)
{
	(void)state;
	static const struct luo_ser_file fa[] = { { "memfd-v2", 0x1122334455667788ull, 42 } };
	static const struct luo_ser_session ss[] = { { "a", fa, 1 }, { "b", NULL, 0 } };
	struct model m = { .num = 7, .nsessions = 2, .nflbs = 1,
			   .sessions = (struct luo_ser_session *)ss };
	strcpy(m.flb_names[0], "liveupdate-test-flb-v0");
	m.flb_data[0] = 0xFEEDF00DCAFEBEE0ull;
	m.flb_count[0] = 1;
	struct state st;
	write_state(&m, &st);
	/* p0 luo_ser, p1 FLB page, p2 the file block of "a", p3 the session block. */
	assert_int_equal(st.ser_pa, P(0));
	assert_int_equal(st.flb_pa, P(1));
	assert_int_equal(st.c.sessions.first, P(3));
	char out[2 * PAGE + 1];
	hex(out, virt(P(0)), 32);
	assert_golden(out, "6c756f2d76350000"      /* "luo-v5" NUL-padded to 8 */
			   "0700000000000000"      /* liveupdate_num 7 */
			   "0030000000010000"      /* sessions_pa p3 = 0x10000003000 */
			   "0010000000010000");    /* flbs_pa p1 */
	hex(out, virt(P(3)), 16 + 2 * 80 + 8);
	assert_golden(out, Z8                      /* next 0 */
			   "0200000000000000"      /* count 2 */
			   "61" "00000000000000" Z8 Z8 Z8 Z8 Z8 Z8 Z8   /* name "a", 64 bytes */
			   "0020000000010000"      /* files p2 */
			   "0100000000000000"      /* count 1 */
			   "62" "00000000000000" Z8 Z8 Z8 Z8 Z8 Z8 Z8   /* name "b" */
			   Z8                      /* files 0 */
			   Z8                      /* count 0 */
			   Z8);                    /* nothing after the records */
	hex(out, virt(P(2)), 16 + 64 + 8);
	assert_golden(out, Z8 "0100000000000000"   /* next 0, count 1 */
			   "6d656d66642d7632" Z40  /* "memfd-v2", 48 bytes */
			   "8877665544332211"      /* data */
			   "2a00000000000000"      /* token 42 */
			   Z8);
	hex(out, virt(P(1)), 16 + 64 + 8);
	assert_golden(out, "0100000000000000"      /* pgcnt 1 */
			   "0100000000000000"      /* count 1 */
			   "6c697665757064617465" "2d746573742d666c62" "2d7630"  /* name */
			   Z8 Z8 Z8 "0000"         /* NUL-padded to 48 bytes */
			   "e0befeca0df0edfe"      /* data 0xFEEDF00DCAFEBEE0 */
			   "0100000000000000"      /* count 1 */
			   Z8);
	luo_ser_free(&st.c);
	assert_int_equal(nlive, 2);
}

/* ---- round trips ---- */

static void test_round_trip_sessions(void **state)
{
	(void)state;
	static const size_t rows[] = { 0, 1, 51, 52, 2000 };
	for (unsigned c = 0; c < ARRAY_SIZE(rows); c++) {
		struct model m;
		model_make(&m, rows[c], NULL, (c * 17) % 64, 0x5eed0000ull + c);
		round_trip(&m);
		model_free(&m);
	}
}

static void test_round_trip_files(void **state)
{
	(void)state;
	static const uint64_t nfiles[] = { 0, 63, 64, 500, 1, 0, 62, 126, 127 };
	struct model m;
	model_make(&m, ARRAY_SIZE(nfiles), nfiles, 63, 0xf11e5ull);
	round_trip(&m);
	model_free(&m);
	/* 52 sessions of 64 files: two session blocks, two file blocks each. */
	uint64_t many[52];
	for (unsigned i = 0; i < 52; i++)
		many[i] = 64;
	model_make(&m, 52, many, 1, 0xabcull);
	round_trip(&m);
	model_free(&m);
}

static void test_round_trip_flbs(void **state)
{
	(void)state;
	for (size_t n = 0; n <= LUO_FLB_MAX; n++) {
		struct model m;
		model_make(&m, n % 3, NULL, n, 0xf1b0ull + n);
		round_trip(&m);
		model_free(&m);
	}
	/* A 64th FLB does not fit. */
	struct model m;
	model_make(&m, 0, NULL, LUO_FLB_MAX, 1);
	struct state st;
	write_state(&m, &st);
	assert_int_equal(luo_ser_flb_add(virt(st.flb_pa), "x", 1, 1), -ENOSPC);
	assert_int_equal(((struct luo_flb_header_ser *)virt(st.flb_pa))->count, LUO_FLB_MAX);
	model_free(&m);
}

static void test_random_sets(void **state)
{
	(void)state;
	uint64_t seed = 0x1badcafeull;
	for (unsigned c = 0; c < 40; c++) {
		size_t n = host_rand(&seed) % 160;
		uint64_t *nf = calloc(n + 1, sizeof(*nf));
		assert_non_null(nf);
		for (size_t i = 0; i < n; i++)
			nf[i] = host_rand(&seed) % 8 == 0 ? host_rand(&seed) % 200 : host_rand(&seed) % 3;
		struct model m;
		model_make(&m, n, nf, host_rand(&seed) % 64, host_rand(&seed));
		round_trip(&m);
		model_free(&m);
		free(nf);
	}
}

/* Names and compatibles too long for their field are cut as strlcpy cuts them. */
static void test_truncation(void **state)
{
	(void)state;
	char longname[100], longcompat[100];
	memset(longname, 'n', 99);
	longname[99] = 0;
	memset(longcompat, 'c', 99);
	longcompat[99] = 0;
	struct luo_ser_file f = { longcompat, 1, 2 };
	struct luo_ser_session s = { longname, &f, 1 };
	struct model m = { .nsessions = 1, .nflbs = 0, .sessions = &s };
	struct state st;
	write_state(&m, &st);
	assert_int_equal(luo_ser_flb_add(virt(st.flb_pa), longname, 3, 4), 0);
	const struct kho_block_header_ser *sh = virt(st.c.sessions.first);
	const struct luo_session_ser *se = (const void *)(sh + 1);
	assert_int_equal(strnlen(se->name, 64), 63);
	const struct kho_block_header_ser *fh = virt(se->file_set_ser.files);
	const struct luo_file_ser *fe = (const void *)(fh + 1);
	assert_int_equal(strnlen(fe->compatible, 48), 47);
	const struct luo_flb_ser *fl = (const void *)((const uint8_t *)virt(st.flb_pa) + 16);
	assert_int_equal(strnlen(fl->name, 48), 47);
	assert_int_equal(fl->data, 3);
	assert_int_equal(fl->count, 4);
	luo_ser_free(&st.c);
}

/* -ENOMEM at each allocation: nothing stays allocated; the incremental API too. */
static void test_enomem(void **state)
{
	(void)state;
	static const uint64_t nfiles[] = { 64, 0, 1, 63 };
	struct model m;
	model_make(&m, ARRAY_SIZE(nfiles), nfiles, 0, 78);
	unsigned need = 1 + 2 + 1 + 1;          /* session block, 64 files, 1, 63 */
	for (unsigned k = 0; k < need; k++) {
		reset_arena();
		fail_after = k;
		struct luo_ser_chains c;
		assert_int_equal(luo_ser_write(m.sessions, m.nsessions, arena_alloc, arena_free,
					       &ctx_tag, &c), -ENOMEM);
		if (nlive)
			case_fail("fail at allocation %u: %u pages left", k, nlive);
		/* The kernel's path: stop at the error, then luo_ser_free. */
		reset_arena();
		fail_after = k;
		luo_ser_chains_init(&c, arena_alloc, arena_free, &ctx_tag);
		int err = 0;
		for (size_t i = 0; i < m.nsessions && !err; i++) {
			for (uint64_t j = 0; j < m.sessions[i].nfiles && !err; j++)
				err = luo_ser_add_file(&c, "x", j, j);
			if (!err)
				err = luo_ser_add_session(&c, m.sessions[i].name);
		}
		assert_int_equal(err, -ENOMEM);
		luo_ser_free(&c);
		if (nlive)
			case_fail("incremental, fail at allocation %u: %u pages left", k, nlive);
	}
	reset_arena();
	fail_after = need;
	struct luo_ser_chains c;
	assert_int_equal(luo_ser_write(m.sessions, m.nsessions, arena_alloc, arena_free,
				       &ctx_tag, &c), 0);
	assert_int_equal(nlive, need);
	luo_ser_free(&c);
	assert_int_equal(nlive, 0);
	model_free(&m);
	/* A zeroed chains struct is empty. */
	struct luo_ser_chains z;
	memset(&z, 0, sizeof(z));
	luo_ser_free(&z);
}

/* ---- rejections ---- */

/* The base state for the rejections: 52 sessions (two session blocks) with 1, 64, 0,
 * 1, 1 .. files; FLBs "f0", "f1". Pages: p0 luo_ser, p1 FLB page, then chains. */
static struct model base;
static struct state bst;

static paddr_t sblock(unsigned i)               /* session block i */
{
	paddr_t b = bst.c.sessions.first;
	while (i--)
		b = ((struct kho_block_header_ser *)virt(b))->next;
	return b;
}

static struct luo_session_ser *srec(unsigned i)
{
	return (struct luo_session_ser *)((uint8_t *)virt(sblock(i / 51)) + 16) + i % 51;
}

static struct kho_block_header_ser *fhdr(unsigned session, unsigned block)
{
	paddr_t b = srec(session)->file_set_ser.files;
	while (block--)
		b = ((struct kho_block_header_ser *)virt(b))->next;
	return virt(b);
}

static struct luo_ser *ser(void)
{
	return virt(bst.ser_pa);
}

static struct luo_flb_header_ser *flbh(void)
{
	return virt(bst.flb_pa);
}

static struct luo_flb_ser *flbe(unsigned i)
{
	return (struct luo_flb_ser *)(flbh() + 1) + i;
}

static uint64_t blob_size = 32;

static void m_short(void) { blob_size = 31; }
static void m_ser_refused(void) { refuse_pa = bst.ser_pa; }
static void m_ser_outside(void) { bst.ser_pa = ARENA_BASE - 64; }
static void m_v4(void) { memcpy(ser()->compatible, "luo-v4\0", 8); }
static void m_no_nul(void) { memcpy(ser()->compatible, "luo-v5xy", 8); }
static void m_v5_suffix(void) { memcpy(ser()->compatible, "luo-v50", 8); }
static void m_flb_zero(void) { ser()->flbs_pa = 0; }
static void m_flb_refused(void) { refuse_pa = bst.flb_pa; }
static void m_flb_unaligned(void) { ser()->flbs_pa += 8; }
static void m_name_no_nul(void) { memset(srec(3)->name, 'x', 64); }
static void m_name_empty(void) { srec(51)->name[0] = 0; }
static void m_files_more(void) { srec(0)->file_set_ser.count = 2; }
static void m_files_fewer(void) { srec(1)->file_set_ser.count = 63; }
static void m_files_none(void) { srec(2)->file_set_ser.count = 1; }
static void m_files_any(void) { srec(0)->file_set_ser.count = UINT64_MAX; }
static void m_session_cycle(void) { ((struct kho_block_header_ser *)virt(sblock(1)))->next = sblock(0); }
static void m_file_cycle(void) { fhdr(1, 1)->next = srec(1)->file_set_ser.files; }
static void m_session_refused(void) { refuse_pa = sblock(1); }
static void m_file_refused(void) { refuse_pa = srec(1)->file_set_ser.files; }
static void m_file_chain_2(void) { refuse_pa = srec(5)->file_set_ser.files; }
static void m_session_count0(void) { ((struct kho_block_header_ser *)virt(sblock(1)))->count = 0; }
static void m_file_count_big(void) { fhdr(0, 0)->count = 64; }
static void m_session_unaligned(void) { ser()->sessions_pa += 16; }
static void m_flb_pgcnt(void) { flbh()->pgcnt = 2; }
static void m_flb_pgcnt0(void) { flbh()->pgcnt = 0; }
static void m_flb_count(void) { flbh()->count = 64; }
static void m_flb_name(void) { memset(flbe(1)->name, 'x', 48); }
static void m_flb_empty(void) { flbe(1)->name[0] = 0; }
static void m_flb_count0(void) { flbe(1)->count = 0; }
/* Accepted: a session with count 0 pointing at garbage (never walked), the bytes
 * after a NUL, the FLB count 63. */
static void m_files_count0_garbage(void) { srec(2)->file_set_ser.files = 0xdead000; }
static void m_name_tail(void) { srec(4)->name[40] = 'z'; }
static void m_flb_max(void) { flbh()->count = 63; for (unsigned i = 2; i < 63; i++) { flbe(i)->name[0] = 'g'; flbe(i)->count = 1; } }

static void test_rejections(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		void (*mutate)(void);
		const char *check_why;          /* NULL: luo_ser_check accepts */
		const char *read_why;           /* then luo_ser_read: NULL accepts */
	} rows[] = {
		{ "short blob", m_short, "the LUO state is short or not preserved", NULL },
		{ "luo_ser not preserved", m_ser_refused, "the LUO state is short or not preserved", NULL },
		{ "luo_ser outside", m_ser_outside, "the LUO state is short or not preserved", NULL },
		{ "luo-v4", m_v4, "the LUO state has another version", NULL },
		{ "no NUL padding", m_no_nul, "the LUO state has another version", NULL },
		{ "luo-v50", m_v5_suffix, "the LUO state has another version", NULL },
		{ "FLB page 0", m_flb_zero, "the LUO FLB page is not preserved", NULL },
		{ "FLB page not preserved", m_flb_refused, "the LUO FLB page is not preserved", NULL },
		{ "FLB page unaligned", m_flb_unaligned, "the LUO FLB page is not preserved", NULL },
		{ "name without NUL", m_name_no_nul, "a LUO session name", NULL },
		{ "empty name", m_name_empty, "a LUO session name", NULL },
		{ "file count above chain", m_files_more, "fewer entries than expected", NULL },
		{ "file count below chain", m_files_fewer, "more entries than expected", NULL },
		{ "file count, no chain", m_files_none, "fewer entries than expected", NULL },
		{ "file count UINT64_MAX", m_files_any, "a LUO file chain", NULL },
		{ "session chain cycle", m_session_cycle, "cycle in the block chain", NULL },
		{ "file chain cycle", m_file_cycle, "cycle in the block chain", NULL },
		{ "session block not preserved", m_session_refused, "block refused by block_ok", NULL },
		{ "file block not preserved", m_file_refused, "block refused by block_ok", NULL },
		{ "later file block not preserved", m_file_chain_2, "block refused by block_ok", NULL },
		{ "session block count 0", m_session_count0, "block count is 0", NULL },
		{ "file block count 64", m_file_count_big, "block count above capacity", NULL },
		{ "session chain unaligned", m_session_unaligned, "block not page aligned", NULL },
		{ "FLB pgcnt 2", m_flb_pgcnt, NULL, "FLB page header" },
		{ "FLB pgcnt 0", m_flb_pgcnt0, NULL, "FLB page header" },
		{ "FLB count 64", m_flb_count, NULL, "FLB page header" },
		{ "FLB name without NUL", m_flb_name, NULL, "FLB record" },
		{ "FLB name empty", m_flb_empty, NULL, "FLB record" },
		{ "FLB count 0", m_flb_count0, NULL, "FLB record" },
		{ "count 0, files set", m_files_count0_garbage, NULL, NULL },
		{ "bytes after a name's NUL", m_name_tail, NULL, NULL },
		{ "63 FLBs", m_flb_max, NULL, NULL },
	};
	uint64_t nfiles[52];
	for (unsigned i = 0; i < 52; i++)
		nfiles[i] = i == 1 ? 64 : i == 2 ? 0 : 1;
	for (unsigned c = 0; c < ARRAY_SIZE(rows); c++) {
		model_make(&base, 52, nfiles, 2, 0x4e1ec7ull);
		strcpy(base.flb_names[0], "f0");
		strcpy(base.flb_names[1], "f1");
		write_state(&base, &bst);
		blob_size = 32;
		if (getenv("LUO_SER_VERBOSE"))
			fprintf(stderr, "row %s\n", rows[c].name);
		static uint8_t saved[128 * PAGE];       /* the whole state, for the undo */
		assert_true(nlive <= 128);
		memcpy(saved, arena, sizeof(saved));
		rows[c].mutate();
		const char *why = "stale";
		int r = check_state(bst.ser_pa, blob_size, &why);
		const char *want = rows[c].check_why;
		if (want ? r != -EINVAL || !why || strcmp(why, want) : r || why)
			case_fail("%s: check %d (%s), want %s", rows[c].name, r,
				  why ? why : "why NULL", want ? want : "accepted");
		if (!want) {
			struct got g = { 0 };
			r = read_state(bst.ser_pa, &g, &why);
			want = rows[c].read_why;
			if (want ? r != -EINVAL || !why || strcmp(why, want) : r || why)
				case_fail("%s: read %d (%s), want %s", rows[c].name, r,
					  why ? why : "why NULL", want ? want : "accepted");
			if (want && g.calls)
				case_fail("%s: %u callbacks for a corrupt state", rows[c].name, g.calls);
			if (!want && (g.sessions != 52 || g.files != 51 + 64 - 1))
				case_fail("%s: read %zu sessions, %llu files", rows[c].name,
					  g.sessions, (unsigned long long)g.files);
			memset(freed, 0, sizeof(freed));
			reading = true;
			luo_ser_release(bst.ser_pa, release_free, NULL);
			reading = false;
		}
		memcpy(arena, saved, sizeof(saved));   /* the writer trusts its own chains */
		luo_ser_free(&bst.c);
		assert_int_equal(nlive, 2);
		model_free(&base);
	}
	blob_size = 32;
}

/* Without luo_ser_check the reader still refuses what it meets. */
static void test_read_unchecked(void **state)
{
	(void)state;
	uint64_t nfiles[3] = { 1, 2, 1 };
	model_make(&base, 3, nfiles, 0, 5);
	write_state(&base, &bst);
	memset(accepted, 1, sizeof(accepted));
	struct got g = { 0 };
	const char *why;
	srec(1)->file_set_ser.count = 3;
	reading = true;
	int r = luo_ser_read(bst.ser_pa, preserved, &ops, &g, &why);
	reading = false;
	assert_int_equal(r, -EINVAL);
	assert_non_null(why);
	assert_string_equal(why, "fewer entries than expected");
	assert_int_equal(g.sessions, 2);        /* delivered before its chain was read */
	srec(1)->file_set_ser.count = UINT64_MAX;
	memset(&g, 0, sizeof(g));
	reading = true;
	r = luo_ser_read(bst.ser_pa, preserved, &ops, &g, &why);
	reading = false;
	assert_int_equal(r, -EINVAL);
	assert_string_equal(why, "a LUO file chain");
	assert_int_equal(g.sessions, 1);
	srec(1)->file_set_ser.count = 2;
	memset(srec(2)->name, 'q', 64);
	memset(&g, 0, sizeof(g));
	reading = true;
	r = luo_ser_read(bst.ser_pa, preserved, &ops, &g, &why);
	reading = false;
	assert_int_equal(r, -EINVAL);
	assert_string_equal(why, "a LUO session name");
	assert_int_equal(g.sessions, 2);
	luo_ser_free(&bst.c);
	model_free(&base);
}

/* A callback's error stops the read and is passed on with why NULL. */
static void test_callback_errors(void **state)
{
	(void)state;
	uint64_t nfiles[3] = { 2, 0, 1 };
	model_make(&base, 3, nfiles, 2, 9);
	/* calls: flb, flb, session, file, file, session, session, file */
	for (unsigned k = 1; k <= 8; k++) {
		write_state(&base, &bst);
		const char *why = "stale";
		assert_int_equal(check_state(bst.ser_pa, 32, &why), 0);
		struct got g = { .m = &base, .fail_call = k };
		int r = read_state(bst.ser_pa, &g, &why);
		if (r != -ENOMEM || why || g.calls != k)
			case_fail("fail at call %u: %d (%s) after %u calls", k, r,
				  why ? why : "why NULL", g.calls);
		luo_ser_free(&bst.c);
	}
	model_free(&base);
	/* ops->flb NULL: the FLB page is not even looked at. */
	model_make(&base, 1, NULL, 0, 10);
	write_state(&base, &bst);
	flbh()->pgcnt = 9;
	static const struct luo_ser_read_ops no_flb = { NULL, got_session, got_file };
	struct got g = { .m = &base };
	const char *why;
	assert_int_equal(check_state(bst.ser_pa, 32, &why), 0);
	reading = true;
	assert_int_equal(luo_ser_read(bst.ser_pa, preserved, &no_flb, &g, &why), 0);
	reading = false;
	assert_int_equal(g.sessions, 1);
	assert_int_equal(luo_ser_flb_read(virt(bst.flb_pa), got_flb, &g, &why), -EINVAL);
	assert_string_equal(why, "FLB page header");
	luo_ser_free(&bst.c);
	model_free(&base);
}

int main(void)
{
	arena = aligned_alloc(PAGE, ARENA_PAGES * PAGE);
	if (!arena)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_offsets),
		cmocka_unit_test(test_golden_bytes),
		cmocka_unit_test(test_round_trip_sessions),
		cmocka_unit_test(test_round_trip_files),
		cmocka_unit_test(test_round_trip_flbs),
		cmocka_unit_test(test_random_sets),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_enomem),
		cmocka_unit_test(test_rejections),
		cmocka_unit_test(test_read_unchecked),
		cmocka_unit_test(test_callback_errors),
	};
	int r = cmocka_run_group_tests_name("luo_ser", tests, NULL, NULL);
	free(arena);
	return r;
}
