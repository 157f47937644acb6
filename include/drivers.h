/*
 * Device drivers as a whole: bring-up at boot and quiescing before Baton gives the
 * machine away (kexec, poweroff).
 *
 * drivers_quiesce() leaves every device Baton drove the way the next kernel must
 * find it: reset (virtio status 0, read back as 0) and not bus-mastering, so it
 * neither DMAs into memory that is no longer ours nor holds state the next driver
 * does not expect. It runs with interrupts off and prints nothing. The boot option
 * `virtio_skip_reset` makes it do nothing, for tests that show why it matters.
 */
#ifndef DRIVERS_H
#define DRIVERS_H

/* The MADT's CPUs (acpi_madt_init), PCI enumeration, then every driver's probe.
 * After mm_init. */
void drivers_init(void);
void drivers_quiesce(void);
#endif
