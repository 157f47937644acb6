/*
 * Driver bring-up and quiesce (model in include/drivers.h): the MADT's CPUs, then PCI,
 * then each driver probes the functions it knows. Quiesce goes through PCI's list of claimed
 * functions, so a driver only has to say how its device is reset. A test instrument
 * may skip that reset (fault site "drivers.quiesce": a non-zero answer skips it;
 * drivers/drivers_fault.c, the boot option virtio_skip_reset).
 */
#include <acpi.h>
#include <drivers.h>
#include <fault_inject.h>
#include <pci.h>
#include "virtio/virtio_blk.h"

void drivers_init(void)
{
	acpi_madt_init();
	pci_init();
	virtio_blk_init();
}

void drivers_quiesce(void)
{
	if (!fault_hook("drivers.quiesce", NULL))
		pci_quiesce_all();
}
