/*
 * kernel/imgstore.c and lib/crc32.c on the host. Disks are built here in C (an
 * independent writer of docs/abi/imgstore.md) into exact-size heap buffers, so ASan
 * catches any read past the disk, and the read callback fails the test if the parser
 * asks for a range outside [0, disk_bytes). Covers: CRC32 test vectors and a bitwise
 * reference; a golden round trip; every reason open refuses a header (exact errno,
 * message and entry); load errors; boundaries (63 entries, empty images, an image
 * ending exactly at the end of the disk, offset + size overflow); and agreement with
 * tools/mkimgdisk.py on disks it writes, good and bad.
 */
#include <crc32.h>
#include <errname.h>
#include <errno.h>
#include <imgstore.h>
#include <stdlib.h>
#include <types.h>
#include <unistd.h>
#include "host_test.h"
#include "imgstore_disk.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define SEC IMGSTORE_SECTOR

/* ---- CRC32 ---- */

/* The definition, one bit at a time: the reference for the table-driven code. */
static uint32_t crc32_bitwise(const uint8_t *p, size_t n)
{
	uint32_t r = 0xffffffffu;
	while (n--) {
		r ^= *p++;
		for (int i = 0; i < 8; i++)
			r = r & 1 ? (r >> 1) ^ 0xedb88320u : r >> 1;
	}
	return ~r;
}

static void test_crc32(void **state)
{
	(void)state;
	static const struct { const char *in; uint32_t crc; } v[] = {
		{ "", 0 },
		{ "a", 0xe8b7be43u },
		{ "123456789", 0xcbf43926u },
		{ "The quick brown fox jumps over the lazy dog", 0x414fa339u },
	};
	for (size_t i = 0; i < NELEM(v); i++)
		if (crc32(v[i].in, strlen(v[i].in)) != v[i].crc)
			case_fail("vector %zu '%s': %#x, want %#x", i, v[i].in,
				  crc32(v[i].in, strlen(v[i].in)), v[i].crc);

	/* Every length and alignment around the 8-byte steps, split anywhere. */
	uint8_t buf[300];
	uint64_t seed = 7;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)host_rand(&seed);
	for (size_t off = 0; off < 9; off++)
		for (size_t len = 0; len + off <= sizeof(buf); len += 1 + len / 16) {
			uint32_t want = crc32_bitwise(buf + off, len);
			if (crc32(buf + off, len) != want)
				case_fail("off %zu len %zu", off, len);
			size_t cut = len / 3;
			if (crc32_update(crc32(buf + off, cut), buf + off + cut, len - cut) != want)
				case_fail("chained off %zu len %zu cut %zu", off, len, cut);
		}
}

/* ---- a disk in memory ---- */

struct mdisk {
	uint8_t *buf;
	size_t len;
	int fail_at_read;          /* fail the read with this number (1-based), or 0 */
	int reads;
};

static int mread(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct mdisk *d = ctx;
	if (off > d->len || len > d->len - off)
		fail_msg("parser read [%llu, +%zu) outside a %zu-byte disk",
			 (unsigned long long)off, len, d->len);
	if (++d->reads == d->fail_at_read)
		return -EIO;
	memcpy(buf, d->buf + off, len);
	return 0;
}

struct img {
	const char *name;
	uint64_t lba;              /* 0: right after the previous image, 4 KiB aligned */
	size_t size;
	uint8_t fill;              /* byte i is fill + i */
};

/* A disk of disk_len bytes (0: just enough, a multiple of 512) with these images. */
static uint8_t *make_disk(const struct img *im, unsigned n, size_t disk_len, size_t *out_len)
{
	uint64_t next = IMGSTORE_HDR_BYTES / SEC;
	size_t need = IMGSTORE_HDR_BYTES;
	uint64_t lba[IMGSTORE_MAX_ENTRIES + 1];

	assert_true(n <= IMGSTORE_MAX_ENTRIES + 1);
	for (unsigned i = 0; i < n; i++) {
		lba[i] = im[i].lba ? im[i].lba : ALIGN_UP(next, 8);
		next = lba[i] + (im[i].size + SEC - 1) / SEC;
		if (lba[i] * SEC + im[i].size > need)
			need = lba[i] * SEC + im[i].size;
	}
	if (!disk_len)
		disk_len = ALIGN_UP(need, SEC);
	assert_true(disk_len >= IMGSTORE_HDR_BYTES);
	uint8_t *d = calloc(1, disk_len);
	assert_non_null(d);
	imgstore_put_super(d, n);
	for (unsigned i = 0; i < n; i++) {
		uint8_t *data = d + lba[i] * SEC;
		int inside = lba[i] * SEC + im[i].size <= disk_len;
		for (size_t k = 0; k < im[i].size; k++)
			if (lba[i] * SEC + k < disk_len)
				data[k] = (uint8_t)(im[i].fill + k);
		imgstore_put_entry(d, i, im[i].name, lba[i], im[i].size,
				   inside ? crc32(data, im[i].size) : 0);
	}
	imgstore_seal(d);
	*out_len = disk_len;
	return d;
}

/* ---- golden round trip ---- */

static void test_round_trip(void **state)
{
	(void)state;
	static const struct img im[] = {
		{ "baton", 0, 10000, 1 }, { "tiny", 0, 1, 0x55 }, { "x.y-z_2", 0, 4096, 9 },
	};
	size_t len;
	uint8_t *d = make_disk(im, 3, 0, &len);
	struct mdisk md = { d, len, 0, 0 };
	struct imgstore st;
	const char *why = NULL;
	char dump[512] = "";
	size_t at = 0;

	assert_int_equal(len, 24576);
	assert_int_equal(imgstore_open(&st, mread, &md, len, &why), 0);
	assert_int_equal(md.reads, 1);          /* the header, once */
	assert_int_equal(imgstore_count(&st), 3);
	for (unsigned i = 0; i < 3; i++) {
		struct imgstore_entry e;
		assert_int_equal(imgstore_entry(&st, i, &e), 0);
		at += (size_t)snprintf(dump + at, sizeof(dump) - at,
				       "n=%u name=%s lba=%llu bytes=%llu crc=0x%08x\n", i, e.name,
				       (unsigned long long)e.lba, (unsigned long long)e.size, e.crc32);
		uint8_t *buf = malloc(e.size);
		assert_int_equal(imgstore_load(&st, i, buf, e.size, &why), 0);
		assert_memory_equal(buf, d + e.lba * SEC, e.size);
		free(buf);
	}
	assert_golden(dump,
		      /* zlib.crc32 of the same bytes agrees */
		      "n=0 name=baton lba=8 bytes=10000 crc=0x38cdadbc\n"
		      "n=1 name=tiny lba=32 bytes=1 crc=0xc9034af6\n"
		      "n=2 name=x.y-z_2 lba=40 bytes=4096 crc=0xf235cdfa\n");
	struct imgstore_entry e;
	assert_int_equal(imgstore_entry(&st, 3, &e), -ENOENT);
	assert_int_equal(imgstore_entry(&st, ~0u, &e), -ENOENT);
	free(d);
}

/* ---- open: every refusal ---- */

enum edit {
	E_NONE, E_SHORT, E_MAGIC, E_VERSION, E_CRC, E_NAME_NOSEAL, E_HDR_BYTES, E_COUNT64,
	E_SUPER_RES, E_SLOT, E_NAME_EMPTY, E_NAME_32, E_NAME_SPACE, E_NAME_TAIL,
	E_NAME_HIGH, E_ENTRY_RES, E_LBA_HDR, E_OVERLAP, E_PAST_END, E_LBA_PAST,
	E_OVERFLOW, E_LBA_HUGE, E_READ_FAIL, E_PARTIAL_SECTOR,
};

static void test_open_refusals(void **state)
{
	(void)state;
	static const struct {
		enum edit edit;
		int err;
		int bad;               /* bad_entry */
		const char *why;
	} cases[] = {
		{ E_NONE, 0, -1, NULL },
		{ E_SHORT, -ENODATA, -1, "no image store: the disk is smaller than its header" },
		{ E_MAGIC, -ENODATA, -1, "no image store: bad magic" },
		{ E_VERSION, -EOPNOTSUPP, -1, "image store of an unsupported version" },
		{ E_CRC, -EBADMSG, -1, "image store header checksum mismatch" },
		{ E_NAME_NOSEAL, -EBADMSG, -1, "image store header checksum mismatch" },
		{ E_HDR_BYTES, -EINVAL, -1, "image store header size is not 4096" },
		{ E_COUNT64, -EINVAL, -1, "image store has too many entries" },
		{ E_SUPER_RES, -EINVAL, -1, "image store header has nonzero reserved bytes or slots" },
		{ E_SLOT, -EINVAL, -1, "image store header has nonzero reserved bytes or slots" },
		{ E_NAME_EMPTY, -EINVAL, 1, "an image name is empty, too long or not a printable word" },
		{ E_NAME_32, -EINVAL, 1, "an image name is empty, too long or not a printable word" },
		{ E_NAME_SPACE, -EINVAL, 1, "an image name is empty, too long or not a printable word" },
		{ E_NAME_TAIL, -EINVAL, 1, "an image name is empty, too long or not a printable word" },
		{ E_NAME_HIGH, -EINVAL, 1, "an image name is empty, too long or not a printable word" },
		{ E_ENTRY_RES, -EINVAL, 0, "an entry has nonzero reserved bytes" },
		{ E_LBA_HDR, -EINVAL, 0, "an image starts inside the header" },
		{ E_OVERLAP, -EINVAL, 1, "two images overlap" },
		{ E_PAST_END, -ERANGE, 1, "an image runs past the end of the disk (truncated)" },
		{ E_LBA_PAST, -ERANGE, 1, "an image runs past the end of the disk (truncated)" },
		{ E_OVERFLOW, -ERANGE, 1, "an image runs past the end of the disk (truncated)" },
		{ E_LBA_HUGE, -ERANGE, 0, "an image runs past the end of the disk (truncated)" },
		{ E_READ_FAIL, -EIO, -1, "cannot read the image store header" },
		{ E_PARTIAL_SECTOR, -ERANGE, 1, "an image runs past the end of the disk (truncated)" },
	};
	static const struct img im[] = { { "baton", 0, 5000, 1 }, { "other", 0, 700, 2 } };

	for (size_t i = 0; i < NELEM(cases); i++) {
		size_t len;
		uint8_t *d = make_disk(im, 2, 0, &len);       /* lbas 8 and 24, 13312 bytes */
		struct mdisk md = { d, len, 0, 0 };
		uint8_t *e0 = d + 64, *e1 = d + 128;
		size_t disk_bytes = len;
		int reseal = 1;

		switch (cases[i].edit) {
		case E_NONE: break;
		case E_SHORT: disk_bytes = IMGSTORE_HDR_BYTES - 1; break;
		case E_MAGIC: d[7] ^= 1; break;
		case E_VERSION: put32(d + 8, 2); break;
		case E_CRC: d[20] ^= 0x80; reseal = 0; break;
		case E_NAME_NOSEAL: e1[0] = 'O'; reseal = 0; break;
		case E_HDR_BYTES: put32(d + 12, 8192); break;
		case E_COUNT64: put32(d + 16, IMGSTORE_MAX_ENTRIES + 1); break;
		case E_SUPER_RES: d[63] = 1; break;
		case E_SLOT: d[IMGSTORE_HDR_BYTES - 1] = 1; break;
		case E_NAME_EMPTY: memset(e1, 0, 32); break;
		case E_NAME_32: memset(e1, 'a', 32); break;
		case E_NAME_SPACE: memcpy(e1, "ot er", 5); break;
		case E_NAME_TAIL: e1[20] = 'x'; break;
		case E_NAME_HIGH: e1[1] = (uint8_t)0xc3; break;
		case E_ENTRY_RES: e0[63] = 1; break;
		case E_LBA_HDR: put64(e0 + 32, 7); break;
		case E_OVERLAP: put64(e1 + 32, 17); break;    /* baton is sectors 8..17 */
		case E_PAST_END: put64(e1 + 40, 701 + 512); break; /* 3 sectors from 24: 27 > 26 */
		case E_LBA_PAST: put64(e1 + 32, 27); put64(e1 + 40, 0); break;
		case E_OVERFLOW: put64(e1 + 32, 24); put64(e1 + 40, UINT64_MAX); break;
		case E_LBA_HUGE: put64(e0 + 32, UINT64_MAX); put64(e0 + 40, UINT64_MAX); break;
		case E_READ_FAIL: md.fail_at_read = 1; break;
		case E_PARTIAL_SECTOR: disk_bytes = len - 1; break; /* last sector incomplete */
		}
		if (reseal)
			imgstore_seal(d);
		struct imgstore st;
		const char *why = NULL;
		int err = imgstore_open(&st, mread, &md, disk_bytes, &why);
		if (err != cases[i].err)
			case_fail("case %zu: %s (%s), want %s", i, errname(err), why ? why : "",
				  errname(cases[i].err));
		if (cases[i].why && (!why || strcmp(why, cases[i].why)))
			case_fail("case %zu: why '%s', want '%s'", i, why, cases[i].why);
		if (st.bad_entry != cases[i].bad)
			case_fail("case %zu: bad_entry %d, want %d", i, st.bad_entry, cases[i].bad);
		struct imgstore_entry e;
		if (err && (imgstore_count(&st) != 0 || imgstore_entry(&st, 0, &e) != -ENOENT))
			case_fail("case %zu: a refused store still has entries", i);
		if (!err && imgstore_count(&st) != 2)
			case_fail("case %zu: count %d", i, imgstore_count(&st));
		free(d);
	}
}

/* ---- load ---- */

static void test_load_errors(void **state)
{
	(void)state;
	static const struct img im[] = { { "baton", 0, 5000, 1 }, { "other", 0, 700, 2 } };
	size_t len;
	uint8_t *d = make_disk(im, 2, 0, &len);
	struct mdisk md = { d, len, 0, 0 };
	struct imgstore st;
	const char *why = NULL;
	uint8_t buf[5000];

	assert_int_equal(imgstore_open(&st, mread, &md, len, &why), 0);
	assert_int_equal(imgstore_load(&st, 2, buf, sizeof(buf), &why), -ENOENT);
	assert_string_equal(why, "no such image");
	assert_int_equal(imgstore_load(&st, 0, buf, 4999, &why), -E2BIG);
	assert_string_equal(why, "the image is larger than the room for it");
	assert_int_equal(imgstore_load(&st, 0, buf, 5000, &why), 0);
	d[8 * SEC + 4999] ^= 1;                       /* last byte of image 0 */
	assert_int_equal(imgstore_load(&st, 0, buf, 5000, &why), -EBADMSG);
	assert_string_equal(why, "image checksum mismatch");
	assert_int_equal(imgstore_load(&st, 1, buf, 700, &why), 0);  /* the other is fine */
	d[24 * SEC + 700] ^= 1;                       /* padding after image 1: not covered */
	assert_int_equal(imgstore_load(&st, 1, buf, 700, &why), 0);
	md.fail_at_read = md.reads + 1;
	assert_int_equal(imgstore_load(&st, 1, buf, 700, &why), -EIO);
	assert_string_equal(why, "cannot read the image");
	assert_int_equal(imgstore_load(&st, 1, buf, 700, NULL), 0);  /* why may be NULL */
	free(d);
}

/* ---- boundaries ---- */

static void test_max_entries(void **state)
{
	(void)state;
	struct img im[IMGSTORE_MAX_ENTRIES];
	char names[IMGSTORE_MAX_ENTRIES][32];
	for (unsigned i = 0; i < IMGSTORE_MAX_ENTRIES; i++) {
		/* 31-byte names, the longest allowed */
		snprintf(names[i], sizeof(names[i]), "image-%02u-%s", i, "abcdefghijklmnopqrstuv");
		assert_int_equal(strlen(names[i]), 31);
		im[i] = (struct img){ names[i], 0, i * 37, (uint8_t)i };
	}
	size_t len;
	uint8_t *d = make_disk(im, IMGSTORE_MAX_ENTRIES, 0, &len);
	struct mdisk md = { d, len, 0, 0 };
	struct imgstore st;
	const char *why = NULL;
	assert_int_equal(imgstore_open(&st, mread, &md, len, &why), 0);
	assert_int_equal(imgstore_count(&st), IMGSTORE_MAX_ENTRIES);
	for (unsigned i = 0; i < IMGSTORE_MAX_ENTRIES; i++) {
		struct imgstore_entry e;
		uint8_t buf[IMGSTORE_MAX_ENTRIES * 37];
		assert_int_equal(imgstore_entry(&st, i, &e), 0);
		assert_string_equal(e.name, names[i]);
		assert_int_equal(imgstore_load(&st, i, buf, e.size, &why), 0);
	}
	free(d);
}

static void test_empty_and_edges(void **state)
{
	(void)state;
	struct imgstore st;
	const char *why = NULL;
	size_t len;
	uint8_t *d;

	/* No images at all: a valid, empty store. */
	d = make_disk(NULL, 0, 0, &len);
	struct mdisk md = { d, len, 0, 0 };
	assert_int_equal(len, IMGSTORE_HDR_BYTES);
	assert_int_equal(imgstore_open(&st, mread, &md, len, &why), 0);
	assert_int_equal(imgstore_count(&st), 0);
	free(d);

	/* A zero-byte image at the very end (lba == disk sectors), loaded into nothing;
	 * two empty images at the same lba do not overlap. */
	static const struct img z[] = { { "a", 8, 0, 0 }, { "b", 8, 0, 0 }, { "c", 9, 512, 3 } };
	d = make_disk(z, 3, 0, &len);
	md = (struct mdisk){ d, len, 0, 0 };
	assert_int_equal(len, 10 * SEC);
	assert_int_equal(imgstore_open(&st, mread, &md, len, &why), 0);
	assert_int_equal(imgstore_load(&st, 0, NULL, 0, &why), 0);
	put64(d + 64 + 32, 10);                       /* "a" at lba 10 == the end: fine */
	imgstore_seal(d);
	assert_int_equal(imgstore_open(&st, mread, &md, len, &why), 0);
	assert_int_equal(imgstore_load(&st, 0, NULL, 0, &why), 0);
	put64(d + 64 + 32, 11);                       /* one past the end */
	imgstore_seal(d);
	assert_int_equal(imgstore_open(&st, mread, &md, len, &why), -ERANGE);
	free(d);

	/* An image ending exactly at the end of the disk, in a whole and in a partial
	 * last sector; one byte more is past the end. */
	static const struct img x[] = { { "exact", 0, 3 * SEC, 7 } };
	static const struct img p[] = { { "partial", 0, 3 * SEC - 100, 7 } };
	uint8_t buf[3 * SEC];
	d = make_disk(x, 1, 0, &len);
	md = (struct mdisk){ d, len, 0, 0 };
	assert_int_equal(len, 11 * SEC);
	assert_int_equal(imgstore_open(&st, mread, &md, len, &why), 0);
	assert_int_equal(imgstore_load(&st, 0, buf, sizeof(buf), &why), 0);
	assert_int_equal(imgstore_open(&st, mread, &md, len - 1, &why), -ERANGE);
	put64(d + 64 + 40, 3 * SEC + 1);
	imgstore_seal(d);
	assert_int_equal(imgstore_open(&st, mread, &md, len, &why), -ERANGE);
	free(d);
	d = make_disk(p, 1, 0, &len);
	md = (struct mdisk){ d, len, 0, 0 };
	assert_int_equal(imgstore_open(&st, mread, &md, len, &why), 0);
	assert_int_equal(imgstore_load(&st, 0, buf, sizeof(buf), &why), 0);
	free(d);

	/* A disk of exactly the header, with an image one sector long: past the end. */
	static const struct img o[] = { { "one", 8, 1, 0 } };
	d = make_disk(o, 1, IMGSTORE_HDR_BYTES, &len);
	md = (struct mdisk){ d, len, 0, 0 };
	assert_int_equal(imgstore_open(&st, mread, &md, len, &why), -ERANGE);
	free(d);
}

/* lba and size near 2^64: every sum must be checked before it is made. */
static void test_overflow(void **state)
{
	(void)state;
	static const struct { uint64_t lba, size; } cases[] = {
		{ UINT64_MAX, 0 }, { UINT64_MAX, 1 }, { 8, UINT64_MAX }, { 8, UINT64_MAX - 510 },
		{ UINT64_MAX / SEC, SEC }, { 1ull << 55, 1ull << 63 }, { 9, (UINT64_MAX / SEC) * SEC },
	};
	static const struct img im[] = { { "a", 0, 1, 0 } };
	for (size_t i = 0; i < NELEM(cases); i++) {
		size_t len;
		uint8_t *d = make_disk(im, 1, 64 * SEC, &len);
		struct mdisk md = { d, len, 0, 0 };
		struct imgstore st;
		const char *why = NULL;
		put64(d + 64 + 32, cases[i].lba);
		put64(d + 64 + 40, cases[i].size);
		imgstore_seal(d);
		/* A disk claiming 2^64 - 1 bytes: only the header is ever read. */
		int err = imgstore_open(&st, mread, &md, UINT64_MAX, &why);
		if (err != -ERANGE)
			case_fail("case %zu (lba %#llx size %#llx): %s", i,
				  (unsigned long long)cases[i].lba,
				  (unsigned long long)cases[i].size, errname(err));
		free(d);
	}
}

/* ---- agreement with tools/mkimgdisk.py ---- */

static int load_all(struct imgstore *st, struct mdisk *md, const char **why, char *list,
		    size_t size)
{
	int err = imgstore_open(st, mread, md, md->len, why);
	size_t at = 0;
	if (err)
		return err;
	for (int i = 0; i < imgstore_count(st); i++) {
		struct imgstore_entry e;
		imgstore_entry(st, (unsigned)i, &e);
		void *buf = malloc(e.size ? e.size : 1);
		err = imgstore_load(st, (unsigned)i, buf, e.size, why);
		free(buf);
		if (err)
			return err;
		at += (size_t)snprintf(list + at, size - at,
				       "image n=%d name=%s bytes=%llu crc=0x%08x lba=%llu\n", i,
				       e.name, (unsigned long long)e.size, e.crc32,
				       (unsigned long long)e.lba);
	}
	snprintf(list + at, size - at, "ok count=%d\n", imgstore_count(st));
	return 0;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *b = malloc(*len ? *len : 1);
	assert_int_equal(fread(b, 1, *len, f), *len);
	fclose(f);
	return b;
}

/* The Python side writes tests/host/imgstore_cases.py's disks to a directory and
 * prints one line per disk: FILE ERRNAME (its own verdict, "ok" for a good disk).
 * Each must get the same verdict here; a good disk must list the same. */
static void test_python_agrees(void **state)
{
	(void)state;
	char dir[] = "/tmp/imgstore-test-XXXXXX", cmd[512], file[256], verdict[32];
	assert_non_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 tests/host/imgstore_cases.py %s", dir);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	unsigned n = 0;
	while (fscanf(p, "%255s %31s", file, verdict) == 2) {
		size_t len;
		uint8_t *d = slurp(file, &len);
		struct mdisk md = { d, len, 0, 0 };
		struct imgstore st;
		const char *why = NULL;
		char list[8192];
		int err = load_all(&st, &md, &why, list, sizeof(list));
		const char *mine = err ? errname(err) : "ok";
		if (strcmp(mine, verdict))
			case_fail("%s: C says %s (%s), Python says %s", file, mine, why, verdict);
		if (!err) {       /* the same listing as `mkimgdisk.py --list` */
			char want[8192] = "";
			snprintf(cmd, sizeof(cmd), "/usr/bin/python3 tools/mkimgdisk.py --list %s", file);
			FILE *l = popen(cmd, "r");
			assert_non_null(l);
			size_t got = fread(want, 1, sizeof(want) - 1, l);
			want[got] = 0;
			assert_int_equal(pclose(l), 0);
			assert_golden(list, want);
		}
		free(d);
		remove(file);
		n++;
	}
	assert_int_equal(pclose(p), 0);
	rmdir(dir);
	assert_true(n >= 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_open_refusals),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_max_entries),
		cmocka_unit_test(test_empty_and_edges),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_python_agrees),
	};
	return cmocka_run_group_tests_name("imgstore", tests, NULL, NULL);
}
