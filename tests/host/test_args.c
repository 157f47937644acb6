/*
 * lib/args.c on the host: shell_split, parse_u64, parse_size, parse_hex,
 * glob_match.
 * Table-driven with exact values and errnos; glob_match is also checked against a
 * naive recursive matcher on seeded random patterns.
 */
#include <errno.h>
#include <shell.h>
#include <stdlib.h>
#include "host_test.h"

/* Split a copy of line with room for max words; render argv as "[w1][w2]...". */
static int split(const char *line, int max, char *out, size_t outsz)
{
	char *copy = strdup(line);
	char **argv = calloc(max ? max : 1, sizeof(*argv));
	assert_non_null(copy);
	assert_non_null(argv);
	int argc = shell_split(copy, argv, max);
	out[0] = 0;
	for (int i = 0; i < argc; i++) {
		size_t len = strlen(out);
		snprintf(out + len, outsz - len, "[%s]", argv[i]);
	}
	free(argv);
	free(copy);
	return argc;
}

static void test_shell_split(void **state)
{
	static const struct {
		const char *line;
		int max;
		int ret;
		const char *argv;
	} cases[] = {
		{ "", 4, 0, "" },
		{ "   ", 4, 0, "" },
		{ "\t \t", 4, 0, "" },
		{ "ls", 4, 1, "[ls]" },
		{ "ls -l", 4, 2, "[ls][-l]" },
		{ "  a  b\tc\t\t d  ", 4, 4, "[a][b][c][d]" },
		{ "a\nb", 4, 1, "[a\nb]" },            /* only space and tab separate */
		{ "a b c", 3, 3, "[a][b][c]" },
		{ "a b c   ", 3, 3, "[a][b][c]" },
		{ "a b c d", 3, -E2BIG, "" },
		{ "", 0, 0, "" },
		{ "a", 0, -E2BIG, "" },
		{ "a=\"x y\"", 4, 2, "[a=\"x][y\"]" },   /* no quoting in the shell */
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char out[256];
		int r = split(cases[i].line, cases[i].max, out, sizeof(out));
		if (r != cases[i].ret || strcmp(out, cases[i].argv) != 0)
			case_fail("case %zu: shell_split(\"%s\", %d) = %d %s, want %d %s", i,
				  cases[i].line, cases[i].max, r, out, cases[i].ret, cases[i].argv);
	}
}

/* SHELL_ARGS_MAX words fit, one more is -E2BIG; the words are NUL-terminated in place. */
static void test_shell_split_max(void **state)
{
	(void)state;
	char line[SHELL_LINE_MAX];
	char *argv[SHELL_ARGS_MAX];
	for (int extra = 0; extra <= 1; extra++) {
		int words = SHELL_ARGS_MAX + extra;
		line[0] = 0;
		for (int i = 0; i < words; i++)
			snprintf(line + strlen(line), sizeof(line) - strlen(line), "w%d ", i);
		int r = shell_split(line, argv, SHELL_ARGS_MAX);
		if (!extra) {
			assert_int_equal(r, SHELL_ARGS_MAX);
			for (int i = 0; i < r; i++) {
				char want[16];
				snprintf(want, sizeof(want), "w%d", i);
				assert_string_equal(argv[i], want);
			}
		} else {
			assert_int_equal(r, -E2BIG);
		}
	}
}

struct num_case {
	const char *s;
	int ret;
	uint64_t val;
};

static void check_nums(int (*parse)(const char *, uint64_t *), const char *fn,
		       const struct num_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t v = 0xdeadbeef;
		int r = parse(cases[i].s, &v);
		if (r != cases[i].ret || (r == 0 && v != cases[i].val))
			case_fail("case %zu: %s(\"%s\") = %d, %#llx; want %d, %#llx", i, fn,
				  cases[i].s, r, (unsigned long long)v, cases[i].ret,
				  (unsigned long long)cases[i].val);
	}
}

static void test_parse_u64(void **state)
{
	static const struct num_case cases[] = {
		{ "0", 0, 0 },
		{ "7", 0, 7 },
		{ "42", 0, 42 },
		{ "00012", 0, 12 },                     /* decimal, not octal */
		{ "4294967296", 0, 4294967296ull },
		{ "18446744073709551615", 0, UINT64_MAX },
		{ "18446744073709551616", -EINVAL, 0 }, /* 2^64 */
		{ "18446744073709551620", -EINVAL, 0 },
		{ "99999999999999999999", -EINVAL, 0 },
		{ "0x0", 0, 0 },
		{ "0x1f", 0, 31 },
		{ "0X1F", 0, 31 },
		{ "0xDeadBeef", 0, 0xdeadbeef },
		{ "0x00000000000000001", 0, 1 },
		{ "0xffffffffffffffff", 0, UINT64_MAX },
		{ "0x10000000000000000", -EINVAL, 0 },  /* 2^64 */
		{ "", -EINVAL, 0 },
		{ "0x", -EINVAL, 0 },
		{ "0X", -EINVAL, 0 },
		{ "x1", -EINVAL, 0 },
		{ "12x", -EINVAL, 0 },
		{ "0x1g", -EINVAL, 0 },
		{ "0xx1", -EINVAL, 0 },
		{ "ff", -EINVAL, 0 },
		{ "1f", -EINVAL, 0 },
		{ "0b1", -EINVAL, 0 },
		{ "-1", -EINVAL, 0 },
		{ "+1", -EINVAL, 0 },
		{ " 1", -EINVAL, 0 },
		{ "1 ", -EINVAL, 0 },
		{ "1K", -EINVAL, 0 },
	};
	(void)state;
	check_nums(parse_u64, "parse_u64", cases, ARRAY_SIZE(cases));
}

static void test_parse_hex(void **state)
{
	static const struct { const char *s; int ret; const char *bytes; } cases[] = {
		{ "00", 1, "\x00" },
		{ "aBcD", 2, "\xab\xcd" },
		{ "0102030405060708", 8, "\x01\x02\x03\x04\x05\x06\x07\x08" },
		{ "", -EINVAL, "" },
		{ "a", -EINVAL, "" },
		{ "abc", -EINVAL, "" },
		{ "0g", -EINVAL, "" },
		{ "0x12", -EINVAL, "" },
		{ "12 ", -EINVAL, "" },
		{ "010203040506070809", -E2BIG, "" },
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint8_t out[8] = { 0 };
		int r = parse_hex(cases[i].s, out, sizeof(out));
		if (r != cases[i].ret)
			fail_msg("parse_hex(\"%s\") = %d, want %d", cases[i].s, r, cases[i].ret);
		if (r > 0 && memcmp(out, cases[i].bytes, (size_t)r))
			fail_msg("parse_hex(\"%s\"): wrong bytes", cases[i].s);
	}
}

static void test_parse_size(void **state)
{
	static const struct num_case cases[] = {
		{ "0", 0, 0 },
		{ "4096", 0, 4096 },
		{ "0K", 0, 0 },
		{ "4K", 0, 4 * KiB },
		{ "4k", 0, 4 * KiB },
		{ "2M", 0, 2 * MiB },
		{ "2m", 0, 2 * MiB },
		{ "1G", 0, GiB },
		{ "1g", 0, GiB },
		{ "0x10K", 0, 16 * KiB },
		{ "0x1G", 0, GiB },                  /* G is not a hex digit: a suffix */
		{ "0x1B", 0, 0x1b },                 /* B is a hex digit, not a suffix */
		{ "18446744073709551615", 0, UINT64_MAX },
		{ "18446744073709551616", -EINVAL, 0 },
		{ "18014398509481983K", 0, ((1ull << 54) - 1) << 10 },
		{ "18014398509481984K", -EINVAL, 0 },  /* 2^54 KiB = 2^64 */
		{ "17592186044415M", 0, ((1ull << 44) - 1) << 20 },
		{ "17592186044416M", -EINVAL, 0 },
		{ "17179869183G", 0, ((1ull << 34) - 1) << 30 },
		{ "17179869184G", -EINVAL, 0 },
		{ "0xffffffffffffffffK", -EINVAL, 0 },
		{ "", -EINVAL, 0 },
		{ "K", -EINVAL, 0 },
		{ "0xK", -EINVAL, 0 },
		{ "1T", -EINVAL, 0 },
		{ "1KB", -EINVAL, 0 },
		{ "1KK", -EINVAL, 0 },
		{ "1 K", -EINVAL, 0 },
		{ "1K ", -EINVAL, 0 },
		{ "-1K", -EINVAL, 0 },
		{ "1.5G", -EINVAL, 0 },
	};
	(void)state;
	check_nums(parse_size, "parse_size", cases, ARRAY_SIZE(cases));
}

static void test_glob_match(void **state)
{
	static const struct {
		const char *pat, *s;
		bool match;
	} cases[] = {
		{ "", "", true },
		{ "", "a", false },
		{ "a", "", false },
		{ "abc", "abc", true },
		{ "abc", "abd", false },
		{ "ab", "abc", false },
		{ "abc", "ab", false },
		{ "*", "", true },
		{ "*", "anything", true },
		{ "**", "", true },
		{ "?", "", false },
		{ "?", "a", true },
		{ "?", "ab", false },
		{ "??", "ab", true },
		{ "a?c", "abc", true },
		{ "a?c", "ac", false },
		{ "a*", "a", true },
		{ "a*", "abc", true },
		{ "a*", "b", false },
		{ "a**", "a", true },
		{ "a***", "ab", true },
		{ "*c", "abc", true },
		{ "*c", "abd", false },
		{ "*?", "", false },
		{ "*?", "a", true },
		{ "?*?", "a", false },
		{ "?*?", "ab", true },
		{ "a*b*c", "aXbYbZc", true },
		{ "a*b*c", "aXbYbZ", false },
		{ "a*b*c", "abc", true },
		{ "a*b*c", "acb", false },
		{ "*ab", "aab", true },
		{ "*aab", "aaab", true },
		{ "*a*a*a", "aaaa", true },
		{ "*a*a*a", "aa", false },
		{ "*x", "xxxxxxxxxxxxxxxxxxxxxxxxy", false },
		{ "boot.*", "boot.cmdline", true },
		{ "boot.*", "bootXcmdline", false },
		{ "mm.*.free", "mm.buddy.free", true },
		{ "mm.*.free", "mm.buddy.freed", false },
		{ "*.free", "x.free.y.free", true },
		{ "*.free", "x.free.y", false },
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		if (glob_match(cases[i].pat, cases[i].s) != cases[i].match)
			case_fail("case %zu: glob_match(\"%s\", \"%s\") != %d", i, cases[i].pat,
				  cases[i].s, cases[i].match);
}

/* The obvious exponential definition, as the reference. */
static bool glob_ref(const char *p, const char *s)
{
	if (!*p)
		return !*s;
	if (*p == '*')
		return glob_ref(p + 1, s) || (*s && glob_ref(p, s + 1));
	return *s && (*p == '?' || *p == *s) && glob_ref(p + 1, s + 1);
}

static void test_glob_match_random(void **state)
{
	uint64_t seed = 42;
	(void)state;
	for (int iter = 0; iter < 50000; iter++) {
		char pat[9], s[11];
		size_t pl = host_rand(&seed) % sizeof(pat), sl = host_rand(&seed) % sizeof(s);
		for (size_t i = 0; i < pl; i++)
			pat[i] = "ab*?"[host_rand(&seed) % 4];
		for (size_t i = 0; i < sl; i++)
			s[i] = "ab"[host_rand(&seed) % 2];
		pat[pl] = s[sl] = 0;
		if (glob_match(pat, s) != glob_ref(pat, s))
			case_fail("glob_match(\"%s\", \"%s\") = %d, reference says %d", pat, s,
				  glob_match(pat, s), glob_ref(pat, s));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shell_split),
		cmocka_unit_test(test_shell_split_max),
		cmocka_unit_test(test_parse_u64),
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_parse_hex),
		cmocka_unit_test(test_glob_match),
		cmocka_unit_test(test_glob_match_random),
	};
	return cmocka_run_group_tests_name("args", tests, NULL, NULL);
}
