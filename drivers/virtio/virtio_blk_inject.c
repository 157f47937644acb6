/*
 * Damaged disk records (a test instrument, KTEST=1 only; docs/console.md). `blk
 * inject KIND` arms one kind; the next "baton-virtio-blk-v1" record frozen in the
 * kexec path is changed so that the next kernel's `luo retrieve` must refuse it,
 * reset the device and probe it afresh:
 *
 *   bdf       the record names function ff:1f.7, which does not exist;
 *   devid     the record's device ID is off by one;
 *   ring      the ring address moves 64 MiB away, outside preserved memory;
 *   req       req_pa names the record's own page: preserved at order 0, but the
 *             record's, which the next kernel has taken back before it takes the
 *             request page;
 *   reqring   req_pa names the ring block's used-ring page;
 *   idx       the available index runs 3 ahead of the used one;
 *   features  the record claims RO, which the (writable) device does not offer;
 *   freeze    the freeze fails with EIO (the kexec fails, the device stays ours).
 */
#include <errno.h>
#include <fault_inject.h>
#include <shell.h>
#include <string.h>
#include <layout.h>
#include <abi/baton.h>

static const char *const kinds[] = { "bdf", "devid", "ring", "req", "reqring", "idx", "features",
				     "freeze" };
static const char *armed;

static int on_blk_freeze(void *ctx)
{
	struct baton_virtio_blk_ser *s = ctx;
	const char *k = armed;
	armed = NULL;
	if (!k)
		return 0;
	if (!strcmp(k, "freeze"))
		return -EIO;
	if (!strcmp(k, "bdf"))
		s->bdf = 0xffff;
	else if (!strcmp(k, "devid"))
		s->device_id ^= 1;
	else if (!strcmp(k, "ring"))
		s->ring_pa ^= 64ull << 20;
	else if (!strcmp(k, "req"))
		s->req_pa = virt_to_phys(s);
	else if (!strcmp(k, "reqring"))
		s->req_pa = s->ring_pa + 4096;
	else if (!strcmp(k, "idx"))
		s->avail_idx += 3;
	else
		s->features |= 1ull << 5;       /* VIRTIO_BLK_F_RO */
	return 0;
}
FAULT_HANDLER("blk.freeze", on_blk_freeze);

static int cmd_inject(struct shell_ctx *c, int argc, char **argv)
{
	for (unsigned i = 0; argc == 3 && i < ARRAY_SIZE(kinds); i++)
		if (!strcmp(argv[2], kinds[i])) {
			armed = kinds[i];
			return 0;
		}
	return shell_err(c, -EINVAL, "usage: blk inject bdf|devid|ring|req|reqring|idx|features|freeze");
}
SHELL_SUBCMD("blk", "inject", "KIND", cmd_inject);
