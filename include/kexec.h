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
 * finalize: builds the handover exactly as exec does up to the jump (the timeline,
 * the steps, KHO's root) and stops there, so that it can be looked at in memory; no
 * image is needed, as no boot information is written. unload undoes it, exec undoes
 * it and builds it again, and so does a second finalize: undoing runs what a failed
 * exec runs (the steps' undo in reverse order, KHO's abort). While finalized, LUO
 * still takes changes to sessions; they reach the handover in memory only when it is
 * built again (docs/console.md, `kexec finalize`).
 */
#ifndef KEXEC_H
#define KEXEC_H
#include <abi/kho.h>
#include <kexec_step.h>

/* image: a boot module's name, or "disk:N", the Nth image of the image store on the
 * first block device (include/imgstore.h), read and checked against its CRC32.
 * 0, or -errno with *why a short reason; the image loaded before stays loaded:
 * -ENOENT no such module, -ENOEXEC not a Baton image, -EINVAL a segment outside the
 * kernel slot (or a bad disk:N), -E2BIG too large, -ENODEV no block device, and the
 * image store's errors (imgstore_open, imgstore_entry, imgstore_load). */
int kexec_load(const char *image, const char *cmdline, uint64_t *bytes, const char **why);
/* Drops the loaded image, and undoes a finalized handover. */
void kexec_unload(void);
/* Build the handover without jumping: 0 with *kd the description the next kernel
 * would get, or -errno with *why the part that failed (a step's name, "the blackout
 * timeline", "KHO finalize"); everything is then undone and nothing is finalized. */
int kexec_finalize(struct kho_data *kd, const char **why);
int kexec_exec(void);            /* returns only on failure */
/* The part the last failed kexec_exec() named, as kexec_finalize's *why, or NULL
 * when no image was loaded (-EINVAL, nothing was tried). */
const char *kexec_exec_failure(void);
/* After a live update: take the previous kernel's timeline, and report the
 * blackout phases once the prompt is near (TSC ticks; 1 ns under -icount shift=0). */
void kexec_timeline_in(void);
void kexec_timeline_report(uint64_t tsc_handover, uint64_t tsc_prompt);
#endif
