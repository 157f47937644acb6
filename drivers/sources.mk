# drivers/: the serial console, ACPI tables, PCI, virtio-pci and virtio-blk. Above
# luo/ (a driver may preserve its device through LUO), below kernel/.
KSRCS += drivers/serial/serial.c
KSRCS += drivers/drivers.c drivers/acpi/acpi.c drivers/acpi/acpi_tables.c drivers/acpi/acpi_madt.c \
	drivers/pci/pci.c drivers/pci/pci_msix.c drivers/pci/pci_ser.c drivers/pci/pci_luo.c drivers/pci/cmd_pci.c \
	drivers/virtio/virtqueue.c drivers/virtio/virtio.c drivers/virtio/virtio_pci.c drivers/virtio/virtio_blk.c drivers/virtio/virtio_blk_ser.c drivers/virtio/virtio_blk_luo.c \
	drivers/virtio/cmd_blk.c
KTEST_SRCS += drivers/virtio/virtio_blk_ktest.c drivers/virtio/virtio_blk_inject.c drivers/drivers_fault.c
