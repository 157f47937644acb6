/*
 * The console's namespaces of preservable objects (model in include/luo.h,
 * struct luo_name_kind): a list in registration order, read by luo/cmd_luo.c.
 * LUO itself never looks at names; this only lets the console, which sits below
 * the drivers, name a device as it names a memfd.
 */
#include <errno.h>
#include <luo.h>
#include <string.h>

static struct luo_name_kind *kinds, **tail = &kinds;

void luo_register_name_kind(struct luo_name_kind *k)
{
	k->next = NULL;
	*tail = k;
	tail = &k->next;
}

int luo_name_find(const char *name, struct luo_fileref *ref)
{
	for (struct luo_name_kind *k = kinds; k; k = k->next) {
		void *obj = k->find(name);
		if (obj) {
			*ref = (struct luo_fileref){ k->kind, obj };
			return 0;
		}
	}
	return -EBADF;
}

const struct luo_name_kind *luo_name_kind(const char *kind)
{
	for (struct luo_name_kind *k = kinds; k; k = k->next)
		if (!strcmp(k->kind, kind))
			return k;
	return NULL;
}
