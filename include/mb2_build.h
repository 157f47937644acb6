/*
 * Building Multiboot2 information (boot/mb2_build.c): the EFI loader and kexec
 * both hand the kernel its boot information this way. Every int function returns 0
 * or -ENOSPC (the buffer is full; nothing past buf + cap is written).
 */
#ifndef MB2_BUILD_H
#define MB2_BUILD_H
#include <stddef.h>
#include <stdint.h>
#include <abi/multiboot2.h>

struct mb2_builder {
	uint8_t *buf;
	uint32_t cap;
	uint32_t len;    /* end of the fixed tags (8-aligned) */
	uint32_t total;  /* total_size after mb2_finish */
};

void mb2_init(struct mb2_builder *b, void *buf, uint32_t cap);
int mb2_add_string(struct mb2_builder *b, uint32_t type, const char *s);
int mb2_add_module(struct mb2_builder *b, uint32_t start, uint32_t end, const char *name);
int mb2_add_efi64(struct mb2_builder *b, uint64_t systab);
int mb2_add_acpi(struct mb2_builder *b, uint32_t type, const void *rsdp, uint32_t len);
/* Any other tag: header plus len bytes of payload. */
int mb2_add_tag(struct mb2_builder *b, uint32_t type, const void *payload, uint32_t len);
/* A memory map tag with n entries (entry_size 24, version 0). */
int mb2_add_mmap(struct mb2_builder *b, const struct mb2_mmap_entry *e, uint32_t n);
/* The end tag; sets total_size. */
int mb2_end(struct mb2_builder *b);
#endif
