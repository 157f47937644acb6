KSRCS += drivers/serial/serial.c
KSRCS += drivers/drivers.c drivers/acpi/acpi.c drivers/acpi/acpi_tables.c \
	drivers/pci/pci.c drivers/pci/cmd_pci.c \
	drivers/virtio/virtqueue.c drivers/virtio/virtio.c drivers/virtio/virtio_pci.c drivers/virtio/virtio_blk.c \
	drivers/virtio/cmd_blk.c
KTEST_SRCS += drivers/virtio/virtio_blk_ktest.c
