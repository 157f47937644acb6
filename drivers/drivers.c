/*
 * Driver bring-up and quiesce (model in include/drivers.h): PCI first, then each
 * driver probes the functions it knows. Quiesce goes through PCI's list of claimed
 * functions, so a driver only has to say how its device is reset.
 */
#include <cmdline.h>
#include <drivers.h>
#include <errno.h>
#include <pci.h>
#include "virtio/virtio_blk.h"

static bool skip_reset;

static int set_skip_reset(const char *v)
{
	if (v)
		return -EINVAL;
	skip_reset = true;
	return 0;
}
BOOT_PARAM("virtio_skip_reset", set_skip_reset);

void drivers_init(void)
{
	pci_init();
	virtio_blk_init();
}

void drivers_quiesce(void)
{
	if (!skip_reset)
		pci_quiesce_all();
}
