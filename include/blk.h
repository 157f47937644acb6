/*
 * Block devices: the interface the rest of Baton uses to reach a disk (today only
 * virtio-blk, drivers/virtio/). Sectors are 512 bytes whatever the device's own
 * block size. Calls are synchronous: they return when the device has completed
 * the request (polling; no interrupts), so no request is ever in flight between
 * two calls. buf may be any kernel address (direct map, kernel image or vmalloc);
 * the driver finds the frames behind it. Errors: -ENODEV (no such device),
 * -EINVAL (count 0 or a range past the end), -EIO (the device said so),
 * -ETIMEDOUT (no completion), -EROFS (write to a read-only device).
 */
#ifndef BLK_H
#define BLK_H
#include <types.h>

#define BLK_SECTOR_SIZE 512u

struct blk_dev;

/* The idx-th block device found at boot (0, 1, ...), or NULL. */
struct blk_dev *blk_get(unsigned idx);
const char *blk_name(const struct blk_dev *d);     /* "blk0", ... */
uint64_t blk_sectors(const struct blk_dev *d);    /* capacity in 512-byte sectors */
bool blk_read_only(const struct blk_dev *d);
int blk_read(struct blk_dev *d, uint64_t lba, uint32_t count, void *buf);
int blk_write(struct blk_dev *d, uint64_t lba, uint32_t count, const void *buf);
int blk_flush(struct blk_dev *d);
#endif
