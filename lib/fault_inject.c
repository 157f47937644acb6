/*
 * The fault hook (model in include/fault_inject.h): the handlers test instruments
 * placed in the .fault_handler section, run by site name. Built only with KTEST=1.
 */
#include <fault_inject.h>
#include <string.h>

extern const struct fault_handler __fault_handler_start[], __fault_handler_end[];

int fault_hook(const char *site, void *ctx)
{
	for (const struct fault_handler *h = __fault_handler_start; h < __fault_handler_end; h++) {
		if (strcmp(h->site, site))
			continue;
		int err = h->fn(ctx);
		if (err)
			return err;
	}
	return 0;
}
