/*
 * LUO's state machine on the host: luo/luo_core.c, luo_session.c, luo_file.c and
 * luo_flb.c (with luo_ser.c and kho/kho_block.c) over shim/luo_host.c, where each
 * kernel is a forked child and KHO is an arena that the next child takes over.
 * Three fake file handlers (test-a, test-b without the optional ops, test-c) and
 * two FLBs (flb-x on test-a and test-c, flb-y on test-c) record every callback in
 * order; any callback can be told to fail.
 *
 * Covered, with exact errnos and callback orders: sessions (names, EEXIST, close,
 * count/exists, the `luo list` text); preserve and its errors, a handler or FLB
 * failure leaving nothing, close unpreserving last first; FLB creation/destruction
 * by count, rollback of the first FLB when the second fails, registration rules,
 * luo_flb_state; the kexec step (freeze order, a freeze failure in session k file j
 * unfreezing exactly the frozen files last first, a later step failing, -ENOMEM
 * while writing, the "luo.serialized" fault site), each undo leaving only LUO's own
 * two pages; and round trips N -> N+1 (-> N+2): sessions and files with tokens,
 * compatibles and data, retrieve-session once, sticky retrieve errors, finish last
 * first including never-retrieved files, can_finish -EBUSY, incoming FLBs retrieved
 * on first use and finished after their last file, a file without a handler making
 * every incoming access -EIO, and handovers the incoming check or the FLB reader
 * refuses.
 */
#include <errno.h>
#include <stdlib.h>
#include <fault_inject.h>
#include <kexec_step.h>
#include <kho.h>
#include <luo.h>
#include "../../luo/luo_internal.h"
#include "luo_host.h"
#include "host_test.h"

/* ---- what the callbacks did, in order ---- */

static char events[16384];

static __attribute__((format(printf, 1, 2))) void ev(const char *fmt, ...)
{
	size_t n = strlen(events);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(events + n, sizeof(events) - n, fmt, ap);
	va_end(ap);
}

/* The callbacks since the last check are exactly golden; start afresh. */
#define events_are(golden)                                                           \
	do {                                                                         \
		assert_golden(events, golden);                                       \
		events[0] = 0;                                                       \
	} while (0)

/* ---- knobs: a callback told to fail, and the boot's configuration ---- */

static struct {
	char op[24];
	unsigned id;
	int err;
} fails[8];

static void fail_on(const char *op, unsigned id, int err)
{
	for (unsigned i = 0; i < ARRAY_SIZE(fails); i++)
		if (!fails[i].op[0] || (!strcmp(fails[i].op, op) && fails[i].id == id)) {
			strlcpy(fails[i].op, op, sizeof(fails[i].op));
			fails[i].id = id;
			fails[i].err = err;
			return;
		}
	fail_msg("too many fail_on");
}

static int fail_of(char who, const char *op, unsigned id)
{
	char key[24];
	snprintf(key, sizeof(key), "%c.%s", who, op);
	for (unsigned i = 0; i < ARRAY_SIZE(fails); i++)
		if (fails[i].op[0] && !strcmp(fails[i].op, key) && fails[i].id == id)
			return fails[i].err;
	return 0;
}

static struct {
	bool no_b;            /* test-b is not registered this boot */
	int step_err;         /* the "test" kexec step (after LUO's) fails with it */
	int fault;            /* luo.serialized: 0 nothing, < 0 that error, 1 bad version */
} cfg;

/* ---- file handlers ---- */

struct tfile {
	const char *kind;
	unsigned id;
};
static struct tfile objs[64];

static struct luo_fileref ref(const char *kind, unsigned id)
{
	objs[id] = (struct tfile){ kind, id };
	return (struct luo_fileref){ kind, &objs[id] };
}

#define DATA(id) (0x100u + (id))

/* "test-a" -> 'A' */
static char who(const struct luo_file_handler *h)
{
	return (char)(h->compatible[5] - 'a' + 'A');
}

static unsigned out_id(const struct luo_file_op_args *a)
{
	return ((const struct tfile *)a->file.obj)->id;
}

static unsigned in_id(const struct luo_file_op_args *a)
{
	return (unsigned)(a->serialized_data - DATA(0));
}

static void ev_result(int err)
{
	if (err)
		ev(" = %d", err);
	ev("\n");
}

static bool t_can_preserve(struct luo_file_handler *h, const struct luo_fileref *f)
{
	return !strcmp(f->kind, h->compatible + 5);
}

static int t_preserve(struct luo_file_op_args *a)
{
	unsigned id = out_id(a);
	int err = fail_of(who(a->handler), "preserve", id);
	ev("%c.preserve %u", who(a->handler), id);
	ev_result(err);
	if (err)
		return err;
	unsigned *priv = malloc(sizeof(*priv));
	assert_non_null(priv);
	*priv = id;
	a->private_data = priv;
	a->serialized_data = DATA(id);
	return 0;
}

static void t_unpreserve(struct luo_file_op_args *a)
{
	unsigned id = out_id(a);
	ev("%c.unpreserve %u\n", who(a->handler), id);
	assert_int_equal(*(unsigned *)a->private_data, id);
	assert_int_equal(a->serialized_data, DATA(id));
	free(a->private_data);
}

static int t_freeze(struct luo_file_op_args *a)
{
	int err = fail_of(who(a->handler), "freeze", out_id(a));
	ev("%c.freeze %u", who(a->handler), out_id(a));
	ev_result(err);
	return err;
}

static void t_unfreeze(struct luo_file_op_args *a)
{
	ev("%c.unfreeze %u\n", who(a->handler), out_id(a));
}

static int t_retrieve(struct luo_file_op_args *a)
{
	unsigned id = in_id(a);
	int err = fail_of(who(a->handler), "retrieve", id);
	ev("%c.retrieve %u as %s", who(a->handler), id, a->retrieve_name);
	ev_result(err);
	if (err)
		return err;
	struct tfile *t = malloc(sizeof(*t));
	assert_non_null(t);
	*t = (struct tfile){ a->handler->compatible + 5, id };
	a->file = (struct luo_fileref){ t->kind, t };
	a->private_data = t;
	return 0;
}

static bool t_can_finish(struct luo_file_op_args *a)
{
	unsigned id = in_id(a);
	ev("%c.can_finish %u\n", who(a->handler), id);
	return !fail_of(who(a->handler), "can_finish", id);
}

static void t_finish(struct luo_file_op_args *a)
{
	ev("%c.finish %u%s\n", who(a->handler), in_id(a),
	   a->retrieve_status > 0 ? "" : a->retrieve_status < 0 ? " (failed)" : " (never retrieved)");
	if (a->retrieve_status > 0)
		free(a->private_data);
}

static const struct luo_file_ops ops_full = {
	.can_preserve = t_can_preserve, .preserve = t_preserve, .unpreserve = t_unpreserve,
	.freeze = t_freeze, .unfreeze = t_unfreeze, .retrieve = t_retrieve,
	.can_finish = t_can_finish, .finish = t_finish,
};
/* Only the required ops. */
static const struct luo_file_ops ops_min = {
	.can_preserve = t_can_preserve, .preserve = t_preserve, .unpreserve = t_unpreserve,
	.retrieve = t_retrieve, .finish = t_finish,
};
static struct luo_file_handler ha = { &ops_full, "test-a", NULL };
static struct luo_file_handler hb = { &ops_min, "test-b", NULL };
static struct luo_file_handler hc = { &ops_full, "test-c", NULL };

/* ---- FLBs ---- */

static char flb_who(const struct luo_flb *flb)
{
	return (char)(flb->compatible[4] - 'a' + 'A');
}

#define FLB_DATA(c) (0xf100u + (unsigned)(c))

static int f_preserve(struct luo_flb_op_args *a)
{
	char c = flb_who(a->flb);
	int err = fail_of(c, "preserve", 0);
	ev("%c.preserve", c);
	ev_result(err);
	if (err)
		return err;
	assert_int_equal(a->data, 0);
	assert_null(a->obj);
	a->data = FLB_DATA(c);
	a->obj = malloc(1);
	assert_non_null(a->obj);
	*(char *)a->obj = c;
	return 0;
}

static void f_unpreserve(struct luo_flb_op_args *a)
{
	char c = flb_who(a->flb);
	ev("%c.unpreserve\n", c);
	assert_int_equal(a->data, FLB_DATA(c));
	assert_int_equal(*(char *)a->obj, c);
	free(a->obj);
}

static int f_retrieve(struct luo_flb_op_args *a)
{
	char c = flb_who(a->flb);
	int err = fail_of(c, "retrieve", 0);
	ev("%c.retrieve %#llx", c, (unsigned long long)a->data);
	ev_result(err);
	if (err)
		return err;
	assert_null(a->obj);
	a->obj = malloc(1);
	assert_non_null(a->obj);
	*(char *)a->obj = (char)(c + 32);
	return 0;
}

static void f_finish(struct luo_flb_op_args *a)
{
	char c = flb_who(a->flb);
	ev("%c.finish\n", c);
	assert_int_equal(a->data, FLB_DATA(c));
	assert_int_equal(*(char *)a->obj, c + 32);
	free(a->obj);
}

static const struct luo_flb_ops flb_ops = {
	.preserve = f_preserve, .unpreserve = f_unpreserve,
	.retrieve = f_retrieve, .finish = f_finish,
};
static struct luo_flb fx = { &flb_ops, "flb-x", NULL };
static struct luo_flb fy = { &flb_ops, "flb-y", NULL };

static int test_register(void)
{
	assert_int_equal(luo_register_file_handler(&ha), 0);
	if (!cfg.no_b)
		assert_int_equal(luo_register_file_handler(&hb), 0);
	assert_int_equal(luo_register_file_handler(&hc), 0);
	assert_int_equal(luo_register_flb(&ha, &fx), 0);
	assert_int_equal(luo_register_flb(&hc, &fx), 0);
	assert_int_equal(luo_register_flb(&hc, &fy), 0);
	return 0;
}
LUO_REGISTER(90, test_register);

/* A kexec step after LUO's (order 10), to make a later step fail. */
static int step_prepare(void)
{
	ev("step.prepare");
	ev_result(cfg.step_err);
	return cfg.step_err;
}

static void step_undo(void)
{
	ev("step.undo\n");
}
KEXEC_STEP("test", 20, step_prepare, step_undo);

/* The fault site LUO offers test instruments, after every record is written. */
static int serialized_fault(void *ctx)
{
	struct luo_out_state *st = ctx;
	assert_ptr_equal(st->ser, kho_phys_to_virt(st->ser_pa));
	if (cfg.fault == 1) {
		memcpy(st->ser->compatible, "luo-v4", 7);
		return 0;
	}
	return cfg.fault;
}
FAULT_HANDLER("luo.serialized", serialized_fault);

/* ---- helpers for the kernels ---- */

static void flb_state_is(struct luo_flb *flb, uint64_t out, uint64_t in, bool present,
			 bool finished)
{
	struct luo_flb_state st;
	luo_flb_state(flb, &st);
	assert_int_equal(st.out_count, out);
	assert_int_equal(st.in_count, in);
	assert_int_equal(st.in_present, present);
	assert_int_equal(st.in_finished, finished);
}

static void list_is(const char *golden)
{
	printk_log_reset();
	luo_list();
	assert_golden(printk_log(), golden);
	printk_log_reset();
}

static void preserve_ok(const char *session, const char *kind, unsigned id, uint64_t token)
{
	struct luo_fileref r = ref(kind, id);
	int err = luo_preserve(session, &r, token);
	if (err)
		fail_msg("preserve %s %u in %s: %d", kind, id, session, err);
}

/* Boot LUO: nothing may be logged, no callback may run. */
static void boot_quiet(void)
{
	luo_init();
	assert_golden(printk_log(), "");
	events_are("");
}

/* LUO's own outgoing pages (luo_ser, the FLB page) and nothing else. */
static void only_luo_pages(void)
{
	assert_int_equal(host_pages(HP_OUT_META), 2);
	assert_int_equal(host_pages(HP_OUT), 0);
}

/* ---- sessions ---- */

static void k_sessions(void)
{
	static const char name63[] =
		"123456789012345678901234567890123456789012345678901234567890123";
	static const char name64[] =
		"1234567890123456789012345678901234567890123456789012345678901234";
	boot_quiet();
	assert_int_equal(luo_liveupdate_number(), 0);
	assert_false(host_took_over());
	only_luo_pages();
	uint64_t size;
	paddr_t pa = host_subtree(false, LUO_FDT_NAME, &size);
	assert_int_equal(host_page_state(pa), HP_OUT_META);
	assert_int_equal(size, sizeof(struct luo_ser));

	static const struct {
		const char *name;
		int err;
	} creates[] = {
		{ "", -EINVAL },  { name64, -EINVAL }, { name63, 0 }, { "s1", 0 },
		{ "s1", -EEXIST }, { "s2", 0 },         { name63, -EEXIST },
	};
	for (size_t i = 0; i < ARRAY_SIZE(creates); i++) {
		int err = luo_create_session(creates[i].name);
		if (err != creates[i].err)
			case_fail("case %zu (%s): %d, expected %d", i, creates[i].name, err,
				  creates[i].err);
	}
	assert_int_equal(luo_session_count(), 3);
	assert_true(luo_session_exists("s1"));
	assert_true(luo_session_exists(name63));
	assert_false(luo_session_exists("s3"));
	assert_false(luo_session_exists(name64));
	preserve_ok("s2", "a", 1, 7);
	preserve_ok("s2", "b", 2, 18446744073709551615ull);
	list_is("  outgoing session 123456789012345678901234567890123456789012345678901234567890123 files=0\n"
		"  outgoing session s1 files=0\n"
		"  outgoing session s2 files=2\n"
		"    file token=7 handler=test-a state=preserved\n"
		"    file token=18446744073709551615 handler=test-b state=preserved\n");
	events_are("X.preserve\nA.preserve 1\nB.preserve 2\n");

	assert_int_equal(luo_close_session("s3"), -ENOENT);
	assert_int_equal(luo_close_session("s1"), 0);
	assert_int_equal(luo_close_session("s1"), -ENOENT);
	assert_int_equal(luo_close_session("s2"), 0);
	events_are("B.unpreserve 2\nA.unpreserve 1\nX.unpreserve\n");
	assert_int_equal(luo_session_count(), 1);
	assert_false(luo_session_exists("s2"));
	/* A closed name can be created again. */
	assert_int_equal(luo_create_session("s2"), 0);
	list_is("  outgoing session 123456789012345678901234567890123456789012345678901234567890123 files=0\n"
		"  outgoing session s2 files=0\n");
	assert_false(luo_is_preserved(&objs[1]));
	only_luo_pages();
}

static void test_sessions(void **state)
{
	(void)state;
	host_kernel(k_sessions);
}

/* ---- preserving files ---- */

static void k_preserve(void)
{
	boot_quiet();
	assert_int_equal(luo_create_session("s"), 0);
	assert_int_equal(luo_create_session("t"), 0);
	struct luo_fileref a1 = ref("a", 1), none = { "a", NULL }, z = ref("z", 9);
	assert_int_equal(luo_preserve("nope", &a1, 1), -ENOENT);
	assert_int_equal(luo_preserve("s", &a1, 1), 0);
	assert_int_equal(luo_preserve("s", &a1, 1), -EEXIST);       /* token first */
	struct luo_fileref b2 = ref("b", 2);
	assert_int_equal(luo_preserve("s", &b2, 1), -EEXIST);
	assert_int_equal(luo_preserve("s", &none, 2), -EBADF);
	assert_int_equal(luo_preserve("s", &z, 2), -ENOENT);          /* no handler */
	assert_int_equal(luo_preserve("s", &a1, 2), -EBUSY);          /* same object */
	assert_int_equal(luo_preserve("t", &a1, 1), -EBUSY);          /* in any session */
	assert_true(luo_is_preserved(&objs[1]));
	assert_false(luo_is_preserved(&objs[2]));
	events_are("X.preserve\nA.preserve 1\n");

	/* The handler fails: the FLB it created is rolled back, nothing stays. */
	assert_int_equal(luo_create_session("u"), 0);
	fail_on("C.preserve", 3, -EIO);
	struct luo_fileref c3 = ref("c", 3);
	assert_int_equal(luo_preserve("u", &c3, 5), -EIO);
	events_are("Y.preserve\nC.preserve 3 = -5\nY.unpreserve\n");
	flb_state_is(&fx, 1, 0, false, false);
	flb_state_is(&fy, 0, 0, false, false);
	assert_false(luo_is_preserved(&objs[3]));
	list_is("  outgoing session s files=1\n"
		"    file token=1 handler=test-a state=preserved\n"
		"  outgoing session t files=0\n"
		"  outgoing session u files=0\n");

	/* Close unpreserves last first, each file's FLBs in reverse. */
	preserve_ok("u", "b", 4, 1);
	preserve_ok("u", "c", 5, 2);
	preserve_ok("u", "a", 6, 3);
	events_are("B.preserve 4\nY.preserve\nC.preserve 5\nA.preserve 6\n");
	flb_state_is(&fx, 3, 0, false, false);
	assert_int_equal(luo_close_session("u"), 0);
	events_are("A.unpreserve 6\nC.unpreserve 5\nY.unpreserve\nB.unpreserve 4\n");
	flb_state_is(&fx, 1, 0, false, false);
	assert_int_equal(luo_close_session("s"), 0);
	events_are("A.unpreserve 1\nX.unpreserve\n");
	flb_state_is(&fx, 0, 0, false, false);
	only_luo_pages();
}

static void test_preserve(void **state)
{
	(void)state;
	host_kernel(k_preserve);
}

/* ---- FLBs in kernel N ---- */

static void k_flb(void)
{
	boot_quiet();
	assert_int_equal(luo_create_session("s"), 0);
	void *obj = (void *)1;
	assert_int_equal(luo_flb_get_outgoing(&fx, &obj), 0);
	assert_null(obj);
	preserve_ok("s", "a", 1, 1);
	preserve_ok("s", "a", 2, 2);
	preserve_ok("s", "c", 3, 3);
	preserve_ok("s", "b", 4, 4);
	events_are("X.preserve\nA.preserve 1\nA.preserve 2\nY.preserve\nC.preserve 3\n"
		   "B.preserve 4\n");
	flb_state_is(&fx, 3, 0, false, false);
	flb_state_is(&fy, 1, 0, false, false);
	assert_int_equal(luo_flb_get_outgoing(&fx, &obj), 0);
	assert_int_equal(*(char *)obj, 'X');
	assert_int_equal(luo_close_session("s"), 0);
	events_are("B.unpreserve 4\nC.unpreserve 3\nY.unpreserve\nA.unpreserve 2\n"
		   "A.unpreserve 1\nX.unpreserve\n");
	assert_int_equal(luo_flb_get_outgoing(&fx, &obj), 0);
	assert_null(obj);

	/* Two FLBs, the second's preserve fails: the first is undone (its 0 -> 1). */
	assert_int_equal(luo_create_session("s"), 0);
	fail_on("Y.preserve", 0, -ENOSPC);
	struct luo_fileref c5 = ref("c", 5);
	assert_int_equal(luo_preserve("s", &c5, 5), -ENOSPC);
	events_are("X.preserve\nY.preserve = -28\nX.unpreserve\n");
	flb_state_is(&fx, 0, 0, false, false);
	flb_state_is(&fy, 0, 0, false, false);
	/* With the first already in use, only its count goes back. */
	preserve_ok("s", "a", 6, 6);
	assert_int_equal(luo_preserve("s", &c5, 5), -ENOSPC);
	events_are("X.preserve\nA.preserve 6\nY.preserve = -28\n");
	flb_state_is(&fx, 1, 0, false, false);
	/* Preserve failing creates nothing either. */
	fail_on("X.preserve", 0, -EIO);
	assert_int_equal(luo_close_session("s"), 0);
	events_are("A.unpreserve 6\nX.unpreserve\n");
	assert_int_equal(luo_create_session("s"), 0);
	struct luo_fileref a7 = ref("a", 7);
	assert_int_equal(luo_preserve("s", &a7, 7), -EIO);
	events_are("X.preserve = -5\n");
	flb_state_is(&fx, 0, 0, false, false);
	/* Incoming, none: -ENOENT. */
	assert_int_equal(luo_flb_get_incoming(&fx, &obj), -ENOENT);
	only_luo_pages();
}

static void test_flb(void **state)
{
	(void)state;
	host_kernel(k_flb);
}

static const struct luo_flb_ops flb_ops_no_finish = {
	.preserve = f_preserve, .unpreserve = f_unpreserve, .retrieve = f_retrieve,
};

static void k_register(void)
{
	boot_quiet();
	static const struct luo_file_ops no_retrieve = {
		.can_preserve = t_can_preserve, .preserve = t_preserve,
		.unpreserve = t_unpreserve, .finish = t_finish,
	};
	static char long_compat[LUO_HNDL_COMPAT_LENGTH + 1];
	memset(long_compat, 'q', LUO_HNDL_COMPAT_LENGTH);        /* 48 bytes: no room for NUL */
	static char max_compat[LUO_HNDL_COMPAT_LENGTH];
	memset(max_compat, 'r', LUO_HNDL_COMPAT_LENGTH - 1);     /* 47: fits */
	static struct luo_file_handler hs[] = {
		{ NULL, "h0", NULL },        { &no_retrieve, "h1", NULL },
		{ &ops_min, NULL, NULL },    { &ops_min, "", NULL },
		{ &ops_min, long_compat, NULL }, { &ops_min, "test-a", NULL },
		{ &ops_min, max_compat, NULL },
	};
	static const int herr[] = { -EINVAL, -EINVAL, -EINVAL, -EINVAL, -EINVAL, -EEXIST, 0 };
	for (size_t i = 0; i < ARRAY_SIZE(hs); i++) {
		int err = luo_register_file_handler(&hs[i]);
		if (err != herr[i])
			case_fail("handler case %zu: %d, expected %d", i, err, herr[i]);
	}
	assert_int_equal(luo_register_file_handler(&ha), -EEXIST);   /* registered twice */
	assert_ptr_equal(luo_file_handler_find("test-c"), &hc);
	assert_ptr_equal(luo_file_handler_find(max_compat), &hs[6]);
	assert_null(luo_file_handler_find("test-z"));

	static struct luo_file_handler unreg = { &ops_min, "unreg", NULL };
	static char long_flb[LUO_FLB_COMPAT_LENGTH + 1];
	memset(long_flb, 'q', LUO_FLB_COMPAT_LENGTH);
	struct luo_flb bad[] = {
		{ NULL, "f0", NULL }, { &flb_ops_no_finish, "f1", NULL }, { &flb_ops, NULL, NULL },
		{ &flb_ops, "", NULL }, { &flb_ops, long_flb, NULL },
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		int err = luo_register_flb(&hs[6], &bad[i]);
		if (err != -EINVAL)
			case_fail("FLB case %zu: %d, expected -EINVAL", i, err);
	}
	static struct luo_flb ok = { &flb_ops, "flb-ok", NULL };
	assert_int_equal(luo_register_flb(&unreg, &ok), -EINVAL);     /* handler unregistered */
	assert_int_equal(luo_register_flb(&hc, &fx), -EEXIST);        /* already on it */
	static struct luo_flb twin = { &flb_ops, "flb-x", NULL };
	assert_int_equal(luo_register_flb(&hs[6], &twin), -EEXIST);   /* name taken */
	assert_null(twin.priv);
	/* flb-x registered on a third handler: the same private state. */
	struct luo_flb_private *px = fx.priv;
	assert_int_equal(luo_register_flb(&hs[6], &fx), 0);
	assert_ptr_equal(fx.priv, px);

	/* 8 FLBs per handler, 63 in all (flb-x and flb-y are two of them). */
	static struct luo_flb many[LUO_FLB_MAX];
	static char names[LUO_FLB_MAX][16];
	static struct luo_file_handler holders[8];
	static char hnames[8][16];
	for (unsigned i = 0; i < 8; i++) {
		snprintf(hnames[i], sizeof(hnames[i]), "holder-%u", i);
		holders[i] = (struct luo_file_handler){ &ops_min, hnames[i], NULL };
		assert_int_equal(luo_register_file_handler(&holders[i]), 0);
	}
	unsigned registered = 2;
	for (unsigned i = 0; i < LUO_FLB_MAX; i++) {
		snprintf(names[i], sizeof(names[i]), "many-%u", i);
		many[i] = (struct luo_flb){ &flb_ops, names[i], NULL };
		int err = luo_register_flb(&holders[i / 8], &many[i]);
		int want = registered < LUO_FLB_MAX ? 0 : -ENOSPC;
		if (err != want)
			case_fail("FLB %u: %d, expected %d", i, err, want);
		registered += !err;
	}
	assert_int_equal(registered, LUO_FLB_MAX);
	/* holders[0] has 8: a 9th, even one registered already, is -ENOSPC. */
	assert_int_equal(luo_register_flb(&holders[0], &fy), -ENOSPC);
	struct luo_flb_state st = { 1, 1, true, true };
	luo_flb_state(&many[62], &st);                      /* never registered */
	assert_int_equal(st.out_count + st.in_count + st.in_present + st.in_finished, 0);
	void *obj;
	assert_int_equal(luo_flb_get_incoming(&many[62], &obj), -EOPNOTSUPP);
	events_are("");
}

static void test_register_rules(void **state)
{
	(void)state;
	host_kernel(k_register);
}

/* ---- the kexec step ---- */

/* s1: a1 b2 c3; s2: a4 c5 b6. */
static void two_sessions(void)
{
	assert_int_equal(luo_create_session("s1"), 0);
	assert_int_equal(luo_create_session("s2"), 0);
	preserve_ok("s1", "a", 1, 11);
	preserve_ok("s1", "b", 2, 12);
	preserve_ok("s1", "c", 3, 13);
	preserve_ok("s2", "a", 4, 21);
	preserve_ok("s2", "c", 5, 22);
	preserve_ok("s2", "b", 6, 23);
	events[0] = 0;
}

static void k_freeze_fail(void)
{
	boot_quiet();
	two_sessions();
	/* Session 2, file 2 fails: its a4, then all of s1, last first. */
	fail_on("C.freeze", 5, -EIO);
	assert_int_equal(host_kexec(), -EIO);
	events_are("A.freeze 1\nC.freeze 3\nA.freeze 4\nC.freeze 5 = -5\n"
		   "A.unfreeze 4\nC.unfreeze 3\nA.unfreeze 1\n");
	assert_golden(printk_log(), "luo: freeze of token 22 in session s2 failed (-5)\n"
				    "kexec: luo failed (-5); undoing\n");
	only_luo_pages();
	list_is("  outgoing session s1 files=3\n"
		"    file token=11 handler=test-a state=preserved\n"
		"    file token=12 handler=test-b state=preserved\n"
		"    file token=13 handler=test-c state=preserved\n"
		"  outgoing session s2 files=3\n"
		"    file token=21 handler=test-a state=preserved\n"
		"    file token=22 handler=test-c state=preserved\n"
		"    file token=23 handler=test-b state=preserved\n");

	/* The first file of the first session fails: nothing to unfreeze. */
	fail_on("C.freeze", 5, 0);
	fail_on("A.freeze", 1, -EAGAIN);
	assert_int_equal(host_kexec(), -EAGAIN);
	events_are("A.freeze 1 = -11\n");
	fail_on("A.freeze", 1, 0);

	/* The first file of the second session: all of s1, last first. */
	fail_on("A.freeze", 4, -EPERM);
	assert_int_equal(host_kexec(), -EPERM);
	events_are("A.freeze 1\nC.freeze 3\nA.freeze 4 = -1\nC.unfreeze 3\nA.unfreeze 1\n");
	fail_on("A.freeze", 4, 0);
	only_luo_pages();

	/* A later kexec step fails: LUO's undo unfreezes everything, last first, and
	 * gives back every block it wrote. */
	cfg.step_err = -EBUSY;
	const struct luo_ser *ser = kho_phys_to_virt(host_subtree(false, LUO_FDT_NAME, NULL));
	assert_int_equal(host_kexec(), -EBUSY);
	events_are("A.freeze 1\nC.freeze 3\nA.freeze 4\nC.freeze 5\nstep.prepare = -16\n"
		   "C.unfreeze 5\nA.unfreeze 4\nC.unfreeze 3\nA.unfreeze 1\n");
	only_luo_pages();
	assert_int_equal(ser->sessions_pa, 0);
	const struct luo_flb_header_ser *fh = kho_phys_to_virt(ser->flbs_pa);
	assert_int_equal(fh->count, 0);
	assert_int_equal(fh->pgcnt, 1);

	/* Out of blocks while writing: -ENOMEM, undone the same way. */
	cfg.step_err = 0;
	for (unsigned budget = 0; budget < 3; budget++) {
		host_kho_fail_alloc_after(budget);
		assert_int_equal(host_kexec(), -ENOMEM);
		events_are("A.freeze 1\nC.freeze 3\nA.freeze 4\nC.freeze 5\n"
			   "C.unfreeze 5\nA.unfreeze 4\nC.unfreeze 3\nA.unfreeze 1\n");
		only_luo_pages();
		assert_int_equal(ser->sessions_pa, 0);
	}
	/* The fault site fails the step: the same undo. */
	host_kho_fail_alloc_after(~0u);
	cfg.fault = -EFAULT;
	assert_int_equal(host_kexec(), -EFAULT);
	events_are("A.freeze 1\nC.freeze 3\nA.freeze 4\nC.freeze 5\n"
		   "C.unfreeze 5\nA.unfreeze 4\nC.unfreeze 3\nA.unfreeze 1\n");
	only_luo_pages();
	cfg.fault = 0;
	flb_state_is(&fx, 4, 0, false, false);

	/* And after all that, a kexec goes through: 3 blocks (sessions, two file
	 * chains) plus LUO's two pages handed over, still frozen. */
	printk_log_reset();
	assert_int_equal(host_kexec(), 0);
	events_are("A.freeze 1\nC.freeze 3\nA.freeze 4\nC.freeze 5\nstep.prepare\n");
	assert_int_equal(host_pages(HP_IN), 5);
	assert_golden(printk_log(), "");
	list_is("  outgoing session s1 files=3\n"
		"    file token=11 handler=test-a state=frozen\n"
		"    file token=12 handler=test-b state=frozen\n"
		"    file token=13 handler=test-c state=frozen\n"
		"  outgoing session s2 files=3\n"
		"    file token=21 handler=test-a state=frozen\n"
		"    file token=22 handler=test-c state=frozen\n"
		"    file token=23 handler=test-b state=frozen\n");
}

static void test_kexec_step(void **state)
{
	(void)state;
	host_kernel(k_freeze_fail);
}

/* ---- round trips ---- */

/* Kernel N of the round trips: s1 (a1 b2 c3), s2 (a4 c5 b6), empty; kexec. */
static void n_standard(void)
{
	boot_quiet();
	two_sessions();
	assert_int_equal(luo_create_session("empty"), 0);
	assert_int_equal(host_kexec(), 0);
	events_are("A.freeze 1\nC.freeze 3\nA.freeze 4\nC.freeze 5\nstep.prepare\n");
	assert_int_equal(host_pages(HP_IN), 5);
	/* The bytes: luo_ser names the FLB page, which holds both FLBs. */
	uint64_t size;
	paddr_t pa = host_subtree(true, LUO_FDT_NAME, &size);
	assert_int_equal(size, sizeof(struct luo_ser));
	const struct luo_ser *ser = kho_phys_to_virt(pa);
	assert_string_equal(ser->compatible, LUO_COMPATIBLE);
	assert_int_equal(ser->liveupdate_num, 1);     /* Linux: a cold boot writes 0 + 1 */
	const struct luo_flb_header_ser *fh = kho_phys_to_virt(ser->flbs_pa);
	const struct luo_flb_ser *fe = (const void *)(fh + 1);
	assert_int_equal(fh->count, 2);
	assert_string_equal(fe[0].name, "flb-x");
	assert_int_equal(fe[0].data, FLB_DATA('X'));
	assert_int_equal(fe[0].count, 4);
	assert_string_equal(fe[1].name, "flb-y");
	assert_int_equal(fe[1].data, FLB_DATA('Y'));
	assert_int_equal(fe[1].count, 2);
}

static const char standard_list[] =
	"  incoming session s1 files=3\n"
	"    file token=11 handler=test-a state=incoming\n"
	"    file token=12 handler=test-b state=incoming\n"
	"    file token=13 handler=test-c state=incoming\n"
	"  incoming session s2 files=3\n"
	"    file token=21 handler=test-a state=incoming\n"
	"    file token=22 handler=test-c state=incoming\n"
	"    file token=23 handler=test-b state=incoming\n"
	"  incoming session empty files=0\n";

/* N+1's boot on n_standard's handover: every LUO page read and given back. */
static void boot_standard(void)
{
	assert_true(host_took_over());
	boot_quiet();
	assert_int_equal(host_restore_frees(), 5);
	assert_int_equal(host_pages(HP_IN), 0);
	only_luo_pages();
	assert_int_equal(luo_liveupdate_number(), 1);
	list_is(standard_list);
	assert_int_equal(luo_session_count(), 3);
	assert_true(luo_session_exists("empty"));
	flb_state_is(&fx, 0, 4, true, false);
	flb_state_is(&fy, 0, 2, true, false);
}

static void n1_retrieve(void)
{
	boot_standard();
	uint64_t n = 0;
	struct luo_fileref out = { 0 };
	/* Retrieve before retrieve-session: -EINVAL; unknown names -ENOENT. */
	assert_int_equal(luo_retrieve("s1", 11, "f", &out), -EINVAL);
	assert_int_equal(luo_retrieve("nope", 11, "f", &out), -ENOENT);
	assert_int_equal(luo_retrieve_session("nope", &n), -ENOENT);
	assert_int_equal(luo_close_session("s1"), -EINVAL);        /* no "fd" yet */
	assert_int_equal(luo_finish("s1"), -EINVAL);
	assert_int_equal(luo_retrieve_session("s1", &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(luo_retrieve_session("s1", &n), -EINVAL);
	assert_int_equal(luo_retrieve_session("empty", &n), 0);
	assert_int_equal(n, 0);

	/* Preserving into an incoming session: -EINVAL; a new outgoing one works. */
	struct luo_fileref a9 = ref("a", 9);
	assert_int_equal(luo_preserve("s1", &a9, 99), -EINVAL);
	assert_int_equal(luo_retrieve("s1", 99, "f", &out), -ENOENT);

	assert_int_equal(luo_retrieve("s1", 11, "f11", &out), 0);
	assert_string_equal(out.kind, "a");
	assert_int_equal(((struct tfile *)out.obj)->id, 1);
	struct luo_fileref again;
	assert_int_equal(luo_retrieve("s1", 11, "other", &again), 0);     /* no callback */
	assert_ptr_equal(again.obj, out.obj);
	fail_on("B.retrieve", 2, -EIO);
	assert_int_equal(luo_retrieve("s1", 12, "f12", &out), -EIO);
	fail_on("B.retrieve", 2, 0);
	assert_int_equal(luo_retrieve("s1", 12, "f12", &out), -EIO);      /* sticky */
	events_are("A.retrieve 1 as f11\nB.retrieve 2 as f12 = -5\n");
	list_is("  incoming session s1 files=3 retrieved\n"
		"    file token=11 handler=test-a state=retrieved\n"
		"    file token=12 handler=test-b state=failed\n"
		"    file token=13 handler=test-c state=incoming\n"
		"  incoming session s2 files=3\n"
		"    file token=21 handler=test-a state=incoming\n"
		"    file token=22 handler=test-c state=incoming\n"
		"    file token=23 handler=test-b state=incoming\n"
		"  incoming session empty files=0 retrieved\n");

	/* Finish: can_finish of all, then finish last first (also c3, never
	 * retrieved, and b2, failed), each dropping its FLB references. flb-y's last
	 * reference goes with c3: retrieved, then finished. */
	assert_int_equal(luo_finish("s1"), 0);
	events_are("A.can_finish 1\nC.can_finish 3\n"
		   "C.finish 3 (never retrieved)\n"
		   "B.finish 2 (failed)\n"
		   "A.finish 1\n");
	flb_state_is(&fx, 0, 2, true, false);
	flb_state_is(&fy, 0, 1, true, false);
	assert_int_equal(luo_retrieve("s1", 11, "f", &out), -ENOENT);
	assert_int_equal(luo_finish("s1"), -ENOENT);
	assert_int_equal(luo_close_session("empty"), 0);   /* = finish */
	events_are("");
	assert_int_equal(luo_session_count(), 1);
	only_luo_pages();
}

static void test_round_trip_retrieve(void **state)
{
	(void)state;
	host_kernel(n_standard);
	host_kernel(n1_retrieve);
}

static void n1_finish(void)
{
	boot_standard();
	uint64_t n;
	void *obj;
	assert_int_equal(luo_retrieve_session("s2", &n), 0);
	assert_int_equal(luo_retrieve_session("s1", &n), 0);
	/* can_finish says no: -EBUSY, nothing finished. */
	fail_on("A.can_finish", 4, 1);
	assert_int_equal(luo_finish("s2"), -EBUSY);
	assert_int_equal(luo_close_session("s2"), -EBUSY);
	events_are("A.can_finish 4\nA.can_finish 4\n");
	fail_on("A.can_finish", 4, 0);

	/* An FLB is retrieved on its first get, once; gets add references. */
	assert_int_equal(luo_flb_get_incoming(&fx, &obj), 0);
	assert_int_equal(*(char *)obj, 'x');
	assert_int_equal(luo_flb_get_incoming(&fx, &obj), 0);
	events_are("X.retrieve 0xf158\n");
	flb_state_is(&fx, 0, 6, true, false);
	luo_flb_put_incoming(&fx);
	flb_state_is(&fx, 0, 5, true, false);

	assert_int_equal(luo_finish("s2"), 0);
	events_are("A.can_finish 4\nC.can_finish 5\n"
		   "B.finish 6 (never retrieved)\n"
		   "C.finish 5 (never retrieved)\n"
		   "A.finish 4 (never retrieved)\n");
	flb_state_is(&fx, 0, 3, true, false);
	flb_state_is(&fy, 0, 1, true, false);
	struct luo_fileref out;
	assert_int_equal(luo_retrieve("s1", 13, "f13", &out), 0);
	assert_int_equal(luo_close_session("s1"), 0);
	/* c3 last: flb-y's count goes to 0 (retrieved first, as nobody asked). */
	events_are("C.retrieve 3 as f13\n"
		   "A.can_finish 1\nC.can_finish 3\n"
		   "C.finish 3\nY.retrieve 0xf159\nY.finish\n"
		   "B.finish 2 (never retrieved)\n"
		   "A.finish 1 (never retrieved)\n");
	flb_state_is(&fx, 0, 1, true, false);
	flb_state_is(&fy, 0, 0, true, true);
	assert_int_equal(luo_flb_get_incoming(&fy, &obj), -ENODATA);
	/* The get we still hold is the last reference. */
	luo_flb_put_incoming(&fx);
	events_are("X.finish\n");
	flb_state_is(&fx, 0, 0, true, true);
	assert_int_equal(luo_flb_get_incoming(&fx, &obj), -ENODATA);
	luo_flb_put_incoming(&fx);                         /* too many puts: nothing */
	events_are("");
	assert_int_equal(luo_session_count(), 1);
	list_is("  incoming session empty files=0\n");
}

static void test_round_trip_finish(void **state)
{
	(void)state;
	host_kernel(n_standard);
	host_kernel(n1_finish);
}

/* An FLB that cannot be retrieved to finish it: a warning, no finish. */
static void n1_flb_retrieve_fails(void)
{
	boot_standard();
	uint64_t n;
	void *obj;
	fail_on("X.retrieve", 0, -ENOMEM);
	assert_int_equal(luo_flb_get_incoming(&fx, &obj), -ENOMEM);
	flb_state_is(&fx, 0, 4, true, false);
	assert_int_equal(luo_retrieve_session("s1", &n), 0);
	assert_int_equal(luo_retrieve_session("s2", &n), 0);
	assert_int_equal(luo_finish("s1"), 0);
	printk_log_reset();
	assert_int_equal(luo_finish("s2"), 0);
	events_are("X.retrieve 0xf158 = -12\n"
		   "A.can_finish 1\nC.can_finish 3\n"
		   "C.finish 3 (never retrieved)\n"
		   "B.finish 2 (never retrieved)\nA.finish 1 (never retrieved)\n"
		   "A.can_finish 4\nC.can_finish 5\n"
		   "B.finish 6 (never retrieved)\n"
		   "C.finish 5 (never retrieved)\nY.retrieve 0xf159\nY.finish\n"
		   "A.finish 4 (never retrieved)\nX.retrieve 0xf158 = -12\n");
	assert_golden(printk_log(), "luo: warning: FLB flb-x could not be retrieved to finish it\n");
	flb_state_is(&fx, 0, 0, true, true);
}

static void test_round_trip_flb_retrieve_fails(void **state)
{
	(void)state;
	host_kernel(n_standard);
	host_kernel(n1_flb_retrieve_fails);
}

/* N+1 without test-b: the state cannot be used whole, every access -EIO. */
static void n1_no_handler(void)
{
	cfg.no_b = true;
	assert_true(host_took_over());
	luo_init();
	assert_golden(printk_log(),
		      "luo: warning: incoming sessions unusable: a preserved file has no "
		      "handler here; their memory stays reserved until the next cold boot\n");
	assert_int_equal(host_restore_frees(), 5);       /* LUO's own pages still go back */
	assert_int_equal(luo_liveupdate_number(), 1);
	uint64_t n;
	struct luo_fileref out;
	assert_int_equal(luo_retrieve_session("s1", &n), -EIO);
	assert_int_equal(luo_retrieve_session("nope", &n), -EIO);
	assert_int_equal(luo_retrieve("s1", 11, "f", &out), -EIO);
	assert_int_equal(luo_finish("s1"), -EIO);
	events_are("");
	/* Outgoing sessions still work. */
	assert_int_equal(luo_create_session("new"), 0);
	preserve_ok("new", "a", 1, 1);
	events_are("X.preserve\nA.preserve 1\n");
}

static void test_round_trip_no_handler(void **state)
{
	(void)state;
	host_kernel(n_standard);
	host_kernel(n1_no_handler);
}

/* N -> N+1 -> N+2: each kernel hands over its own sessions only. */
static void n1_chain(void)
{
	boot_standard();
	uint64_t n;
	assert_int_equal(luo_retrieve_session("s1", &n), 0);
	assert_int_equal(luo_finish("s1"), 0);
	assert_int_equal(luo_create_session("next"), 0);
	preserve_ok("next", "c", 7, 70);
	assert_int_equal(luo_create_session("s2"), 0);      /* names apart from incoming */
	events[0] = 0;
	assert_int_equal(host_kexec(), 0);
	/* s2's incoming files are not frozen: only outgoing ones. */
	events_are("C.freeze 7\nstep.prepare\n");
	/* luo_ser, the FLB page, the session block, next's file chain. */
	assert_int_equal(host_pages(HP_IN), 4);
}

static void n2_chain(void)
{
	boot_quiet();
	assert_int_equal(host_restore_frees(), 4);
	assert_int_equal(luo_liveupdate_number(), 2);
	list_is("  incoming session next files=1\n"
		"    file token=70 handler=test-c state=incoming\n"
		"  incoming session s2 files=0\n");
	flb_state_is(&fx, 0, 1, true, false);
	flb_state_is(&fy, 0, 1, true, false);
	uint64_t n;
	struct luo_fileref out;
	assert_int_equal(luo_retrieve_session("next", &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(luo_retrieve("next", 70, "seventy", &out), 0);
	assert_int_equal(((struct tfile *)out.obj)->id, 7);
	assert_int_equal(luo_finish("next"), 0);
	events_are("C.retrieve 7 as seventy\nC.can_finish 7\nC.finish 7\n"
		   "Y.retrieve 0xf159\nY.finish\nX.retrieve 0xf158\nX.finish\n");
}

static void test_round_trip_chain(void **state)
{
	(void)state;
	host_kernel(n_standard);
	host_kernel(n1_chain);
	host_kernel(n2_chain);
}

/* A kernel that never kexecs: the next boot is cold. */
static void n_no_kexec(void)
{
	boot_quiet();
	two_sessions();
}

static void n1_cold(void)
{
	assert_false(host_took_over());
	boot_quiet();
	assert_int_equal(luo_liveupdate_number(), 0);
	assert_int_equal(luo_session_count(), 0);
	flb_state_is(&fx, 0, 0, false, false);
}

static void test_no_kexec_is_cold(void **state)
{
	(void)state;
	host_kernel(n_no_kexec);
	host_kernel(n1_cold);
}

/* The fault site breaks the version: KHO's incoming check refuses the handover. */
static void n_bad_version(void)
{
	boot_quiet();
	two_sessions();
	cfg.fault = 1;
	assert_int_equal(host_kexec(), 0);
}

static void n1_refused(void)
{
	assert_false(host_took_over());
	assert_string_equal(host_drop_reason(), "the LUO state has another version");
	boot_quiet();
	assert_int_equal(luo_liveupdate_number(), 0);
	assert_int_equal(luo_session_count(), 0);
	uint64_t n;
	assert_int_equal(luo_retrieve_session("s1", &n), -ENOENT);
}

static void test_refused_version(void **state)
{
	(void)state;
	host_kernel(n_bad_version);
	host_kernel(n1_refused);
}

/* A file chain that points at itself: refused by the check, with the reason. */
static void n_file_cycle(void)
{
	n_standard();
	const struct luo_ser *ser = host_arena(host_subtree(true, LUO_FDT_NAME, NULL));
	const struct kho_block_header_ser *h = host_arena(ser->sessions_pa);
	const struct luo_session_ser *s = (const void *)(h + 1);
	struct kho_block_header_ser *f = host_arena(s[0].file_set_ser.files);
	f->next = s[0].file_set_ser.files;
}

static void n1_cycle_refused(void)
{
	assert_false(host_took_over());
	assert_string_equal(host_drop_reason(), "cycle in the block chain");
	boot_quiet();
	assert_int_equal(luo_session_count(), 0);
}

static void test_refused_cycle(void **state)
{
	(void)state;
	host_kernel(n_file_cycle);
	host_kernel(n1_cycle_refused);
}

/* A bad FLB page is not KHO's business: the sessions become unusable (-EIO). */
static void n_bad_flb_page(void)
{
	n_standard();
	const struct luo_ser *ser = host_arena(host_subtree(true, LUO_FDT_NAME, NULL));
	struct luo_flb_header_ser *fh = host_arena(ser->flbs_pa);
	fh->count = LUO_FLB_MAX + 1;
}

static void n1_bad_flb_page(void)
{
	assert_true(host_took_over());
	luo_init();
	assert_golden(printk_log(),
		      "luo: warning: incoming sessions unusable: FLB page header; their "
		      "memory stays reserved until the next cold boot\n");
	assert_int_equal(host_restore_frees(), 5);
	assert_int_equal(luo_session_count(), 0);
	uint64_t n;
	assert_int_equal(luo_retrieve_session("s1", &n), -EIO);
	flb_state_is(&fx, 0, 0, false, false);
	events_are("");
}

static void test_bad_flb_page(void **state)
{
	(void)state;
	host_kernel(n_bad_flb_page);
	host_kernel(n1_bad_flb_page);
}

/* No memory for the outgoing state: LUO is off this boot, kexec still works. */
static void k_no_outgoing(void)
{
	host_kho_fail_alloc_after(1);
	luo_init();
	assert_golden(printk_log(), "luo: warning: cannot set up the outgoing state; live "
				    "update of sessions is off\n");
	host_kho_fail_alloc_after(~0u);
	assert_int_equal(host_subtree(false, LUO_FDT_NAME, NULL), 0);
	assert_int_equal(luo_create_session("s"), 0);
	preserve_ok("s", "a", 1, 1);
	events[0] = 0;
	assert_int_equal(host_kexec(), 0);
	events_are("step.prepare\n");                    /* no freeze: LUO is off */
}

static void test_no_outgoing_state(void **state)
{
	(void)state;
	host_kernel(k_no_outgoing);
}

static void k_no_outgoing_leak(void)
{
	host_kho_fail_alloc_after(1);
	luo_init();
	assert_int_equal(host_pages(HP_OUT_META), 0);
}

static void k_no_subtree_leak(void)
{
	host_kho_fail_subtree(-ENOMEM);
	luo_init();
	assert_int_equal(host_pages(HP_OUT_META), 0);
}

static void test_no_outgoing_state_leak(void **state)
{
	(void)state;
	/* luo_init() when the second kho_alloc_preserve_meta() or kho_add_subtree()
	 * fails: every page it preserved is given back (this test found the leak). */
	host_kernel(k_no_outgoing_leak);
	host_kernel(k_no_subtree_leak);
}

static int reset(void **state)
{
	(void)state;
	host_cold();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_sessions, reset),
		cmocka_unit_test_setup(test_preserve, reset),
		cmocka_unit_test_setup(test_flb, reset),
		cmocka_unit_test_setup(test_register_rules, reset),
		cmocka_unit_test_setup(test_kexec_step, reset),
		cmocka_unit_test_setup(test_round_trip_retrieve, reset),
		cmocka_unit_test_setup(test_round_trip_finish, reset),
		cmocka_unit_test_setup(test_round_trip_flb_retrieve_fails, reset),
		cmocka_unit_test_setup(test_round_trip_no_handler, reset),
		cmocka_unit_test_setup(test_round_trip_chain, reset),
		cmocka_unit_test_setup(test_no_kexec_is_cold, reset),
		cmocka_unit_test_setup(test_refused_version, reset),
		cmocka_unit_test_setup(test_refused_cycle, reset),
		cmocka_unit_test_setup(test_bad_flb_page, reset),
		cmocka_unit_test_setup(test_no_outgoing_state, reset),
		cmocka_unit_test_setup(test_no_outgoing_state_leak, reset),
	};
	return cmocka_run_group_tests_name("luo", tests, NULL, NULL);
}
