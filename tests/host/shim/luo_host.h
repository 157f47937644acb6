/*
 * Host LUO (shim/luo_host.c): what luo/luo_core.c, luo_session.c, luo_file.c and
 * luo_flb.c need from the kernel, so that a test can boot "kernel N", kexec, and
 * boot "kernel N+1" on what N handed over, all in one test binary:
 *
 *   - kmalloc/kzalloc/kfree on malloc (include/kmalloc.h) (strlcpy, which glibc
 *     2.36 lacks, is shim/host_strlcpy.c);
 *   - the KHO calls of include/kho.h and kho_phys_to_virt over an arena of
 *     HOST_KHO_PAGES pages at physical HOST_KHO_BASE, page by page: a page is free,
 *     preserved by this kernel (user or meta), or incoming (preserved by the
 *     previous kernel, not yet restored). kho_phys_to_virt() fails the test for an
 *     address outside the arena or a page that is free; free pages are poisoned;
 *   - the kexec path: host_kexec() runs the KEXEC_STEP table as kernel/kexec.c's
 *     run_steps() does, and on success hands over: this kernel's preserved pages
 *     become the next kernel's incoming ones, its subtrees the next one's, and
 *     everything else is poisoned;
 *   - the boot: host_kernel(fn) forks; the child takes the handover (if the last
 *     kernel kexec'ed) after running every KHO_IN_CHECK on its subtree, as
 *     kho/kho_in.c does before it accepts one (a refusal drops it: a cold boot),
 *     then runs fn, which calls luo_init() and the scenario. LUO's state is in
 *     static variables: each kernel is a fresh process. The arena and the handover
 *     live in a shared mapping, so the next child sees what the last one left.
 *
 * In the child, a failed cmocka assertion aborts it (CMOCKA_TEST_ABORT=1); the
 * parent's host_kernel() then fails the test. The child exits through exit(), so
 * LeakSanitizer checks each kernel on its own.
 */
#ifndef LUO_HOST_H
#define LUO_HOST_H
#include <types.h>

#define HOST_KHO_BASE   0x20000000000ull        /* 2 TiB */
#define HOST_KHO_PAGES  1024u                   /* 4 MiB */
#define HOST_KHO_SUBTREES 8

enum host_page { HP_FREE, HP_OUT, HP_OUT_META, HP_IN };

/* The next host_kernel() boots cold: no handover, every page free and poisoned. */
void host_cold(void);
/* Fork a kernel: boot (take over the handover if any), fn(), exit. Fails the test
 * unless the child exits 0. */
void host_kernel(void (*fn)(void));
/* In the child: the kexec steps, then (on success) the handover. 0 or the error of
 * the step that failed (after the undos), as kexec_exec() returns it. */
int host_kexec(void);

/* In the child, about this boot and its pages. */
bool host_took_over(void);                 /* kho_is_boot() */
const char *host_drop_reason(void);        /* the KHO_IN_CHECK refusal, or NULL */
unsigned host_pages(enum host_page state); /* pages in that state now */
/* The next n kho_alloc_preserve(_meta) calls succeed, the one after fails with
 * -ENOMEM (~0u: never). */
void host_kho_fail_alloc_after(unsigned n);
/* kho_add_subtree() fails with err (0: works). */
void host_kho_fail_subtree(int err);
unsigned host_restore_frees(void);         /* kho_restore_free() calls this boot */
/* The page at pa, by its state (fails the test outside the arena). */
enum host_page host_page_state(paddr_t pa);
/* The subtree of that name this kernel added, or (incoming) the one it was handed
 * (after host_kexec(): the one the next kernel gets); 0 if none. */
paddr_t host_subtree(bool incoming, const char *name, uint64_t *size);
/* Raw access to the arena, not checked (to break a handover on purpose). */
void *host_arena(paddr_t pa);
#endif
