/*
 * Baton's own handover extensions (Linux defines nothing here). Each is a KHO
 * subtree whose blob is one of these packed structs. Changing a layout requires
 * bumping its version. Documented in docs/abi/baton.md.
 */
#ifndef ABI_BATON_H
#define ABI_BATON_H
#include <stdint.h>

/* Subtree "baton-timeline": TSC stamps of the kexec path in the previous kernel,
 * so the next one can report the blackout (the TSC runs on across a kexec). */
#define BATON_TIMELINE_NAME    "baton-timeline"
#define BATON_TIMELINE_MAGIC   0x4e4c4d54u   /* "TMLN" */
#define BATON_TIMELINE_VERSION 1
struct baton_timeline_ser {
	uint32_t magic;
	uint32_t version;
	uint64_t tsc_exec;        /* `kexec exec` began */
	uint64_t tsc_serialized;  /* pre-exec steps and KHO done */
	uint64_t tsc_jump;        /* about to enter the trampoline */
} __attribute__((packed));
_Static_assert(sizeof(struct baton_timeline_ser) == 32, "baton_timeline_ser is 32 bytes");
#endif
