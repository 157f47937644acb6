/* newc cpio parser (see include/cpio.h). Every field is checked against len. */
#include <cpio.h>
#include <errno.h>
#include <string.h>

#define HDR_LEN 110

static int hex8(const uint8_t *p, uint32_t *out)
{
	uint32_t v = 0;
	for (int i = 0; i < 8; i++) {
		uint8_t c = p[i];
		if (c >= '0' && c <= '9')
			v = v * 16 + (c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v * 16 + (c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v = v * 16 + (c - 'A' + 10);
		else
			return -EINVAL;
	}
	*out = v;
	return 0;
}

int cpio_next(const uint8_t *buf, size_t len, size_t *off, struct cpio_entry *e)
{
	size_t o = *off;
	uint32_t mode, filesize, namesize;
	if (o > len || len - o < HDR_LEN || !cpio_is_archive(buf + o, len - o))
		return -EINVAL;
	if (hex8(buf + o + 14, &mode) || hex8(buf + o + 54, &filesize) ||
	    hex8(buf + o + 94, &namesize))
		return -EINVAL;
	size_t name_off = o + HDR_LEN;
	if (namesize == 0 || namesize > len - name_off ||
	    strnlen((const char *)buf + name_off, namesize) != namesize - 1)
		return -EINVAL;                      /* exactly one NUL, at the end */
	size_t data_off = ALIGN_UP(name_off + namesize, (size_t)4);
	if (data_off > len || filesize > len - data_off)
		return -EINVAL;
	e->name = (const char *)buf + name_off;
	e->name_len = namesize - 1;
	e->data_off = data_off;
	e->size = filesize;
	e->mode = mode;
	if (strcmp(e->name, "TRAILER!!!") == 0)
		return 0;
	*off = ALIGN_UP(data_off + filesize, (size_t)4);
	if (*off > len)
		*off = len;
	return 1;
}
