/*
 * The image store parser (include/imgstore.h; format docs/abi/imgstore.md). Model:
 * one read of the 4096-byte header into st->hdr, checked in the order a reader can
 * tell things apart: is there a store (magic), can we read it (version), is it intact
 * (CRC32), is it sane (every field, then every entry against the disk and the other
 * entries). Invariants after a successful open: count <= IMGSTORE_MAX_ENTRIES, and
 * for each entry 8 <= lba, lba + sectors(size) <= disk sectors (no overflow: each
 * step is compared before it is added), the ranges pairwise disjoint, the name a
 * NUL-terminated printable word. Nothing from the disk is used before it is checked:
 * st->count stays 0 until the whole header has passed, so a failed open leaves a
 * store with no entries.
 */
#include <crc32.h>
#include <errno.h>
#include <imgstore.h>
#include <string.h>

#define HDR_SECTORS (IMGSTORE_HDR_BYTES / IMGSTORE_SECTOR)

static uint32_t le32(const void *p)
{
	const uint8_t *b = p;
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}

static uint64_t le64(const void *p)
{
	return le32(p) | (uint64_t)le32((const uint8_t *)p + 4) << 32;
}

static int fail(const char **why, const char *msg, int err)
{
	if (why)
		*why = msg;
	return err;
}

static int all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

/* 1..31 bytes of printable ASCII without space, then NULs to the end of the field. */
static int name_ok(const char *name)
{
	size_t len = strnlen(name, IMGSTORE_NAME_LEN);
	if (len == 0 || len == IMGSTORE_NAME_LEN)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (name[i] <= ' ' || name[i] > '~')
			return 0;
	return all_zero(name + len, IMGSTORE_NAME_LEN - len);
}

static uint64_t sectors_of(uint64_t bytes)
{
	return bytes / IMGSTORE_SECTOR + (bytes % IMGSTORE_SECTOR != 0);
}

/* The CRC32 of the header with its hdr_crc32 field counted as zero. */
static uint32_t hdr_crc(const struct imgstore_hdr_ser *h)
{
	static const uint8_t zero[4];
	const uint8_t *p = (const uint8_t *)h;
	size_t at = offsetof(struct imgstore_super_ser, hdr_crc32);
	uint32_t crc = crc32_update(0, p, at);
	crc = crc32_update(crc, zero, sizeof(zero));
	return crc32_update(crc, p + at + 4, IMGSTORE_HDR_BYTES - at - 4);
}

/* Check entry i against the disk; 0, -EINVAL or -ERANGE. */
static int entry_check(const struct imgstore_entry_ser *e, uint64_t disk_sectors,
		       const char **why)
{
	uint64_t lba = le64(&e->lba), n = sectors_of(le64(&e->size));

	if (!name_ok(e->name))
		return fail(why, "an image name is empty, too long or not a printable word",
			    -EINVAL);
	if (!all_zero(e->reserved, sizeof(e->reserved)))
		return fail(why, "an entry has nonzero reserved bytes", -EINVAL);
	if (lba < HDR_SECTORS)
		return fail(why, "an image starts inside the header", -EINVAL);
	if (lba > disk_sectors || n > disk_sectors - lba)
		return fail(why, "an image runs past the end of the disk (truncated)", -ERANGE);
	return 0;
}

int imgstore_open(struct imgstore *st, imgstore_read_fn rd, void *ctx,
		  uint64_t disk_bytes, const char **why)
{
	const struct imgstore_super_ser *s = &st->hdr.super;
	uint64_t disk_sectors = disk_bytes / IMGSTORE_SECTOR;
	uint32_t count;
	int err;

	st->rd = rd;
	st->ctx = ctx;
	st->disk_bytes = disk_sectors * IMGSTORE_SECTOR;
	st->count = 0;
	st->bad_entry = -1;
	memset(&st->hdr, 0, sizeof(st->hdr));
	if (disk_sectors < HDR_SECTORS)
		return fail(why, "no image store: the disk is smaller than its header",
			    -ENODATA);
	err = rd(ctx, 0, &st->hdr, IMGSTORE_HDR_BYTES);
	if (err)
		return fail(why, "cannot read the image store header", err);
	if (memcmp(s->magic, IMGSTORE_MAGIC, IMGSTORE_MAGIC_LEN))
		return fail(why, "no image store: bad magic", -ENODATA);
	if (le32(&s->version) != IMGSTORE_VERSION)
		return fail(why, "image store of an unsupported version", -EOPNOTSUPP);
	if (le32(&s->hdr_crc32) != hdr_crc(&st->hdr))
		return fail(why, "image store header checksum mismatch", -EBADMSG);
	count = le32(&s->count);
	if (le32(&s->hdr_bytes) != IMGSTORE_HDR_BYTES)
		return fail(why, "image store header size is not 4096", -EINVAL);
	if (count > IMGSTORE_MAX_ENTRIES)
		return fail(why, "image store has too many entries", -EINVAL);
	if (!all_zero(s->reserved, sizeof(s->reserved)) ||
	    !all_zero(&st->hdr.entry[count],
		      (IMGSTORE_MAX_ENTRIES - count) * sizeof(st->hdr.entry[0])))
		return fail(why, "image store header has nonzero reserved bytes or slots",
			    -EINVAL);
	for (uint32_t i = 0; i < count; i++) {
		const struct imgstore_entry_ser *e = &st->hdr.entry[i];
		uint64_t lba = le64(&e->lba), end = lba + sectors_of(le64(&e->size));

		st->bad_entry = (int)i;
		err = entry_check(e, disk_sectors, why);
		if (err)
			return err;
		/* Earlier entries are checked, so their ends cannot overflow either. */
		for (uint32_t j = 0; j < i; j++) {
			uint64_t l2 = le64(&st->hdr.entry[j].lba);
			uint64_t e2 = l2 + sectors_of(le64(&st->hdr.entry[j].size));
			if (lba < e2 && l2 < end)
				return fail(why, "two images overlap", -EINVAL);
		}
	}
	st->bad_entry = -1;
	st->count = count;
	return 0;
}

int imgstore_count(const struct imgstore *st)
{
	return (int)st->count;
}

int imgstore_entry(const struct imgstore *st, unsigned n, struct imgstore_entry *e)
{
	const struct imgstore_entry_ser *s;

	if (n >= st->count)         /* 0 unless open succeeded: hdr is trusted below it */
		return -ENOENT;
	s = &st->hdr.entry[n];
	memcpy(e->name, s->name, IMGSTORE_NAME_LEN);
	e->lba = le64(&s->lba);
	e->size = le64(&s->size);
	e->crc32 = le32(&s->crc32);
	return 0;
}

int imgstore_load(const struct imgstore *st, unsigned n, void *dst, size_t dst_len,
		  const char **why)
{
	struct imgstore_entry e;
	int err;

	if (imgstore_entry(st, n, &e))
		return fail(why, "no such image", -ENOENT);
	if (e.size > dst_len)
		return fail(why, "the image is larger than the room for it", -E2BIG);
	if (e.size) {
		err = st->rd(st->ctx, e.lba * IMGSTORE_SECTOR, dst, (size_t)e.size);
		if (err)
			return fail(why, "cannot read the image", err);
	}
	if (crc32(dst, (size_t)e.size) != e.crc32)
		return fail(why, "image checksum mismatch", -EBADMSG);
	return 0;
}
