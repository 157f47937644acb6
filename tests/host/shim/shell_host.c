/*
 * Host stand-ins for the hardware kernel/shell/shell.c links against (the serial
 * port), so shell_exec_line() runs unchanged on the host: its result line goes to
 * printk (the capture buffer, host_shim.h). The interactive loop (shell_loop) is
 * never run here; reading the port panics.
 */
#include <panic.h>
#include <printk.h>
#include <serial.h>

void serial_write(const char *s, size_t n)
{
	printk("%.*s", (int)n, s);
}

int serial_getc(void)
{
	panic("host serial_getc: there is no console input on the host");
}
