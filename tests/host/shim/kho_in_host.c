/* Host machine for test_kho_in: shared RAM, boot by fork, vmalloc stand-ins (see kho_in_host.h). */
#include <boot_info.h>
#include <buddy.h>
#include <memblock.h>
#include <kmalloc.h>
#include <paging.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vmalloc.h>
#include "kho_in_host.h"
#include "host_test.h"

#define POISON 0xdb

static uint8_t *ram, *shared;
static const struct vm_area *area;
static paddr_t *vm_frames;
static uint64_t vm_n;
static unsigned vm_order;
static void *vm_copy;

struct boot_info boot_info;

static void map(void)
{
	if (ram)
		return;
	ram = mmap(NULL, KI_RAM + KI_SHARED, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		   -1, 0);
	if (ram == MAP_FAILED) {
		perror("mmap");
		abort();
	}
	shared = ram + KI_RAM;
}

void ki_power_on(void)
{
	map();
	memset(ram, POISON, KI_RAM);
	memset(shared, 0, KI_SHARED);
}

void *ki_shared(void)
{
	map();
	return shared;
}

void *ki_ram(paddr_t pa)
{
	map();
	if (pa >= KI_RAM)
		fail_msg("ki_ram(%#llx): not RAM", (unsigned long long)pa);
	return ram + pa;
}

void *host_phys_to_virt(paddr_t pa)
{
	if (!ram || pa >= KI_RAM)
		fail_msg("phys_to_virt(%#llx): not RAM", (unsigned long long)pa);
	return ram + pa;
}

paddr_t host_virt_to_phys(const void *va)
{
	const uint8_t *p = va;
	if (!ram || p < ram || p >= ram + KI_RAM)
		fail_msg("virt_to_phys(%p): not RAM", va);
	return (paddr_t)(p - ram);
}

void paging_init(paddr_t ram_end)
{
	if (ram_end > KI_RAM)
		fail_msg("paging_init(%#llx): past the host RAM", (unsigned long long)ram_end);
}

uint64_t paging_table_bytes(void)
{
	return 0;
}

/* mm/memmap.c maps the memmap at VMEMMAP_BASE; the host has no such mapping, so the
 * memmap and its section bytes are one flat piece each from memblock, in the arena,
 * as the kernel's were before it kept them per present section. */
static uint64_t memmap_bytes;

void memmap_build(uint64_t npages, struct page **map, uint8_t **sec)
{
	uint64_t nsec = npages / SECTION_PAGES;
	memmap_bytes = npages * sizeof(struct page);
	paddr_t m = memblock_alloc(&memblock, memmap_bytes, 2 * MiB);
	paddr_t s = memblock_alloc(&memblock, nsec, PAGE_SIZE);
	if (!m || !s)
		fail_msg("no room for the memmap in the host RAM");
	memset(phys_to_virt(s), 0, nsec);
	*map = phys_to_virt(m);
	*sec = phys_to_virt(s);
}

uint64_t memmap_backed_bytes(void)
{
	return memmap_bytes;
}

void *kvmalloc(size_t n)
{
	return calloc(1, n ? n : 1);
}

void kvfree(const void *p)
{
	free((void *)p);
}

void ki_set_vm_area(const struct vm_area *a)
{
	area = a;
}

const struct vm_area *vmalloc_area(const void *p)
{
	return area && (uintptr_t)p == area->va ? area : NULL;
}

void *vmap_frames(const paddr_t *frames, uint64_t n, unsigned order)
{
	ki_vunmap();
	uint64_t piece = 4096ull << order;
	vm_frames = malloc((n ? n : 1) * sizeof(*frames));
	vm_copy = malloc(n ? n * piece : 1);
	if (!vm_frames || !vm_copy)
		abort();
	memcpy(vm_frames, frames, n * sizeof(*frames));
	for (uint64_t i = 0; i < n; i++)
		memcpy((uint8_t *)vm_copy + i * piece, host_phys_to_virt(frames[i]), piece);
	vm_n = n;
	vm_order = order;
	return vm_copy;
}

const void *ki_vmap(const paddr_t **frames, uint64_t *n, unsigned *order)
{
	*frames = vm_frames;
	*n = vm_n;
	*order = vm_order;
	return vm_copy;
}

void ki_vunmap(void)
{
	free(vm_frames);
	free(vm_copy);
	vm_frames = NULL;
	vm_copy = NULL;
	vm_n = 0;
}

void ki_kernel(void (*fn)(void))
{
	map();
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0)
		fail_msg("fork failed");
	if (pid == 0) {
		setenv("CMOCKA_TEST_ABORT", "1", 1);
		printk_log_reset();
		fn();
		ki_vunmap();
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
