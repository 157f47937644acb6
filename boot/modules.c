/*
 * Boot modules that are newc cpio archives are replaced by their regular-file
 * members, named by path (a leading "./" dropped). This is how the PVH path, whose
 * -initrd is one unnamed blob, gets named modules such as "script" and "baton".
 * A malformed archive is kept as the plain module it was, with a warning.
 */
#include <boot_info.h>
#include <cpio.h>
#include <layout.h>
#include <printk.h>
#include <string.h>

void boot_info_expand_cpio(struct boot_info *bi)
{
	struct boot_module in[BOOT_MOD_MAX];
	unsigned nin = bi->nmod;
	memcpy(in, bi->mod, sizeof(in[0]) * nin);
	bi->nmod = 0;

	for (unsigned i = 0; i < nin; i++) {
		const struct boot_module *m = &in[i];
		const uint8_t *buf = phys_to_virt(m->base);
		bool mapped = m->base + m->size <= BOOT_MAP_LIMIT;
		if (!mapped || !cpio_is_archive(buf, m->size)) {
			bi->mod[bi->nmod++] = *m;
			continue;
		}
		unsigned first = bi->nmod;
		size_t off = 0;
		struct cpio_entry e;
		int r;
		while ((r = cpio_next(buf, m->size, &off, &e)) == 1) {
			if ((e.mode & 0170000) != 0100000 || e.size == 0)
				continue;                     /* directories, links, empty files */
			const char *name = e.name;
			size_t nlen = e.name_len;
			if (nlen >= 2 && name[0] == '.' && name[1] == '/')
				name += 2, nlen -= 2;
			boot_info_add_module(bi, m->base + e.data_off, e.size, name, nlen);
		}
		if (r < 0) {
			printk("boot: warning: module '%s' is a malformed cpio archive; kept whole\n",
			       m->name);
			bi->warnings++;
			bi->nmod = first;
			bi->mod[bi->nmod++] = *m;
		}
	}
}
