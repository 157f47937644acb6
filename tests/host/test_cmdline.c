/*
 * lib/cmdline.c on the host: splitting (each case's callbacks rendered as one
 * golden string), name equivalence, and dispatch to a private boot_param table with
 * the exact warnings printk'd.
 *
 * Rendering of one callback: `name` when the value is NULL (a bare word), or
 * `name='value'` otherwise; callbacks are separated by one space.
 */
#include <cmdline.h>
#include <errno.h>
#include <stdlib.h>
#include "host_test.h"

struct calls {
	char text[8192];
	int n;
};

static void record(const char *name, const char *value, void *arg)
{
	struct calls *c = arg;
	size_t len = strlen(c->text);
	snprintf(c->text + len, sizeof(c->text) - len, "%s%s%s%s%s", c->n ? " " : "", name,
		 value ? "='" : "", value ? value : "", value ? "'" : "");
	c->n++;
}

/* Split with a heap buffer of exactly strlen + 1 bytes, so ASan sees any overrun. */
static int split(const char *line, struct calls *c)
{
	size_t size = strlen(line) + 1;
	char *buf = malloc(size);
	assert_non_null(buf);
	memset(c, 0, sizeof(*c));
	int r = cmdline_split(line, buf, size, record, c);
	free(buf);
	return r;
}

static void test_split_table(void **state)
{
	static const struct {
		const char *line;
		int ret;
		const char *calls;
	} cases[] = {
		{ "", 0, "" },
		{ "    ", 0, "" },
		{ " \t\n \t", 0, "" },
		{ "quiet", 1, "quiet" },
		{ "root console quiet", 3, "root console quiet" },
		{ "  a\tb\nc  ", 3, "a b c" },
		{ "a=b", 1, "a='b'" },
		{ "a=", 1, "a=''" },
		{ "a=b c=d e", 3, "a='b' c='d' e" },
		{ "a=\"x y\"", 1, "a='x y'" },
		{ "a=\"x  y\" b", 2, "a='x  y' b" },
		{ "a=x\"y z\"w", 1, "a='xy zw'" },
		{ "\"a b\"=c", 1, "a b='c'" },
		{ "a=\"\"", 1, "a=''" },
		{ "a=\"x y", 1, "a='x y'" },            /* unterminated quote runs to the end */
		{ "a=\"x=y\"", 1, "a='x=y'" },
		{ "\"a=b\"", 1, "a='b'" },               /* '=' splits even inside quotes, as in Linux */
		{ "a=b=c", 1, "a='b=c'" },
		{ "a==", 1, "a='='" },
		{ "=value", 1, "='value'" },
		{ "=", 1, "=''" },
		{ "a -- b c", 1, "a" },
		{ "-- a", 0, "" },
		{ "a --", 1, "a" },
		{ "a --=x b", 3, "a --='x' b" },       /* only a bare "--" ends the options */
		{ "a ---  b", 3, "a --- b" },
		{ "x-y x_y", 2, "x-y x_y" },            /* names are passed as written */
		{ "hugepagesz=2M hugepages=8 hugepagesz=1G hugepages=2", 4,
		  "hugepagesz='2M' hugepages='8' hugepagesz='1G' hugepages='2'" },
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct calls c;
		int r = split(cases[i].line, &c);
		if (r != cases[i].ret || strcmp(c.text, cases[i].calls) != 0)
			case_fail("case %zu: split(\"%s\") = %d [%s], want %d [%s]", i,
				  cases[i].line, r, c.text, cases[i].ret, cases[i].calls);
		assert_int_equal(r, c.n);
	}
}

static void test_split_too_long(void **state)
{
	(void)state;
	char buf[16];
	struct calls c = { 0 };
	/* 15 characters fit a 16-byte buffer, 16 do not. */
	assert_int_equal(cmdline_split("abcdefghijklmno", buf, sizeof(buf), record, &c), 1);
	assert_string_equal(c.text, "abcdefghijklmno");
	memset(&c, 0, sizeof(c));
	assert_int_equal(cmdline_split("abcdefghijklmnop", buf, sizeof(buf), record, &c), -E2BIG);
	assert_int_equal(c.n, 0);
	assert_int_equal(cmdline_split("", buf, 0, record, &c), -E2BIG);
	assert_int_equal(cmdline_split("", buf, 1, record, &c), 0);

	/* A very long line: nothing is called and buf is not touched. */
	size_t len = 100000;
	char *line = malloc(len + 1);
	assert_non_null(line);
	for (size_t i = 0; i < len; i++)
		line[i] = i % 3 == 2 ? ' ' : 'x';
	line[len] = 0;
	char small[4096 + 1];
	memset(small, 0x5a, sizeof(small));
	assert_int_equal(cmdline_split(line, small, sizeof(small), record, &c), -E2BIG);
	assert_int_equal(c.n, 0);
	for (size_t i = 0; i < sizeof(small); i++)
		assert_int_equal((unsigned char)small[i], 0x5a);
	/* The same line fits a buffer of its own length plus one. */
	assert_int_equal(split(line, &c), (int)(len / 3 + (len % 3 != 0)));
	free(line);
}

/* Random lines made of the characters that matter, split into an exact-size heap
 * buffer: ASan catches any write past it, the count must match the callbacks. */
static void test_split_random(void **state)
{
	static const char alphabet[] = "ab=\" \t\n-_";
	uint64_t seed = 0x1234567;
	(void)state;
	for (int iter = 0; iter < 20000; iter++) {
		char line[64];
		size_t len = host_rand(&seed) % sizeof(line);
		for (size_t i = 0; i < len; i++)
			line[i] = alphabet[host_rand(&seed) % (sizeof(alphabet) - 1)];
		line[len] = 0;
		struct calls c;
		int r = split(line, &c);
		assert_true(r >= 0);
		assert_int_equal(r, c.n);
	}
}

static void test_name_eq(void **state)
{
	static const struct {
		const char *a, *b;
		bool eq;
	} cases[] = {
		{ "", "", true },
		{ "quiet", "quiet", true },
		{ "log_level", "log-level", true },
		{ "log-level", "log_level", true },
		{ "a-b_c", "a_b-c", true },
		{ "-", "_", true },
		{ "quiet", "quie", false },
		{ "quie", "quiet", false },
		{ "foo", "foo_", false },
		{ "foo-", "foo", false },
		{ "a-b", "a_c", false },
		{ "Quiet", "quiet", false },
		{ "a.b", "a_b", false },
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		if (cmdline_name_eq(cases[i].a, cases[i].b) != cases[i].eq)
			case_fail("case %zu: name_eq(\"%s\", \"%s\") != %d", i, cases[i].a,
				  cases[i].b, cases[i].eq);
}

/* A private boot_param table; every handler appends what it saw to applied. */
static char applied[1024];

static void applied_add(const char *name, const char *value)
{
	size_t len = strlen(applied);
	snprintf(applied + len, sizeof(applied) - len, "%s%s%s%s%s", len ? " " : "", name,
		 value ? "='" : "", value ? value : "", value ? "'" : "");
}

static int set_quiet(const char *v) { applied_add("quiet", v); return 0; }
static int set_hugepagesz(const char *v) { applied_add("hugepagesz", v); return 0; }
static int set_hugepages(const char *v) { applied_add("hugepages", v); return 0; }
static int set_log_level(const char *v) { applied_add("log_level", v); return 0; }

/* Takes only decimal digits; refuses a bare word and anything else. */
static int set_num(const char *v)
{
	applied_add("num", v);
	if (!v || !*v || strspn(v, "0123456789") != strlen(v))
		return -EINVAL;
	return 0;
}

static const struct boot_param params[] = {
	{ "quiet", set_quiet },
	{ "hugepagesz", set_hugepagesz },
	{ "hugepages", set_hugepages },
	{ "log_level", set_log_level },
	{ "num", set_num },
};

static void test_apply_table(void **state)
{
	static const struct {
		const char *line;
		int warnings;
		const char *applied;
		const char *log;
	} cases[] = {
		{ "", 0, "", "" },
		{ "   ", 0, "", "" },
		{ "quiet", 0, "quiet", "" },
		{ "quiet=", 0, "quiet=''", "" },
		{ "quiet=1", 0, "quiet='1'", "" },
		{ "hugepagesz=2M hugepages=8 hugepagesz=1G hugepages=2", 0,
		  "hugepagesz='2M' hugepages='8' hugepagesz='1G' hugepages='2'", "" },
		{ "log-level=3 log_level=4", 0, "log_level='3' log_level='4'", "" },
		{ "num=12 num=\"3\"", 0, "num='12' num='3'", "" },
		{ "foo", 1, "", "cmdline: warning: unknown option 'foo' ignored\n" },
		{ "foo bar=1 quiet", 2, "quiet",
		  "cmdline: warning: unknown option 'foo' ignored\n"
		  "cmdline: warning: unknown option 'bar' ignored\n" },
		{ "=value", 1, "", "cmdline: warning: unknown option '' ignored\n" },
		{ "log--level=1", 1, "", "cmdline: warning: unknown option 'log--level' ignored\n" },
		{ "num=abc", 1, "num='abc'", "cmdline: warning: num=abc refused (-22); ignored\n" },
		{ "num", 1, "num", "cmdline: warning: num refused (-22); ignored\n" },
		{ "num= quiet", 1, "num='' quiet", "cmdline: warning: num= refused (-22); ignored\n" },
		{ "num=\"1 2\"", 1, "num='1 2'", "cmdline: warning: num=1 2 refused (-22); ignored\n" },
		{ "quiet -- num=x foo", 0, "quiet", "" },
		{ "num=x foo -- bar", 2, "num='x'",
		  "cmdline: warning: num=x refused (-22); ignored\n"
		  "cmdline: warning: unknown option 'foo' ignored\n" },
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		applied[0] = 0;
		printk_log_reset();
		int w = cmdline_apply(cases[i].line, params, params + ARRAY_SIZE(params));
		if (w != cases[i].warnings || strcmp(applied, cases[i].applied) != 0 ||
		    strcmp(printk_log(), cases[i].log) != 0)
			case_fail("case %zu: apply(\"%s\") = %d [%s] log [%s], want %d [%s] log [%s]",
				  i, cases[i].line, w, applied, printk_log(), cases[i].warnings,
				  cases[i].applied, cases[i].log);
	}
}

static const char *seen_value = "unset";
static int seen_calls;
static int set_seen(const char *v)
{
	seen_value = v;
	seen_calls++;
	return 0;
}

static void test_apply_bare_word_gets_null(void **state)
{
	static const struct boot_param one[] = { { "flag", set_seen } };
	(void)state;
	assert_int_equal(cmdline_apply("flag", one, one + 1), 0);
	assert_int_equal(seen_calls, 1);
	assert_null(seen_value);
	assert_int_equal(cmdline_apply("flag=", one, one + 1), 0);
	assert_non_null(seen_value);
	assert_string_equal(seen_value, "");
}

static void test_flag(void **state)
{
	bool flag = false;
	(void)state;
	assert_int_equal(cmdline_flag("1", &flag), -EINVAL);
	assert_int_equal(cmdline_flag("", &flag), -EINVAL);
	assert_false(flag);
	assert_int_equal(cmdline_flag(NULL, &flag), 0);
	assert_true(flag);
}

static void test_apply_empty_table(void **state)
{
	(void)state;
	assert_int_equal(cmdline_apply("a b=c", params, params), 2);
	assert_golden(printk_log(), "cmdline: warning: unknown option 'a' ignored\n"
				    "cmdline: warning: unknown option 'b' ignored\n");
}

/* cmdline_apply's buffer holds 4096 characters: one more is refused as a whole. */
static void test_apply_too_long(void **state)
{
	(void)state;
	char *line = malloc(4097 + 1);
	assert_non_null(line);
	memset(line, ' ', 4097);
	memcpy(line, "quiet", 5);
	line[4096] = 0;
	applied[0] = 0;
	assert_int_equal(cmdline_apply(line, params, params + ARRAY_SIZE(params)), 0);
	assert_string_equal(applied, "quiet");
	assert_string_equal(printk_log(), "");

	line[4096] = 'x';
	line[4097] = 0;
	applied[0] = 0;
	assert_int_equal(cmdline_apply(line, params, params + ARRAY_SIZE(params)), 1);
	assert_string_equal(applied, "");
	assert_golden(printk_log(), "cmdline: warning: command line too long; ignored\n");
	free(line);
}

/* cmdline_carry_over: what a live update passes on when it keeps the running
 * command line. */
static void carry(const char *in, const char *want)
{
	static const char *const oneshot[] = { "script", "ktest" };
	char out[128];
	assert_int_equal(cmdline_carry_over(in, oneshot, 2, out, sizeof(out)), 0);
	assert_string_equal(out, want);
}

static void test_carry_over(void **state)
{
	(void)state;
	carry("", "");
	carry("   ", "");
	carry("script=demo", "");
	carry("hugepages=48 script=demo", "hugepages=48");
	carry("script=a hugepagesz=1G hugepages=2 ktest=luo.* x", "hugepagesz=1G hugepages=2 x");
	carry("  kho_scratch=300%\tluo_test  ", "kho_scratch=300% luo_test");
	carry("\"script\"=x \"a b\"=\"c d\" k", "\"a b\"=\"c d\" k");  /* quotes kept */
	carry("scriptx=1 script_=2 ktest", "scriptx=1 script_=2");    /* whole names only */
	carry("k-test=1 kt-est=2", "k-test=1 kt-est=2");
	carry("a -- script=init", "a -- script=init");               /* after --: kept */
	carry("script=1 -- x", "-- x");
}

static void test_carry_over_dash_underscore_and_room(void **state)
{
	(void)state;
	static const char *const oneshot[] = { "luo_test" };
	char out[8];
	assert_int_equal(cmdline_carry_over("luo-test a", oneshot, 1, out, sizeof(out)), 0);
	assert_string_equal(out, "a");
	assert_int_equal(cmdline_carry_over("1234567", oneshot, 1, out, sizeof(out)), 0);
	assert_string_equal(out, "1234567");
	assert_int_equal(cmdline_carry_over("12345678", oneshot, 1, out, sizeof(out)), -E2BIG);
	assert_int_equal(cmdline_carry_over("abc defg", oneshot, 1, out, sizeof(out)), -E2BIG);
	assert_int_equal(cmdline_carry_over("x", oneshot, 1, out, 0), -E2BIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_split_table, host_reset_log),
		cmocka_unit_test_setup(test_split_too_long, host_reset_log),
		cmocka_unit_test_setup(test_split_random, host_reset_log),
		cmocka_unit_test_setup(test_name_eq, host_reset_log),
		cmocka_unit_test_setup(test_apply_table, host_reset_log),
		cmocka_unit_test_setup(test_apply_bare_word_gets_null, host_reset_log),
		cmocka_unit_test(test_flag),
		cmocka_unit_test_setup(test_apply_empty_table, host_reset_log),
		cmocka_unit_test_setup(test_apply_too_long, host_reset_log),
		cmocka_unit_test(test_carry_over),
		cmocka_unit_test(test_carry_over_dash_underscore_and_room),
	};
	return cmocka_run_group_tests_name("cmdline", tests, NULL, NULL);
}
