/* Host LUO: allocation, KHO over a shared arena, kexec and boot by fork (see luo_host.h). */
#include <errno.h>
#include <kexec_step.h>
#include <kho.h>
#include <kmalloc.h>
#include <printk.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "luo_host.h"
#include "luo_host_libc.h"
#include "host_test.h"

#define PAGE   4096ull
#define POISON 0xdb

/* ---- kmalloc (strlcpy is shim/host_strlcpy.c) ---- */

void *kmalloc(size_t n)
{
	return malloc(n);
}

void *kzalloc(size_t n)
{
	return calloc(1, n);
}

void kfree(const void *p)
{
	free((void *)p);
}

/* ---- the shared arena and handover ---- */

struct subtree {
	char name[64];
	paddr_t pa;
	uint64_t size;
};

struct host_kho {
	uint8_t mem[HOST_KHO_PAGES * PAGE];
	uint8_t state[HOST_KHO_PAGES];          /* enum host_page */
	struct subtree in[HOST_KHO_SUBTREES], out[HOST_KHO_SUBTREES];
	bool handover;                          /* the last kernel kexec'ed */
};

static struct host_kho *hk;
/* This kernel's (the child's) own state. */
static bool took_over;
static const char *drop_reason;
static unsigned alloc_budget = ~0u, restore_frees;
static int subtree_err;

static struct host_kho *shared(void)
{
	if (!hk) {
		hk = mmap(NULL, sizeof(*hk), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			  -1, 0);
		if (hk == MAP_FAILED) {
			perror("mmap");
			abort();
		}
	}
	return hk;
}

static bool in_arena(paddr_t pa)
{
	return pa >= HOST_KHO_BASE && pa - HOST_KHO_BASE < HOST_KHO_PAGES * PAGE;
}

static unsigned idx(paddr_t pa)
{
	return (unsigned)((pa - HOST_KHO_BASE) / PAGE);
}

static paddr_t page_pa(unsigned i)
{
	return HOST_KHO_BASE + i * PAGE;
}

static void poison(unsigned i)
{
	memset(hk->mem + i * PAGE, POISON, PAGE);
}

void host_cold(void)
{
	shared();
	memset(hk->state, HP_FREE, sizeof(hk->state));
	memset(hk->mem, POISON, sizeof(hk->mem));
	memset(hk->in, 0, sizeof(hk->in));
	memset(hk->out, 0, sizeof(hk->out));
	hk->handover = false;
}

void *kho_phys_to_virt(paddr_t pa)
{
	if (!in_arena(pa))
		fail_msg("kho_phys_to_virt(%#llx): not in the arena", (unsigned long long)pa);
	if (hk->state[idx(pa)] == HP_FREE)
		fail_msg("kho_phys_to_virt(%#llx): a free page", (unsigned long long)pa);
	return hk->mem + (pa - HOST_KHO_BASE);
}

void *host_arena(paddr_t pa)
{
	if (!in_arena(pa))
		fail_msg("host_arena(%#llx): not in the arena", (unsigned long long)pa);
	return hk->mem + (pa - HOST_KHO_BASE);
}

enum host_page host_page_state(paddr_t pa)
{
	if (!in_arena(pa))
		fail_msg("host_page_state(%#llx): not in the arena", (unsigned long long)pa);
	return hk->state[idx(pa)];
}

unsigned host_pages(enum host_page state)
{
	unsigned n = 0;
	for (unsigned i = 0; i < HOST_KHO_PAGES; i++)
		n += hk->state[i] == state;
	return n;
}

/* ---- include/kho.h, the part LUO uses ---- */

static int alloc_preserve(size_t size, paddr_t *pa, enum host_page kind)
{
	if (size == 0)
		return -EINVAL;
	if (size > PAGE)
		fail_msg("kho_alloc_preserve(%zu): the host arena has single pages only", size);
	if (alloc_budget == 0)
		return -ENOMEM;
	if (alloc_budget != ~0u)
		alloc_budget--;
	for (unsigned i = 0; i < HOST_KHO_PAGES; i++)
		if (hk->state[i] == HP_FREE) {
			hk->state[i] = (uint8_t)kind;
			memset(hk->mem + i * PAGE, 0, PAGE);
			*pa = page_pa(i);
			return 0;
		}
	fail_msg("host arena full");
	return -ENOMEM;
}

int kho_alloc_preserve(size_t size, paddr_t *pa)
{
	return alloc_preserve(size, pa, HP_OUT);
}

int kho_alloc_preserve_meta(size_t size, paddr_t *pa)
{
	return alloc_preserve(size, pa, HP_OUT_META);
}

static void unpreserve_free(paddr_t pa, unsigned kind, const char *fn)
{
	if (!in_arena(pa) || pa % PAGE || hk->state[idx(pa)] != kind)
		fail_msg("%s(%#llx): not a page this kernel preserved that way", fn,
			 (unsigned long long)pa);
	hk->state[idx(pa)] = HP_FREE;
	poison(idx(pa));
}

void kho_unpreserve_free(paddr_t pa)
{
	unpreserve_free(pa, HP_OUT, "kho_unpreserve_free");
}

void kho_unpreserve_free_meta(paddr_t pa)
{
	unpreserve_free(pa, HP_OUT_META, "kho_unpreserve_free_meta");
}

int kho_add_subtree(const char *name, paddr_t blob, uint64_t size)
{
	if (subtree_err)
		return subtree_err;
	struct subtree *free_slot = NULL;
	for (unsigned i = 0; i < HOST_KHO_SUBTREES; i++) {
		if (hk->out[i].name[0] && !strcmp(hk->out[i].name, name))
			return -EEXIST;
		if (!hk->out[i].name[0] && !free_slot)
			free_slot = &hk->out[i];
	}
	if (!free_slot)
		return -ENOMEM;
	strlcpy(free_slot->name, name, sizeof(free_slot->name));
	free_slot->pa = blob;
	free_slot->size = size;
	return 0;
}

int kho_remove_subtree(paddr_t blob)
{
	for (unsigned i = 0; i < HOST_KHO_SUBTREES; i++)
		if (hk->out[i].name[0] && hk->out[i].pa == blob) {
			memset(&hk->out[i], 0, sizeof(hk->out[i]));
			return 0;
		}
	return -ENOENT;
}

paddr_t host_subtree(bool incoming, const char *name, uint64_t *size)
{
	const struct subtree *t = incoming ? hk->in : hk->out;
	for (unsigned i = 0; i < HOST_KHO_SUBTREES; i++)
		if (t[i].name[0] && !strcmp(t[i].name, name)) {
			if (size)
				*size = t[i].size;
			return t[i].pa;
		}
	return 0;
}

int kho_retrieve_subtree(const char *name, paddr_t *pa, uint64_t *size)
{
	if (!took_over)
		return -ENOENT;
	for (unsigned i = 0; i < HOST_KHO_SUBTREES; i++)
		if (hk->in[i].name[0] && !strcmp(hk->in[i].name, name)) {
			*pa = hk->in[i].pa;
			*size = hk->in[i].size;
			return 0;
		}
	return -ENOENT;
}

bool kho_is_boot(void)
{
	return took_over;
}

bool kho_is_preserved(paddr_t pa, uint64_t size)
{
	return in_arena(pa) && hk->state[idx(pa)] == HP_IN && size <= PAGE &&
	       pa % PAGE + size <= PAGE;
}

int kho_restore_free(paddr_t pa)
{
	if (!in_arena(pa) || pa % PAGE || hk->state[idx(pa)] != HP_IN)
		fail_msg("kho_restore_free(%#llx): not an incoming page", (unsigned long long)pa);
	hk->state[idx(pa)] = HP_FREE;
	poison(idx(pa));
	restore_frees++;
	return 0;
}

void host_kho_fail_alloc_after(unsigned n)
{
	alloc_budget = n;
}

void host_kho_fail_subtree(int err)
{
	subtree_err = err;
}

unsigned host_restore_frees(void)
{
	return restore_frees;
}

bool host_took_over(void)
{
	return took_over;
}

const char *host_drop_reason(void)
{
	return drop_reason;
}

/* ---- kexec and boot ---- */

extern const struct kho_in_check __kho_in_check_start[], __kho_in_check_end[];

int host_kexec(void)
{
	const char *failed;
	int err = kexec_steps_prepare(&failed);      /* lib/kexec_step.c, as kexec runs it */
	if (err)
		return err;
	/* The handover: what this kernel preserved is all the next one gets. */
	for (unsigned i = 0; i < HOST_KHO_PAGES; i++) {
		if (hk->state[i] == HP_OUT || hk->state[i] == HP_OUT_META) {
			hk->state[i] = HP_IN;
		} else {
			hk->state[i] = HP_FREE;
			poison(i);
		}
	}
	memcpy(hk->in, hk->out, sizeof(hk->in));
	memset(hk->out, 0, sizeof(hk->out));
	hk->handover = true;
	return 0;
}

/* kho/kho_in.c's part: every KHO_IN_CHECK on its subtree, before anything is used. */
static void boot(bool handover)
{
	took_over = false;
	drop_reason = NULL;
	if (!handover)
		return;
	for (const struct kho_in_check *c = __kho_in_check_start; c < __kho_in_check_end; c++)
		for (unsigned i = 0; i < HOST_KHO_SUBTREES; i++) {
			const struct subtree *t = &hk->in[i];
			if (!t->name[0] || strcmp(t->name, c->subtree))
				continue;
			const char *why = c->check(t->pa, t->size, kho_is_preserved);
			if (why && !drop_reason)
				drop_reason = why;
		}
	if (drop_reason) {                      /* dropped whole: a cold boot */
		for (unsigned i = 0; i < HOST_KHO_PAGES; i++)
			if (hk->state[i] == HP_IN) {
				hk->state[i] = HP_FREE;
				poison(i);
			}
		memset(hk->in, 0, sizeof(hk->in));
		return;
	}
	took_over = true;
}

void host_kernel(void (*fn)(void))
{
	shared();
	bool handover = hk->handover;
	if (!handover)
		host_cold();
	hk->handover = false;
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0)
		fail_msg("fork failed");
	if (pid == 0) {
		setenv("CMOCKA_TEST_ABORT", "1", 1);
		printk_log_reset();
		boot(handover);
		fn();
		fflush(stdout);
		exit(0);
	}
	int status;
	if (waitpid(pid, &status, 0) != pid)
		fail_msg("waitpid failed");
	if (WIFSIGNALED(status))
		fail_msg("\nkernel child killed by signal %d", WTERMSIG(status));
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fail_msg("\nkernel child exited with %d", WEXITSTATUS(status));
}
