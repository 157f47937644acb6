/* Console verb of KHO's test instrument (KTEST=1 only): `kho corrupt KIND`
 * (kho/kho_corrupt.c). */
#include <errno.h>
#include <shell.h>
#include "kho_priv.h"

static int cmd_corrupt(struct shell_ctx *c, int argc, char **argv)
{
	if (argc != 3 || kho_set_corruption(argv[2]))
		return shell_err(c, -EINVAL, "kinds: magic size compat range-ram "
				 "range-scratch node-self meta-ram timeline-ram");
	return 0;
}
SHELL_SUBCMD("kho", "corrupt", "KIND", cmd_corrupt);
