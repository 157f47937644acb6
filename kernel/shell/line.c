/*
 * The console line editor: one byte in, one event out. Printable ASCII is kept and
 * echoed; backspace (0x08, 0x7f) erases; Ctrl-C cancels the line, Ctrl-U clears it;
 * CR, LF or CR LF end it; ANSI escape sequences (arrow keys, CSI and SS3) are
 * swallowed, and a control byte ends an unfinished one and then counts as itself. Any other
 * byte marks the line bad, and a line longer than the buffer is swallowed to its end:
 * either way the caller reports an error instead of running it. The state is bounded
 * whatever bytes arrive, so no input can overrun or wedge it. Also built for the host.
 */
#include <shell_loop.h>

static void echo(struct line_editor *le, const char *s, size_t n)
{
	if (le->echo)
		le->echo(s, n);
}

void line_reset(struct line_editor *le)
{
	le->len = 0;
	le->overflow = false;
	le->bad_byte = -1;
	le->esc = 0;
	le->buf[0] = 0;
}

static enum line_event finish(struct line_editor *le)
{
	echo(le, "\n", 1);
	le->buf[le->len] = 0;
	if (le->overflow)
		return LINE_TOO_LONG;
	if (le->bad_byte >= 0)
		return LINE_BAD_BYTE;
	return le->len ? LINE_DONE : LINE_EMPTY;
}

enum line_event line_feed(struct line_editor *le, uint8_t c)
{
	bool after_cr = le->last_cr;
	le->last_cr = (c == '\r');
	if (le->esc && (c < 0x20 || c == 0x7f)) {
		le->esc = 0;                     /* a control byte ends any sequence */
	} else if (le->esc == 1) {               /* ESC seen: '[' (CSI) or 'O' (SS3) opens one */
		le->esc = (c == '[' || c == 'O') ? 2 : 0;
		return LINE_MORE;
	} else if (le->esc == 2) {               /* parameters until a final byte */
		if (c > 0x3f)
			le->esc = 0;             /* the final byte, swallowed too */
		return LINE_MORE;
	}
	switch (c) {
	case '\n':
		if (after_cr)
			return LINE_MORE;        /* the LF of CR LF */
		/* fall through */
	case '\r':
		return finish(le);
	case 0x1b:
		le->esc = 1;
		return LINE_MORE;
	case 0x08:
	case 0x7f:
		if (le->len && !le->overflow) {
			le->len--;
			echo(le, "\b \b", 3);
		}
		return LINE_MORE;
	case 0x03:                               /* Ctrl-C */
		echo(le, "^C\n", 3);
		line_reset(le);
		return LINE_CANCEL;
	case 0x15:                               /* Ctrl-U */
		while (le->len && !le->overflow) {
			le->len--;
			echo(le, "\b \b", 3);
		}
		return LINE_MORE;
	}
	if (c == '\t')
		c = ' ';
	if (c < 0x20 || c > 0x7e) {
		if (le->bad_byte < 0)
			le->bad_byte = c;
		return LINE_MORE;
	}
	if (le->len + 1 >= sizeof(le->buf)) {
		le->overflow = true;
		return LINE_MORE;
	}
	le->buf[le->len++] = (char)c;
	echo(le, (const char *)&c, 1);
	return LINE_MORE;
}
