/*
 * Reading "newc" cpio archives (the format of Linux's initramfs: 110-byte ASCII
 * header starting "070701", name, data, each padded to 4 bytes; ends at
 * "TRAILER!!!"). Used so that one PVH -initrd can carry several named modules.
 */
#ifndef CPIO_H
#define CPIO_H
#include <types.h>

struct cpio_entry {
	const char *name;        /* NUL-terminated, inside the archive */
	size_t name_len;         /* without the NUL */
	size_t data_off;         /* offset of the data in the archive */
	size_t size;
	uint32_t mode;
};

static inline bool cpio_is_archive(const uint8_t *buf, size_t len)
{
	return len >= 6 && buf[0] == '0' && buf[1] == '7' && buf[2] == '0' && buf[3] == '7' &&
	       buf[4] == '0' && buf[5] == '1';
}

/*
 * Parse the entry at *off. Returns 1 and advances *off past it, 0 at the trailer,
 * or -EINVAL if the header is malformed or anything runs past len.
 */
int cpio_next(const uint8_t *buf, size_t len, size_t *off, struct cpio_entry *e);
#endif
