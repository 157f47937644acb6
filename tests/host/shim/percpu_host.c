/*
 * include/percpu.h on the host: a thread-local pointer stands in for the GS base.
 * Every thread starts as CPU 0; host_cpu_set(n) makes the calling thread CPU n (as
 * many threads as tests like may be the same CPU, but then they must not allocate
 * at the same time: a CPU's page cache is its own). No CPU is online unless a test
 * says so (percpu_of(n)->online): pcp_drain_all() then refuses to drain its cache
 * from another thread, as it would refuse a running CPU's.
 */
#include <panic.h>
#include <percpu.h>

static struct percpu host_cpus[CPU_MAX];
_Thread_local struct percpu *host_this_cpu = &host_cpus[0];

void host_cpu_set(unsigned id)
{
	BUG_ON(id >= CPU_MAX, "host_cpu_set(%u): CPU_MAX is %u", id, CPU_MAX);
	host_cpus[id].self = &host_cpus[id];
	host_cpus[id].id = id;
	host_this_cpu = &host_cpus[id];
}

struct percpu *percpu_of(unsigned id)
{
	return id < CPU_MAX ? &host_cpus[id] : NULL;
}
