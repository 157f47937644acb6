/* Host printk: capture into a buffer for the tests (see host_shim.h). */
#include <printk.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host_shim.h"

static char log_buf[PRINTK_LOG_MAX];
static size_t log_len;
static bool log_lost;

void printk_log_reset(void)
{
	log_len = 0;
	log_lost = false;
	log_buf[0] = 0;
}

const char *printk_log(void)
{
	return log_buf;
}

bool printk_log_truncated(void)
{
	return log_lost;
}

unsigned printk_log_count(const char *needle)
{
	unsigned n = 0;
	size_t nl = strlen(needle);
	if (nl == 0)
		return 0;
	for (const char *p = log_buf; (p = strstr(p, needle)) != NULL; p += nl)
		n++;
	return n;
}

int vprintk(const char *fmt, va_list ap)
{
	char line[1024];
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0)
		return n;
	size_t len = strlen(line);
	if (getenv("HOST_PRINTK"))
		fputs(line, stderr);
	if (len >= sizeof(log_buf) - log_len) {     /* start over, remember the loss */
		log_lost = true;
		log_len = 0;
	}
	memcpy(log_buf + log_len, line, len + 1);
	log_len += len;
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
