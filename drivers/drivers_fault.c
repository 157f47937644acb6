/*
 * The boot option virtio_skip_reset (a test instrument, KTEST=1 only;
 * docs/console.md): devices are not reset at `kexec exec` or `poweroff`, so the
 * next kernel finds them still live and must reset them itself.
 */
#include <cmdline.h>
#include <fault_inject.h>

static bool skip_reset;

static int set_skip_reset(const char *v)
{
	return cmdline_flag(v, &skip_reset);
}
BOOT_PARAM("virtio_skip_reset", set_skip_reset);

static int skip_quiesce(void *ctx)
{
	(void)ctx;
	return skip_reset;
}
FAULT_HANDLER("drivers.quiesce", skip_quiesce);
