/*
 * CRC-32/ISO-HDLC (include/crc32.h), slicing-by-8. Model: t[0] is the classic
 * byte table (t[0][b] = the CRC register after shifting in b from zero); t[k][b] =
 * t[0][b] advanced by k more zero bytes, so eight input bytes fold into the register
 * with eight independent lookups. Invariant: the pre- and post-inversion make
 * crc32_update chainable (the public value is never the raw register).
 */
#include <crc32.h>

#define CRC32_POLY 0xedb88320u   /* 0x04C11DB7 bit-reversed */

static uint32_t t[8][256];
static int t_ready;

static void crc32_init(void)
{
	for (unsigned b = 0; b < 256; b++) {
		uint32_t r = b;
		for (int i = 0; i < 8; i++)
			r = (r >> 1) ^ (CRC32_POLY & -(r & 1));
		t[0][b] = r;
	}
	for (unsigned b = 0; b < 256; b++)
		for (int k = 1; k < 8; k++)
			t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xff];
	t_ready = 1;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

uint32_t crc32_update(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t r = ~crc;

	if (!t_ready)
		crc32_init();
	for (; len >= 8; p += 8, len -= 8) {
		uint32_t lo = le32(p) ^ r, hi = le32(p + 4);
		r = t[7][lo & 0xff] ^ t[6][(lo >> 8) & 0xff] ^ t[5][(lo >> 16) & 0xff] ^
		    t[4][lo >> 24] ^ t[3][hi & 0xff] ^ t[2][(hi >> 8) & 0xff] ^
		    t[1][(hi >> 16) & 0xff] ^ t[0][hi >> 24];
	}
	while (len--)
		r = (r >> 8) ^ t[0][(r ^ *p++) & 0xff];
	return ~r;
}
