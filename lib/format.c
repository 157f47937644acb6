/*
 * vsnprintf for the kernel: the C99 subset listed in include/printk.h.
 * Always NUL-terminates when size > 0; returns the length the full output would
 * have had (so callers can detect truncation).
 */
#include <printk.h>
#include <string.h>

struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_padded(struct out *o, const char *s, size_t n, int width, bool left, char pad)
{
	int fill = width > (int)n ? width - (int)n : 0;
	if (!left && pad == '0' && n && (*s == '-')) {  /* sign before zero padding */
		put(o, *s++);
		n--;
	}
	if (!left)
		while (fill--)
			put(o, pad);
	while (n--)
		put(o, *s++);
	if (left)
		while (fill-- > 0)
			put(o, ' ');
}

static size_t utoa(char *end, unsigned long long v, unsigned base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	size_t n = 0;
	do {
		*--end = digits[v % base];
		v /= base;
		n++;
	} while (v);
	return n;
}

/* One conversion's flags, width, precision and length (l: 1, ll or z: 2). */
struct spec {
	bool left, alt;
	char pad;
	int width, prec, lng;
};

/* A width or precision at fmt: decimal digits added to *v, or '*', the next int
 * argument. Returns what follows. */
static const char *parse_num(const char *fmt, int *v, va_list *ap)
{
	if (*fmt == '*') {
		*v = va_arg(*ap, int);
		return fmt + 1;
	}
	while (*fmt >= '0' && *fmt <= '9')
		*v = *v * 10 + (*fmt++ - '0');
	return fmt;
}

/* fmt points at a '%': read what follows it up to the conversion character, and
 * return that character's position. */
static const char *parse_spec(const char *fmt, struct spec *sp, va_list *ap)
{
	*sp = (struct spec){ .pad = ' ', .prec = -1 };
	for (;; fmt++) {
		if (fmt[1] == '-')
			sp->left = true;
		else if (fmt[1] == '#')
			sp->alt = true;
		else if (fmt[1] == '0')
			sp->pad = '0';
		else
			break;
	}
	fmt = parse_num(fmt + 1, &sp->width, ap);
	if (*fmt == '.') {
		sp->prec = 0;
		fmt = parse_num(fmt + 1, &sp->prec, ap);
	}
	for (;; fmt++) {
		if (*fmt == 'l')
			sp->lng++;
		else if (*fmt == 'z')
			sp->lng = 2;
		else if (*fmt != 'h')
			break;
	}
	return fmt;
}

static void put_signed(struct out *o, const struct spec *sp, long long v)
{
	char tmp[24], *end = tmp + sizeof(tmp);
	unsigned long long u = v < 0 ? -(unsigned long long)v : (unsigned long long)v;
	size_t n = utoa(end, u, 10, false);
	if (v < 0) {
		*(end - n - 1) = '-';
		n++;
	}
	put_padded(o, end - n, n, sp->width, sp->left, sp->pad);
}

/* %u, %x, %X (conv); '#' gives hex a 0x prefix, inside the width. */
static void put_unsigned(struct out *o, const struct spec *sp, char conv, unsigned long long u)
{
	char tmp[24], *end = tmp + sizeof(tmp);
	int width = sp->width;
	size_t n = utoa(end, u, conv == 'u' ? 10 : 16, conv == 'X');
	if (sp->alt && conv != 'u' && u) {   /* C prints 0, not 0x0 */
		put(o, '0');
		put(o, 'x');
		width -= 2;
	}
	put_padded(o, end - n, n, width, sp->left, sp->pad);
}

static void put_pointer(struct out *o, const struct spec *sp, uintptr_t p)
{
	char tmp[24], *end = tmp + sizeof(tmp);
	size_t n = utoa(end, p, 16, false);
	put(o, '0');
	put(o, 'x');
	put_padded(o, end - n, n, sp->width > 2 ? sp->width - 2 : 0, sp->left, '0');
}

static void put_string(struct out *o, const struct spec *sp, const char *s)
{
	if (!s)
		s = "(null)";
	size_t n = sp->prec >= 0 ? strnlen(s, (size_t)sp->prec) : strlen(s);
	put_padded(o, s, n, sp->width, sp->left, ' ');
}

/* The conversion at fmt, with its argument from ap. Returns the position the
 * caller's loop goes on from (the one before a NUL, so that the loop ends). */
static const char *convert(struct out *o, const char *fmt, const struct spec *sp, va_list *ap)
{
	char c;
	switch (*fmt) {
	case 'd':
	case 'i':
		put_signed(o, sp, sp->lng ? va_arg(*ap, long long) : va_arg(*ap, int));
		break;
	case 'u':
	case 'x':
	case 'X':
		put_unsigned(o, sp, *fmt, sp->lng ? va_arg(*ap, unsigned long long)
						  : va_arg(*ap, unsigned int));
		break;
	case 'p':
		put_pointer(o, sp, (uintptr_t)va_arg(*ap, void *));
		break;
	case 's':
		put_string(o, sp, va_arg(*ap, const char *));
		break;
	case 'c':
		c = (char)va_arg(*ap, int);
		put_padded(o, &c, 1, sp->width, sp->left, ' ');
		break;
	case '%':
		put(o, '%');
		break;
	case '\0':
		return fmt - 1;
	default:
		put(o, '%');
		put(o, *fmt);
	}
	return fmt;
}

/* The helpers take the arguments through a copy of ap, by address: a va_list
 * parameter itself cannot portably be passed on that way. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	struct spec sp;
	va_list args;

	va_copy(args, ap);
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		fmt = parse_spec(fmt, &sp, &args);
		fmt = convert(&o, fmt, &sp, &args);
	}
	va_end(args);
	if (size)
		buf[o.len < size ? o.len : size - 1] = 0;
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
