/*
 * printk and the kernel log. Every line goes into a ring of LOG_SIZE bytes; once the
 * console has started (after the banner) it is also written to the console device
 * at once. Before that, output waits in the ring, which is why the banner can be the
 * first line on the wire even though the boot adapters may have warned about bad
 * ranges earlier. The device is whatever console_set_output() names (COM1, set by
 * kmain first thing): lib/ knows no driver. With none set, output stays in the ring.
 */
#include <printk.h>
#include <string.h>

#define LOG_SIZE 16384

static char log_buf[LOG_SIZE];
static size_t log_head;          /* total bytes ever logged */
static size_t log_flushed;       /* bytes already written to the console */
static bool console_on;
static const char *early_banner;
static void (*console_out)(const char *s, size_t n);

void console_set_output(void (*write)(const char *s, size_t n))
{
	console_out = write;
}

static void console_write(const char *s, size_t n)
{
	if (console_out)
		console_out(s, n);
}

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
		console_write(lost, sizeof(lost) - 1);
		log_flushed = log_head - LOG_SIZE;
	}
	while (log_flushed < log_head) {
		size_t off = log_flushed % LOG_SIZE;
		size_t n = MIN(log_head - log_flushed, LOG_SIZE - off);
		console_write(log_buf + off, n);
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
	console_write(banner, strlen(banner));
	console_write("\n", 1);
	console_on = true;
	log_flush();
}

void console_flush_for_panic(void)
{
	if (!console_on && early_banner) {       /* a panic before the banner: one first */
		console_write(early_banner, strlen(early_banner));
		console_write("\n", 1);
	}
	console_on = true;
	log_flush();
}
