/*
 * kernel/shell/line.c on the host. A driver feeds bytes the way shell_loop() does:
 * after every event other than LINE_MORE it records the event (with the line for
 * DONE, the byte for BAD_BYTE) and calls line_reset(). Each case compares the
 * rendered events and the echo with goldens.
 */
#include <shell_loop.h>
#include <stdlib.h>
#include "host_test.h"

static char echoed[64 * 1024];
static size_t echoed_len;

static void echo_capture(const char *s, size_t n)
{
	assert_true(n < sizeof(echoed) - echoed_len);
	memcpy(echoed + echoed_len, s, n);
	echoed_len += n;
	echoed[echoed_len] = 0;
}

static void editor_init(struct line_editor *le)
{
	memset(le, 0, sizeof(*le));                /* as the shell's static one */
	le->echo = echo_capture;
	line_reset(le);
	echoed_len = 0;
	echoed[0] = 0;
}

/* Render the events of feeding n bytes: "DONE[ls -l] EMPTY BAD[0x01] ...". */
static void feed(struct line_editor *le, const char *in, size_t n, char *out, size_t outsz)
{
	out[0] = 0;
	for (size_t i = 0; i < n; i++) {
		enum line_event ev = line_feed(le, (uint8_t)in[i]);
		size_t len = strlen(out);
		const char *sep = len ? " " : "";
		switch (ev) {
		case LINE_MORE:
			continue;
		case LINE_DONE:
			snprintf(out + len, outsz - len, "%sDONE[%s]", sep, le->buf);
			break;
		case LINE_EMPTY:
			snprintf(out + len, outsz - len, "%sEMPTY", sep);
			break;
		case LINE_TOO_LONG:
			snprintf(out + len, outsz - len, "%sTOO_LONG", sep);
			break;
		case LINE_BAD_BYTE:
			snprintf(out + len, outsz - len, "%sBAD[0x%02x]", sep, le->bad_byte);
			break;
		case LINE_CANCEL:
			snprintf(out + len, outsz - len, "%sCANCEL", sep);
			break;
		default:
			case_fail("event %d is not a line_event", ev);
		}
		line_reset(le);
	}
}

#define S(lit) lit, sizeof(lit) - 1

static void test_line_table(void **state)
{
	static const struct {
		const char *in;
		size_t len;
		const char *events;
		const char *echo;
	} cases[] = {
		{ S(""), "", "" },
		{ S("ls -l"), "", "ls -l" },                     /* no end yet */
		{ S("ls -l\r"), "DONE[ls -l]", "ls -l\n" },
		{ S("ls -l\n"), "DONE[ls -l]", "ls -l\n" },
		{ S("ls -l\r\n"), "DONE[ls -l]", "ls -l\n" },    /* CR LF is one end */
		{ S("a\r\nb\r\n"), "DONE[a] DONE[b]", "a\nb\n" },
		{ S("\r"), "EMPTY", "\n" },
		{ S("\r\n\r\n"), "EMPTY EMPTY", "\n\n" },
		{ S("\n\n"), "EMPTY EMPTY", "\n\n" },
		{ S("\r\r"), "EMPTY EMPTY", "\n\n" },
		{ S("a\n\r"), "DONE[a] EMPTY", "a\n\n" },       /* LF CR is two ends */
		{ S("a\tb\r"), "DONE[a b]", "a b\n" },           /* tab is a space */
		{ S("abc\b\bd\r"), "DONE[ad]", "abc\b \b\b \bd\n" },
		{ S("ab\x7f\x7f" "c\r"), "DONE[c]", "ab\b \b\b \bc\n" },
		{ S("\b\x7f\bx\r"), "DONE[x]", "x\n" },          /* nothing to erase */
		{ S("ab\b\b\r"), "EMPTY", "ab\b \b\b \b\n" },
		{ S("abc\x15" "de\r"), "DONE[de]", "abc\b \b\b \b\b \bde\n" },   /* Ctrl-U */
		{ S("\x15\r"), "EMPTY", "\n" },
		{ S("abc\x03"), "CANCEL", "abc^C\n" },           /* Ctrl-C */
		{ S("abc\x03x\r"), "CANCEL DONE[x]", "abc^C\nx\n" },
		{ S("\x03\x03"), "CANCEL CANCEL", "^C\n^C\n" },
		{ S("a\x1b[Ab\r"), "DONE[ab]", "ab\n" },          /* up arrow swallowed */
		{ S("a\x1b[1;5Cb\r"), "DONE[ab]", "ab\n" },       /* with parameters */
		{ S("\x1b[A\x1b[B\x1b[C\x1b[D\r"), "EMPTY", "\n" },
		{ S("a\x1b[3~b\r"), "DONE[ab]", "ab\n" },         /* Delete key */
		{ S("a\x01" "b\r"), "BAD[0x01]", "ab\n" },
		{ S("\x80\x01\r"), "BAD[0x80]", "\n" },           /* the first one is kept */
		{ S("ok\xff\r"), "BAD[0xff]", "ok\n" },
		{ S("\x00\r"), "BAD[0x00]", "\n" },
		{ S("a\x01\rb\r"), "BAD[0x01] DONE[b]", "a\nb\n" },
		{ S("a\x01\x03"), "CANCEL", "a^C\n" },            /* Ctrl-C forgets it */
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct line_editor le;
		char ev[512];
		editor_init(&le);
		feed(&le, cases[i].in, cases[i].len, ev, sizeof(ev));
		if (strcmp(ev, cases[i].events) != 0 || strcmp(echoed, cases[i].echo) != 0)
			case_fail("case %zu: events [%s] echo [%s]; want [%s] echo [%s]", i, ev,
				  echoed, cases[i].events, cases[i].echo);
	}
}

/* SHELL_LINE_MAX - 1 characters fit; one more makes the line TOO_LONG. */
static void test_line_limit(void **state)
{
	(void)state;
	static char in[SHELL_LINE_MAX + 2];
	struct line_editor le;
	char ev[2 * SHELL_LINE_MAX];
	char want[2 * SHELL_LINE_MAX];

	memset(in, 'x', SHELL_LINE_MAX - 1);
	in[SHELL_LINE_MAX - 1] = '\r';
	editor_init(&le);
	feed(&le, in, SHELL_LINE_MAX, ev, sizeof(ev));
	snprintf(want, sizeof(want), "DONE[%.*s]", SHELL_LINE_MAX - 1, in);
	assert_golden(ev, want);

	memset(in, 'x', SHELL_LINE_MAX);
	in[SHELL_LINE_MAX] = '\r';
	editor_init(&le);
	feed(&le, in, SHELL_LINE_MAX + 1, ev, sizeof(ev));
	assert_golden(ev, "TOO_LONG");
	/* Only what fitted was echoed, then the end of line. */
	assert_int_equal(echoed_len, SHELL_LINE_MAX - 1 + 1);
}

static void test_line_too_long_then_usable(void **state)
{
	(void)state;
	size_t n = 10000;
	char *in = malloc(n + 64);
	assert_non_null(in);
	for (size_t i = 0; i < n; i++)
		in[i] = 'a' + i % 26;
	/* Erasing after the overflow does not bring the line back. */
	memset(in + 2000, 0x7f, 9000 - 2000);
	memcpy(in + n, "\r\nhelp\r\n", 8);

	struct line_editor le;
	char ev[256];
	editor_init(&le);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(line_feed(&le, (uint8_t)in[i]), LINE_MORE);
		assert_true(le.len < sizeof(le.buf));
	}
	assert_int_equal(le.len, SHELL_LINE_MAX - 1);
	feed(&le, in + n, 8, ev, sizeof(ev));
	assert_golden(ev, "TOO_LONG DONE[help]");
	free(in);
}

/* A mix biased towards the bytes that change state, plus anything at all; with
 * long_lines, state-changing bytes are rare so lines outgrow the buffer. */
static uint8_t random_byte(uint64_t *seed, bool long_lines)
{
	static const uint8_t special[] = { '\r', '\n', 0x08, 0x7f, 0x03, 0x15, 0x1b, '[', 'A',
					   '1', ';', '~', '\t', 0x00, 0x80, 0xff };
	uint64_t r = host_rand(seed);
	if (long_lines)
		return r % 1024 ? (uint8_t)(0x20 + (r >> 16) % 95) : special[(r >> 8) % sizeof(special)];
	switch (r % 4) {
	case 0: return special[(r >> 8) % sizeof(special)];
	case 1: return (uint8_t)(r >> 8);
	default: return (uint8_t)(0x20 + (r >> 8) % 95);
	}
}

static size_t random_echo_bytes;
static void echo_count(const char *s, size_t n)
{
	(void)s;
	random_echo_bytes += n;
}

/* 1 MiB of seeded random bytes (64 KiB chunks alternating between the two mixes of
 * random_byte()): every event is a line_event, the state stays in
 * bounds, and a finished line is exactly its printable bytes. ASan guards buf. */
static void test_line_random(void **state)
{
	(void)state;
	uint64_t seed = 0xba7011;
	unsigned counts[LINE_CANCEL + 1] = { 0 };
	struct line_editor *le = malloc(sizeof(*le));   /* heap, so ASan sees its end */
	assert_non_null(le);
	memset(le, 0, sizeof(*le));
	le->echo = echo_count;
	line_reset(le);
	for (size_t i = 0; i < 1024 * 1024; i++) {
		enum line_event ev = line_feed(le, random_byte(&seed, (i >> 16) & 1));
		if ((unsigned)ev > LINE_CANCEL)
			case_fail("byte %zu: event %d is not a line_event", i, ev);
		counts[ev]++;
		assert_true(le->len < sizeof(le->buf));
		assert_true(le->esc >= 0 && le->esc <= 2);
		assert_true(le->bad_byte >= -1 && le->bad_byte <= 0xff);
		if (ev == LINE_MORE)
			continue;
		if (ev == LINE_DONE) {
			assert_int_equal(strlen(le->buf), le->len);
			for (size_t j = 0; j < le->len; j++)
				assert_true(le->buf[j] >= 0x20 && le->buf[j] <= 0x7e);
		}
		line_reset(le);
	}
	free(le);
	/* The mix reaches every event (the counts are deterministic for the seed). */
	for (int e = LINE_MORE; e <= LINE_CANCEL; e++)
		if (counts[e] == 0)
			case_fail("event %d never happened", e);
	print_message("  random: more=%u done=%u empty=%u too_long=%u bad=%u cancel=%u echo=%zu\n",
		      counts[LINE_MORE], counts[LINE_DONE], counts[LINE_EMPTY],
		      counts[LINE_TOO_LONG], counts[LINE_BAD_BYTE], counts[LINE_CANCEL],
		      random_echo_bytes);
}

/*
 * BUG: kernel/shell/line.c drops the byte after a lone ESC, and a control byte that
 * ends an unfinished "ESC [" sequence, even when it is CR, LF or Ctrl-C. A stray ESC
 * (the Esc key) then eats the Enter that follows: "ab" ESC CR gives LINE_MORE for the
 * CR instead of LINE_DONE "ab", and the console sits without a result line. Expected:
 * a control byte (< 0x20, or 0x7f) after ESC or inside "ESC [" ends the sequence and
 * is then handled as usual. Skipped until line.c is fixed; remove the skip() then.
 */
static void test_line_esc_then_control(void **state)
{
	static const struct {
		const char *in;
		size_t len;
		const char *events;
	} cases[] = {
		{ S("ab\x1b\r"), "DONE[ab]" },
		{ S("ab\x1b\n"), "DONE[ab]" },
		{ S("ab\x1b[\r"), "DONE[ab]" },
		{ S("ab\x1b[1;\r"), "DONE[ab]" },
		{ S("ab\x1b\x03"), "CANCEL" },
		{ S("ab\x1b[\x03"), "CANCEL" },
		{ S("ab\x1b\x15" "c\r"), "DONE[c]" },
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct line_editor le;
		char ev[64];
		editor_init(&le);
		feed(&le, cases[i].in, cases[i].len, ev, sizeof(ev));
		if (strcmp(ev, cases[i].events) != 0)
			case_fail("case %zu: events [%s], want [%s]", i, ev, cases[i].events);
	}
}

/* Without an echo callback the editor works the same, silently. */
static void test_line_no_echo(void **state)
{
	(void)state;
	struct line_editor le;
	char ev[64];
	memset(&le, 0, sizeof(le));
	line_reset(&le);
	feed(&le, S("ab\x7f" "c\x03x\r"), ev, sizeof(ev));
	assert_golden(ev, "CANCEL DONE[x]");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_table),
		cmocka_unit_test(test_line_limit),
		cmocka_unit_test(test_line_too_long_then_usable),
		cmocka_unit_test(test_line_random),
		cmocka_unit_test(test_line_no_echo),
		cmocka_unit_test(test_line_esc_then_control),
	};
	return cmocka_run_group_tests_name("line", tests, NULL, NULL);
}
