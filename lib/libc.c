/*
 * The rest of the C library that Debian's prebuilt libfdt.a calls and
 * lib/string.c does not give: strtoul (libfdt's overlay code parses fixup
 * offsets with it). C semantics: leading space, an optional sign (a '-' negates the
 * result modulo 2^64), base 0 (0x.. hex, 0.. octal, else decimal), 16 with an
 * optional 0x, or 2..36. *endptr is set past the last digit, or to nptr when there
 * is none. Overflow saturates at ULONG_MAX; there is no errno to set.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

static bool is_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

unsigned long strtoul(const char *nptr, char **endptr, int base)
{
	const char *s = nptr;
	bool neg = false, any = false, over = false;
	unsigned long v = 0;

	if (base < 0 || base == 1 || base > 36)
		goto out;
	while (is_space(*s))
		s++;
	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	/* "0x" counts as a prefix only if a hex digit follows; else "0" is the number. */
	if ((base == 0 || base == 16) && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') &&
	    digit_value(s[2]) < 16) {
		s += 2;
		base = 16;
	} else if (base == 0) {
		base = s[0] == '0' ? 8 : 10;
	}
	for (int d; (d = digit_value(*s)) < base; s++) {
		any = true;
		if (v > (ULONG_MAX - (unsigned long)d) / (unsigned long)base)
			over = true;
		v = v * (unsigned long)base + (unsigned long)d;
	}
	if (over)
		v = ULONG_MAX;
	else if (neg)
		v = -v;
out:
	if (endptr)
		*endptr = (char *)(any ? s : nptr);
	return v;
}
