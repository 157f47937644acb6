/*
 * boot/cpio.c on the host: newc parsing of untrusted bytes. A literal two-file
 * archive pins names and offsets exactly; every prefix of it must fail cleanly; a
 * builder makes the malformed variants (bad magic, bad hex, namesize 0, name without
 * NUL, huge sizes). Archives are copied to exact-size heap buffers so ASan catches
 * any read past len.
 */
#include <cpio.h>
#include <errno.h>
#include <stdlib.h>
#include "host_test.h"

/* Header fields: magic ino mode uid gid nlink mtime filesize devmajor devminor
 * rdevmajor rdevminor namesize check; offsets of the parsed ones: */
#define OFF_MODE     14
#define OFF_FILESIZE 54
#define OFF_NAMESIZE 94
#define HDR          110

static const char two_files[] =
	"070701" "00000000" "000081A4" "00000000" "00000000" "00000001" "00000000"
	"00000006" "00000000" "00000000" "00000000" "00000000" "00000006" "00000000"
	"hello\0"                       /* 110 + 6 = 116: data_off, already aligned */
	"world\n" "\0\0"                /* 6 bytes of data, padded to 124 */
	"070701" "00000000" "000081A4" "00000000" "00000000" "00000001" "00000000"
	"00000003" "00000000" "00000000" "00000000" "00000000" "0000000A" "00000000"
	"dir/a.txt\0"                   /* 124 + 110 + 10 = 244: data_off */
	"abc" "\0"                      /* padded to 248 */
	"070701" "00000000" "00000000" "00000000" "00000000" "00000001" "00000000"
	"00000000" "00000000" "00000000" "00000000" "00000000" "0000000B" "00000000"
	"TRAILER!!!\0" "\0\0\0";        /* 248 + 110 + 11 = 369, padded to 372 */
#define TWO_FILES_LEN (sizeof(two_files) - 1)

static uint8_t *copy_of(const void *p, size_t len)
{
	uint8_t *b = malloc(len ? len : 1);
	assert_non_null(b);
	memcpy(b, p, len);
	return b;
}

/* Walk an archive from offset 0: 0 at the trailer, else the first error. */
static int walk(const uint8_t *buf, size_t len, unsigned *entries)
{
	size_t off = 0;
	struct cpio_entry e;
	int r;
	*entries = 0;
	while ((r = cpio_next(buf, len, &off, &e)) == 1) {
		assert_true(e.data_off <= len && e.size <= len - e.data_off);
		assert_true((const uint8_t *)e.name >= buf + HDR);
		assert_true(e.name + e.name_len < (const char *)buf + len);
		assert_true(off <= len);
		(*entries)++;
	}
	return r;
}

static void test_two_files(void **state)
{
	(void)state;
	assert_int_equal(TWO_FILES_LEN, 372);
	uint8_t *buf = copy_of(two_files, TWO_FILES_LEN);
	size_t off = 0;
	struct cpio_entry e;

	assert_int_equal(cpio_next(buf, TWO_FILES_LEN, &off, &e), 1);
	assert_string_equal(e.name, "hello");
	assert_ptr_equal(e.name, (const char *)buf + 110);
	assert_int_equal(e.name_len, 5);
	assert_int_equal(e.data_off, 116);
	assert_int_equal(e.size, 6);
	assert_int_equal(e.mode, 0100644);
	assert_memory_equal(buf + e.data_off, "world\n", 6);
	assert_int_equal(off, 124);

	assert_int_equal(cpio_next(buf, TWO_FILES_LEN, &off, &e), 1);
	assert_string_equal(e.name, "dir/a.txt");
	assert_int_equal(e.name_len, 9);
	assert_int_equal(e.data_off, 244);
	assert_int_equal(e.size, 3);
	assert_memory_equal(buf + e.data_off, "abc", 3);
	assert_int_equal(off, 248);

	assert_int_equal(cpio_next(buf, TWO_FILES_LEN, &off, &e), 0);   /* the trailer */
	assert_string_equal(e.name, "TRAILER!!!");
	assert_int_equal(off, 248);                                     /* not advanced */
	assert_int_equal(cpio_next(buf, TWO_FILES_LEN, &off, &e), 0);   /* and stays there */
	free(buf);

	/* As GNU cpio writes it: zero-padded to a 512-byte block. */
	uint8_t *padded = calloc(1, 512);
	assert_non_null(padded);
	memcpy(padded, two_files, TWO_FILES_LEN);
	unsigned n;
	assert_int_equal(walk(padded, 512, &n), 0);
	assert_int_equal(n, 2);
	free(padded);
}

/* Every proper prefix of the archive: a clean -EINVAL somewhere, never a read past
 * len (ASan), and the first entry only once its data is complete. */
static void test_every_prefix(void **state)
{
	(void)state;
	for (size_t len = 0; len <= TWO_FILES_LEN; len++) {
		uint8_t *buf = copy_of(two_files, len);
		size_t off = 0;
		struct cpio_entry e;
		int first = cpio_next(buf, len, &off, &e);
		unsigned n;
		int whole = walk(buf, len, &n);
		free(buf);
		if (first != (len < 122 ? -EINVAL : 1))
			case_fail("prefix %zu: first entry %d", len, first);
		if (whole != (len < TWO_FILES_LEN ? -EINVAL : 0))
			case_fail("prefix %zu: walk %d after %u entries", len, whole, n);
	}
}

static void test_trailer_only(void **state)
{
	(void)state;
	const size_t trailer_len = TWO_FILES_LEN - 248;
	uint8_t *buf = copy_of(two_files + 248, trailer_len);
	size_t off = 0;
	struct cpio_entry e;
	assert_int_equal(cpio_next(buf, trailer_len, &off, &e), 0);
	assert_int_equal(off, 0);
	free(buf);
}

static void test_offsets(void **state)
{
	(void)state;
	uint8_t *buf = copy_of(two_files, TWO_FILES_LEN);
	struct cpio_entry e;
	size_t off = TWO_FILES_LEN;
	assert_int_equal(cpio_next(buf, TWO_FILES_LEN, &off, &e), -EINVAL);   /* at the end */
	off = TWO_FILES_LEN + 1;
	assert_int_equal(cpio_next(buf, TWO_FILES_LEN, &off, &e), -EINVAL);   /* past it */
	off = SIZE_MAX;
	assert_int_equal(cpio_next(buf, TWO_FILES_LEN, &off, &e), -EINVAL);
	off = 124;                                                          /* 2nd entry */
	assert_int_equal(cpio_next(buf, TWO_FILES_LEN, &off, &e), 1);
	assert_string_equal(e.name, "dir/a.txt");
	off = 1;                                                            /* not a header */
	assert_int_equal(cpio_next(buf, TWO_FILES_LEN, &off, &e), -EINVAL);
	assert_int_equal(off, 1);
	free(buf);

	/* The last entry's data ends at len without padding: accepted, off clamped to len. */
	static const char unpadded[] =
		"070701" "00000000" "000081A4" "00000000" "00000000" "00000001" "00000000"
		"00000005" "00000000" "00000000" "00000000" "00000000" "00000006" "00000000"
		"hello\0" "world";
	buf = copy_of(unpadded, sizeof(unpadded) - 1);
	off = 0;
	assert_int_equal(cpio_next(buf, sizeof(unpadded) - 1, &off, &e), 1);
	assert_int_equal(e.data_off, 116);
	assert_int_equal(e.size, 5);
	assert_int_equal(off, 121);
	assert_int_equal(cpio_next(buf, sizeof(unpadded) - 1, &off, &e), -EINVAL);
	free(buf);
}

/* The first entry of two_files with one edit at pos; the first cpio_next() result. */
static int parse_edited(size_t pos, const char *bytes, size_t n, struct cpio_entry *e)
{
	uint8_t *buf = copy_of(two_files, TWO_FILES_LEN);
	memcpy(buf + pos, bytes, n);
	size_t off = 0;
	int r = cpio_next(buf, TWO_FILES_LEN, &off, e);
	free(buf);
	return r;
}

static void test_bad_header(void **state)
{
	static const struct {
		const char *what;
		size_t pos;
		const char *bytes;
		int ret;
	} cases[] = {
		{ "crc magic", 0, "070702", -EINVAL },
		{ "odc magic", 0, "070707", -EINVAL },
		{ "magic", 0, "170701", -EINVAL },
		{ "namesize 0", OFF_NAMESIZE, "00000000", -EINVAL },
		{ "name without NUL", OFF_NAMESIZE, "00000005", -EINVAL },
		{ "namesize past len", OFF_NAMESIZE, "00000200", -EINVAL },
		{ "namesize huge", OFF_NAMESIZE, "FFFFFFFF", -EINVAL },
		{ "filesize past len", OFF_FILESIZE, "00000101", -EINVAL },
		{ "filesize huge", OFF_FILESIZE, "FFFFFFFF", -EINVAL },
		{ "filesize to the end", OFF_FILESIZE, "00000100", 1 },   /* 116 + 256 = 372 */
		{ "lowercase hex", OFF_MODE, "000081a4", 1 },
		{ "lowercase filesize", OFF_FILESIZE, "0000000a", 1 },
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct cpio_entry e;
		int r = parse_edited(cases[i].pos, cases[i].bytes, strlen(cases[i].bytes), &e);
		if (r != cases[i].ret)
			case_fail("case %zu (%s): %d, want %d", i, cases[i].what, r, cases[i].ret);
	}
}

/* Any non-hex character at any position of a parsed field is -EINVAL. */
static void test_bad_hex(void **state)
{
	static const size_t fields[] = { OFF_MODE, OFF_FILESIZE, OFF_NAMESIZE };
	static const char bad[] = { 'g', 'G', 'x', ' ', '-', '+', '\0', '/', ':', '@', '`', (char)0x80 };
	(void)state;
	for (size_t f = 0; f < ARRAY_SIZE(fields); f++)
		for (size_t i = 0; i < 8; i++)
			for (size_t b = 0; b < sizeof(bad); b++) {
				struct cpio_entry e;
				int r = parse_edited(fields[f] + i, &bad[b], 1, &e);
				if (r != -EINVAL)
					case_fail("byte %#x at %zu: %d", (unsigned)(uint8_t)bad[b],
						  fields[f] + i, r);
			}
}

/* A builder for archives of many shapes. */
struct archive {
	uint8_t buf[64 * 1024];
	size_t len;
};

static void add(struct archive *a, const char *name, const void *data, size_t size, unsigned mode)
{
	size_t ns = strlen(name) + 1;
	a->len += (size_t)sprintf((char *)a->buf + a->len,
				  "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", 0,
				  mode, 0, 0, 1, 0, (unsigned)size, 0, 0, 0, 0, (unsigned)ns, 0);
	memcpy(a->buf + a->len, name, ns);
	a->len = ALIGN_UP(a->len + ns, (size_t)4);
	memcpy(a->buf + a->len, data, size);
	a->len = ALIGN_UP(a->len + size, (size_t)4);
}

/* Every name length 1..9 against every data size 0..9: alignment and contents. */
static void test_alignment(void **state)
{
	(void)state;
	static struct archive a;
	static const char data[] = "0123456789";
	char name[16];
	memset(&a, 0, sizeof(a));
	for (int nl = 1; nl <= 9; nl++)
		for (int ds = 0; ds <= 9; ds++) {
			snprintf(name, sizeof(name), "%.*s", nl, "nnnnnnnnn");
			name[0] = (char)('0' + ds);
			add(&a, name, data, (size_t)ds, 0100600);
		}
	add(&a, "TRAILER!!!", "", 0, 0);
	uint8_t *buf = copy_of(a.buf, a.len);
	size_t off = 0;
	struct cpio_entry e;
	for (int nl = 1; nl <= 9; nl++)
		for (int ds = 0; ds <= 9; ds++) {
			size_t start = off;
			assert_int_equal(cpio_next(buf, a.len, &off, &e), 1);
			assert_int_equal(e.name_len, nl);
			assert_int_equal(e.name[0], '0' + ds);
			assert_int_equal(e.data_off, ALIGN_UP(start + HDR + nl + 1, (size_t)4));
			assert_int_equal(e.size, ds);
			assert_int_equal(e.mode, 0100600);
			assert_memory_equal(buf + e.data_off, data, ds);
			assert_int_equal(off, ALIGN_UP(e.data_off + ds, (size_t)4));
		}
	assert_int_equal(cpio_next(buf, a.len, &off, &e), 0);
	free(buf);
	assert_true(cpio_is_archive((const uint8_t *)"070701", 6));
	assert_false(cpio_is_archive((const uint8_t *)"07070", 5));
	assert_false(cpio_is_archive((const uint8_t *)"070707", 6));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_files),
		cmocka_unit_test(test_every_prefix),
		cmocka_unit_test(test_trailer_only),
		cmocka_unit_test(test_offsets),
		cmocka_unit_test(test_bad_header),
		cmocka_unit_test(test_bad_hex),
		cmocka_unit_test(test_alignment),
	};
	return cmocka_run_group_tests_name("cpio", tests, NULL, NULL);
}
