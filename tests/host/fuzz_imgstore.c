/*
 * libFuzzer target for kernel/imgstore.c: any bytes as a disk. Input: one mode byte
 * (bit 0: reseal the header CRC before parsing, so the fuzzer gets past it and
 * explores the field and entry checks), then the disk. Findings: a sanitizer report,
 * a read outside the disk, an errno the header does not document, or an opened
 * store that breaks the invariants (count, names, ranges inside the disk and past
 * the header, disjoint ranges), each re-checked here independently; then every image
 * is loaded, which must give 0 or -EBADMSG.
 * Seeds: tests/host/corpus/imgstore/ (tests/host/corpus/mkcorpus.py).
 */
#include <crc32.h>
#include <errno.h>
#include <imgstore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct disk {
	const uint8_t *buf;
	size_t len;
};

static void check(int ok, const char *what, long n)
{
	if (!ok) {
		fprintf(stderr, "fuzz_imgstore: %s (%ld)\n", what, n);
		abort();
	}
}

static int rd(void *ctx, uint64_t off, void *buf, size_t len)
{
	const struct disk *d = ctx;
	check(off <= d->len && len <= d->len - off, "read outside the disk", (long)off);
	memcpy(buf, d->buf + off, len);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct imgstore st;
	struct disk d;
	uint8_t *copy;
	const char *why = NULL;
	int err;

	if (size < 1)
		return 0;
	copy = malloc(size - 1 ? size - 1 : 1);   /* exact size: ASan sees overruns */
	memcpy(copy, data + 1, size - 1);
	d = (struct disk){ copy, size - 1 };
	if ((data[0] & 1) && d.len >= IMGSTORE_HDR_BYTES) {
		memset(copy + 20, 0, 4);
		uint32_t c = crc32(copy, IMGSTORE_HDR_BYTES);
		memcpy(copy + 20, &c, 4);
	}
	err = imgstore_open(&st, rd, &d, d.len, &why);
	check(err == 0 || err == -ENODATA || err == -EOPNOTSUPP || err == -EBADMSG ||
	      err == -EINVAL || err == -ERANGE, "undocumented open errno", err);
	check(err == 0 || why != NULL, "no reason given", err);
	if (err) {
		struct imgstore_entry x;
		check(imgstore_count(&st) == 0, "a failed store has entries", err);
		check(imgstore_entry(&st, 0, &x) == -ENOENT, "a failed store gives an entry", err);
		check(imgstore_load(&st, 0, copy, d.len, &why) == -ENOENT, "a failed store loads", err);
		goto out;
	}
	int n = imgstore_count(&st);
	uint64_t sectors = d.len / IMGSTORE_SECTOR;
	check(n >= 0 && n <= IMGSTORE_MAX_ENTRIES, "count", n);
	struct imgstore_entry e[IMGSTORE_MAX_ENTRIES];
	for (int i = 0; i < n; i++) {
		check(imgstore_entry(&st, (unsigned)i, &e[i]) == 0, "entry", i);
		size_t len = strnlen(e[i].name, IMGSTORE_NAME_LEN);
		check(len > 0 && len < IMGSTORE_NAME_LEN, "name length", i);
		for (size_t k = 0; k < len; k++)
			check(e[i].name[k] > ' ' && e[i].name[k] <= '~', "name byte", i);
		uint64_t secs = (e[i].size + IMGSTORE_SECTOR - 1) / IMGSTORE_SECTOR;
		check(e[i].lba >= IMGSTORE_HDR_BYTES / IMGSTORE_SECTOR, "lba in header", i);
		check(e[i].lba <= sectors && secs <= sectors - e[i].lba, "past the disk", i);
		for (int j = 0; j < i; j++) {
			uint64_t sj = (e[j].size + IMGSTORE_SECTOR - 1) / IMGSTORE_SECTOR;
			check(!(e[i].lba < e[j].lba + sj && e[j].lba < e[i].lba + secs) ||
			      !secs || !sj, "overlap", i);
		}
	}
	check(imgstore_entry(&st, (unsigned)n, &e[0]) == -ENOENT, "entry past the end", n);
	for (int i = 0; i < n; i++) {
		struct imgstore_entry x;
		imgstore_entry(&st, (unsigned)i, &x);
		uint8_t *buf = malloc(x.size ? x.size : 1);
		err = imgstore_load(&st, (unsigned)i, buf, x.size, &why);
		check(err == 0 || err == -EBADMSG, "undocumented load errno", err);
		check(err || crc32(buf, x.size) == x.crc32, "loaded bytes do not match", i);
		check(err || !memcmp(buf, copy + x.lba * IMGSTORE_SECTOR, x.size), "wrong bytes", i);
		if (x.size)
			check(imgstore_load(&st, (unsigned)i, buf, x.size - 1, &why) == -E2BIG,
			      "E2BIG", i);
		free(buf);
	}
out:
	free(copy);
	return 0;
}
