/*
 * Console verbs of the KHO self-test and bench (KTEST=1 only; docs/console.md):
 * `kho selftest GENS [SEED]` and `kho bench-preserve SIZE` (kernel/kho_selftest.c).
 */
#include <errno.h>
#include <shell.h>
#include "kho_selftest.h"

static int cmd_bench_preserve(struct shell_ctx *c, int argc, char **argv)
{
	uint64_t bytes, blocks;
	if (argc != 3 || parse_size(argv[2], &bytes))
		return shell_err(c, -EINVAL, "usage: kho bench-preserve SIZE");
	int err = kho_bench_preserve(bytes, &blocks);
	if (err)
		return shell_err(c, err, "cannot preserve %llu bytes", (unsigned long long)bytes);
	shell_kv(c, "blocks", "%llu", (unsigned long long)blocks);
	shell_kv(c, "bytes", "%llu", (unsigned long long)(blocks * 2 * MiB));
	return 0;
}
SHELL_SUBCMD("kho", "bench-preserve", "SIZE", cmd_bench_preserve);

static int cmd_selftest(struct shell_ctx *c, int argc, char **argv)
{
	uint64_t gens, seed = 1;
	if (argc < 3 || argc > 4 || parse_u64(argv[2], &gens) || gens == 0 || gens > 1000 ||
	    (argc == 4 && parse_u64(argv[3], &seed)))
		return shell_err(c, -EINVAL, "usage: kho selftest GENS [SEED]");
	int err = kho_selftest_start(gens, seed);       /* returns only on failure */
	return shell_err(c, err, "the self-test could not start");
}
SHELL_SUBCMD("kho", "selftest", "GENS [SEED]", cmd_selftest);
