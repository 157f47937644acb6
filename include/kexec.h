/*
 * kexec: load the next kernel and jump into it (docs/console.md, `kexec ...`).
 *
 * load: the image (a boot module, by default "baton", the running kernel's own
 * file, or an image from the disk's image store) is copied into scratch and checked
 * like any loader checks it (include/elf_check.h); its segments must fit the kernel
 * slot.
 * exec: the pre-exec steps run in registration order (LUO serializes there; the
 * KHO root is finalized last); any failure undoes the earlier steps in reverse order
 * and returns the error, and the system goes on. On success the machine is
 * quiesced, the next kernel's multiboot2 information (with the handover tag) and a
 * trampoline are written in scratch, and the trampoline copies the segments and
 * enters the next kernel. Never returns then.
 */
#ifndef KEXEC_H
#define KEXEC_H
#include <kexec_step.h>

/* image: a boot module's name, or "disk:N", the Nth image of the image store on the
 * first block device (include/imgstore.h), read and checked against its CRC32.
 * 0, or -errno with *why a short reason; the image loaded before stays loaded:
 * -ENOENT no such module, -ENOEXEC not a Baton image, -EINVAL a segment outside the
 * kernel slot (or a bad disk:N), -E2BIG too large, -ENODEV no block device, and the
 * image store's errors (imgstore_open, imgstore_entry, imgstore_load). */
int kexec_load(const char *image, const char *cmdline, uint64_t *bytes, const char **why);
void kexec_unload(void);
int kexec_exec(void);            /* returns only on failure */
/* After a live update: take the previous kernel's timeline, and report the
 * blackout phases once the prompt is near (TSC ticks; 1 ns under -icount shift=0). */
void kexec_timeline_in(void);
void kexec_timeline_report(uint64_t tsc_handover, uint64_t tsc_prompt);
#endif
