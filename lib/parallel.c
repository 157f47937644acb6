/*
 * parallel_run (model in include/parallel.h): the registered backend, or the caller
 * alone.
 */
#include <parallel.h>
#include <types.h>

static unsigned (*backend)(parallel_fn fn, void *arg);

void parallel_set_backend(unsigned (*run)(parallel_fn fn, void *arg))
{
	backend = run;
}

unsigned parallel_run(parallel_fn fn, void *arg)
{
	if (backend)
		return backend(fn, arg);
	fn(arg, 0, 1);
	return 1;
}
