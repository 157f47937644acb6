/*
 * Forced in (-include) for test_kho_out's sources (tests/host/host.mk): the kernel's
 * direct map, include/layout.h's phys_to_virt/virt_to_phys, becomes the host arena
 * of shim/kho_host.c. layout.h is included first, so its inline functions are
 * defined as in the kernel (and unused); every later call, in mm.h's page_virt too,
 * goes through these macros. The kernel headers stay untouched.
 */
#ifndef HOST_DIRECT_MAP_H
#define HOST_DIRECT_MAP_H
#include <layout.h>
void *host_phys_to_virt(paddr_t pa);
paddr_t host_virt_to_phys(const void *va);
#define phys_to_virt(pa) host_phys_to_virt(pa)
#define virt_to_phys(va) host_virt_to_phys(va)
#endif
