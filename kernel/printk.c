/*
 * printk and the kernel log. Every line goes into a ring of LOG_SIZE bytes; once the
 * console has started (after the banner) it is also written to COM1 at once. Before
 * that, output waits in the ring, which is why the banner can be the first line on
 * the wire even though the boot adapters may have warned about bad ranges earlier.
 */
#include <printk.h>
#include <serial.h>
#include <string.h>

#define LOG_SIZE 16384

static char log_buf[LOG_SIZE];
static size_t log_head;          /* total bytes ever logged */
static size_t log_flushed;       /* bytes already written to the console */
static bool console_on;
static const char *early_banner;

void console_set_early_banner(const char *banner)
{
	early_banner = banner;
}

static void log_append(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		log_buf[(log_head + i) % LOG_SIZE] = s[i];
	log_head += n;
}

static void log_flush(void)
{
	if (log_head - log_flushed > LOG_SIZE) {
		static const char lost[] = "[log: earlier output lost]\n";
		serial_write(lost, sizeof(lost) - 1);
		log_flushed = log_head - LOG_SIZE;
	}
	while (log_flushed < log_head) {
		size_t off = log_flushed % LOG_SIZE;
		size_t n = MIN(log_head - log_flushed, LOG_SIZE - off);
		serial_write(log_buf + off, n);
		log_flushed += n;
	}
}

int vprintk(const char *fmt, va_list ap)
{
	char buf[512];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	size_t len = MIN((size_t)n, sizeof(buf) - 1);
	log_append(buf, len);
	if (console_on)
		log_flush();
	return n;
}

int printk(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vprintk(fmt, ap);
	va_end(ap);
	return n;
}

void console_start(const char *banner)
{
	serial_write(banner, strlen(banner));
	serial_write("\n", 1);
	console_on = true;
	log_flush();
}

void console_flush_for_panic(void)
{
	if (!console_on && early_banner) {       /* a panic before the banner: one first */
		serial_write(early_banner, strlen(early_banner));
		serial_write("\n", 1);
	}
	console_on = true;
	log_flush();
}
